from __future__ import annotations

import json

from claimvlm.privacy import notes_corpus_d as corpus


def test_same_seed_gives_the_same_notes_and_other_seeds_differ() -> None:
    a = corpus.generate(300, seed=11)
    b = corpus.generate(300, seed=11)
    assert [corpus.note_to_json(n) for n in a] == [corpus.note_to_json(n) for n in b]
    c = corpus.generate(300, seed=12)
    assert [n.text for n in a] != [n.text for n in c]


def test_spans_are_exact_and_do_not_overlap() -> None:
    notes = corpus.generate(2000, seed=1)
    assert len({n.text for n in notes}) == len(notes) == 2000
    for note in notes:
        corpus._check(note)
        row = corpus.note_to_json(note)
        assert set(row) == {"text", "spans", "keep"}
        json.dumps(row, ensure_ascii=False)
        for sp in row["spans"]:
            assert row["text"][sp["start"]:sp["end"]] == sp["text"]
        ends = sorted((s.start, s.end) for s in note.spans)
        assert all(e1 <= s2 for (_, e1), (s2, _) in zip(ends, ends[1:]))


def test_every_span_type_occurs_and_some_lines_have_none() -> None:
    notes = corpus.generate(2000, seed=1)
    seen = {s.type for n in notes for s in n.spans}
    assert seen == set(corpus.SPAN_TYPES)
    empty = sum(1 for n in notes if not n.spans)
    assert 0.08 * len(notes) < empty < 0.25 * len(notes)
    assert corpus.template_count() >= 120 and corpus.kind_count() >= 30


def test_main_writes_jsonl(tmp_path) -> None:
    out = tmp_path / "d.jsonl"
    assert corpus.main(["--n", "50", "--seed", "3", "--out", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 50
