"""Document anchoring: the prompt each record carries with anchoring on and off, the anchor text's
format (golden), its cap, and the OCR baseline parsed from the words the build stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claimvlm.config import Params
from claimvlm.dataset.params import BuildParams
from claimvlm.dataset.reader import examples_from, prompt_for, prompt_of, read_split
from claimvlm.dataset.stage import build
from claimvlm.model.prompt import ANCHOR_HEADER, AnchorParams, PromptSpec, anchor_text
from claimvlm.ocr import require_tesseract
from claimvlm.synthesis import generate

ON = AnchorParams(mode="ocr")
# Words as the engine gives them ([text, x0, y0, x1, y1] in pixels) on a 1000 x 2000 page,
# out of order: the anchor chains them into lines, top to bottom, left to right.
WORDS = [["850820-2223414", 400, 200, 600, 230], ["진", 450, 100, 470, 140], ["허승희", 100, 200, 180, 230],
         ["단", 490, 100, 510, 140], ["서", 530, 100, 550, 140], ["발행일", 100, 1800, 160, 1830],
         ["2023.04.22", 200, 1800, 330, 1830]]
GOLDEN = "[45,6]진 단 서\n[10,11]허승희 850820-2223414\n[10,91]발행일 2023.04.22"


def test_the_anchor_is_lines_in_reading_order_with_coarse_positions() -> None:
    assert anchor_text(WORDS, 1000, 2000, ON) == GOLDEN
    bare = ON.model_copy(update={"coordinates": False})
    assert anchor_text(WORDS, 1000, 2000, bare) == "진 단 서\n허승희 850820-2223414\n발행일 2023.04.22"


def test_the_cap_leaves_out_whole_lines() -> None:
    capped = ON.model_copy(update={"max_chars": 40})
    assert anchor_text(WORDS, 1000, 2000, capped) == "[45,6]진 단 서\n[10,11]허승희 850820-2223414"


def test_the_prompt_with_and_without_anchoring() -> None:
    on, off = PromptSpec("지시문", ON), PromptSpec("지시문")
    assert on.user_text(GOLDEN) == f"지시문\n{ANCHOR_HEADER}\n{GOLDEN}"
    assert off.user_text(GOLDEN) == "지시문"  # a model trained without anchors is asked without them
    assert PromptSpec.from_json(json.loads(json.dumps(on.to_json()))) == on


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("anchoring") / "src"
    generate.run(Params().synth.model_copy(update={"num_docs": 4, "workers": 1, "seed": 3}), src, progress=False)
    return src


def test_records_carry_the_prompt_they_were_built_with(pages: Path, tmp_path: Path) -> None:
    require_tesseract("kor+eng")
    splits = {"train": 0.0, "val": 0.0, "test": 1.0}
    off = build(pages, tmp_path / "off", BuildParams(splits=splits, anchoring=AnchorParams()), progress=False)
    on = build(pages, tmp_path / "on", BuildParams(splits=splits, anchoring=ON, workers=1), progress=False)
    assert prompt_of(off.out) == PromptSpec(BuildParams().instruction)
    assert prompt_of(on.out) == PromptSpec(BuildParams().instruction, ON)
    bare, anchored = read_split(off.out, "test"), read_split(on.out, "test")
    assert len(anchored) == 4
    for ex_off, ex_on in zip(bare, anchored, strict=True):
        assert "ocr" not in ex_off.record
        text = ex_on.record["messages"][0]["content"][1]["text"]
        assert text.startswith(BuildParams().instruction + "\n" + ANCHOR_HEADER + "\n[")
        assert text == prompt_for(ex_on, prompt_of(on.out))  # from the stored words, as evaluation builds it
        # The stored words are the reading of this very page: reading it again gives the same prompt.
        again = examples_from([{k: v for k, v in ex_on.record.items() if k != "ocr"}], [ex_on.page()])[0]
        assert prompt_for(again, prompt_of(on.out)) == text
        # Anchored values are copyable: the patient's name as labelled is in the anchor text.
        label = json.loads(ex_on.record["messages"][-1]["content"][0]["text"])
        if ex_on.record["capture"] == "clean":
            assert label["patient_name"] in text


def test_the_baseline_reads_the_stored_words_as_it_reads_the_page(pages: Path, tmp_path: Path) -> None:
    from claimvlm.evaluation.stage import baseline_predictor

    require_tesseract("kor+eng")
    on = build(pages, tmp_path / "on", BuildParams(splits={"train": 0.0, "val": 0.0, "test": 1.0}, anchoring=ON,
                                                   workers=1), progress=False)
    test = read_split(on.out, "test")
    from_words = baseline_predictor(workers=1, progress=False)(test)
    stripped = examples_from([{k: v for k, v in ex.record.items() if k != "ocr"} for ex in test],
                             [ex.page() for ex in test])
    assert from_words == baseline_predictor(workers=1, progress=False)(stripped)


def test_anchors_read_on_a_dask_cluster_are_the_local_reading(pages: Path) -> None:
    """The build's anchor OCR (its largest cost) goes to the configured executor like the other
    stages' per-document work, with the same result."""
    from distributed import LocalCluster

    from claimvlm.dataset.records import load_documents
    from claimvlm.dataset.stage import read_anchors
    from claimvlm.parallel import ExecutorParams

    require_tesseract("kor+eng")
    docs = load_documents(pages, progress=False)[:2]
    local = read_anchors(docs, ON, workers=1, progress=False)
    with LocalCluster(n_workers=1, processes=True, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0") as cluster:
        dask = read_anchors(docs, ON, workers=1, progress=False,
                            executor=ExecutorParams(kind="dask", address=cluster.scheduler_address))
    assert dask == local and all(local.values())
