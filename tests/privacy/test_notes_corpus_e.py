"""Generator E: deterministic, exactly annotated, covering every span type and text kind."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from claimvlm.privacy import notes_corpus_e as corpus


@pytest.fixture(scope="module")
def notes() -> list[corpus.Note]:
    return corpus.generate(2000, seed=1)


def test_same_seed_gives_the_same_notes_and_other_seeds_differ() -> None:
    a = corpus.generate(300, seed=11)
    b = corpus.generate(300, seed=11)
    assert [corpus.note_to_json(n) for n in a] == [corpus.note_to_json(n) for n in b]
    assert [n.kind for n in a] == [n.kind for n in b]
    c = corpus.generate(300, seed=12)
    assert [n.text for n in a] != [n.text for n in c]


def test_spans_are_exact_and_do_not_overlap(notes: list[corpus.Note]) -> None:
    assert len(notes) == 2000
    assert len({n.text for n in notes}) == 2000
    for note in notes:
        corpus._check(note)
        last = 0
        for sp in note.spans:  # spans come in text order
            assert sp.start >= last
            assert note.text[sp.start:sp.end] == sp.text
            last = sp.end


def test_every_span_type_occurs_and_some_lines_have_none(notes: list[corpus.Note]) -> None:
    counts = Counter(s.type for n in notes for s in n.spans)
    assert set(counts) == set(corpus.SPAN_TYPES)
    empty = sum(1 for n in notes if not n.spans) / len(notes)
    assert 0.08 <= empty <= 0.25
    share = counts["name"] / sum(counts.values())
    assert 0.35 <= share <= 0.65, share


def test_every_line_carries_hard_negatives(notes: list[corpus.Note]) -> None:
    assert all(n.keep for n in notes)
    keeps = {k for n in notes for k in n.keep}
    assert keeps & set(corpus.MEDICAL_LOOKALIKES)
    for note in notes:
        for k in note.keep:
            for sp in note.spans:  # a keep is never itself a span
                assert k != sp.text


def test_names_carry_no_titles_particles_or_brackets(notes: list[corpus.Note]) -> None:
    names = [s.text for n in notes for s in n.spans if s.type == "name"]
    for name in names:
        assert name[0] not in "([<\"'" and name[-1] not in ")]>\"'.,:"
        assert not name.endswith(("님", "씨", "선생님", "교수님", "(인)"))
    assert any(" " in nm and all("가" <= c <= "힣" or c == " " for c in nm) for nm in names)  # spaced / foreign
    assert any(nm.isascii() for nm in names)  # romanised
    assert any(nm[:2] in corpus._COMPOUND_SURNAMES for nm in names)


def test_masked_names_are_kept_not_annotated(notes: list[corpus.Note]) -> None:
    masked = [k for n in notes for k in n.keep if any(m in k for m in ("○", "*", " 모", "OO", "XX"))]
    assert masked
    span_texts = {s.text for n in notes for s in n.spans if s.type == "name"}
    assert not span_texts & set(masked)


def test_particles_follow_the_final_consonant() -> None:
    assert corpus._particle("김민준", "이") == "이"
    assert corpus._particle("이지우", "이") == "가"
    assert corpus._particle("서연", "~가") == "이가"
    assert corpus._particle("지우", "~가") == "가"
    assert corpus._particle("박철", "으로") == "로"
    assert corpus._particle("J18.9", "으로") == "로"


def test_counts_and_word_lists() -> None:
    assert corpus.template_count() >= 150
    assert corpus.kind_count() >= 35
    assert len(corpus.MEDICAL_LOOKALIKES) >= 150
    syllables = set(corpus._SURNAMES) | set(corpus._RARE_SURNAMES)
    assert all(w[0] in syllables for w in corpus.MEDICAL_LOOKALIKES)


def test_main_writes_jsonl(tmp_path) -> None:
    out = tmp_path / "notes.jsonl"
    assert corpus.main(["--n", "40", "--seed", "3", "--out", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 40
    for row in rows:
        assert set(row) == {"text", "spans", "keep"}
        for sp in row["spans"]:
            assert row["text"][sp["start"]:sp["end"]] == sp["text"]
