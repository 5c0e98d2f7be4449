"""Document-level mixing keeps labels true: this page's ink stays where and as dark as it was, pasted
crops land outside its text boxes, the same (seed, sample, epoch) draws the same page, and
nothing mixes unless configured."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

from claimvlm.config import load_params
from claimvlm.synthesis import mixing
from claimvlm.synthesis.degrade import STEPS, Page, build_step
from claimvlm.synthesis.generate import CLEAN, Document, make_document
from claimvlm.synthesis.params import StepParams, SynthParams
from claimvlm.training.data import Augment
from claimvlm.training.params import TrainParams

ROOT = Path(__file__).resolve().parents[2]
NO_POINTS = np.zeros((0, 2), np.float32)
# Documents of every type and layout: (index, type, layout).
CASES = [(0, "diagnosis_certificate", "grid"), (1, "surgery_record", "stacked"), (2, "itemized_bill", "lined"),
         (3, "receipt", "grid"), (4, "admission_discharge", "stacked"), (5, "diagnosis_certificate", "lined")]


@pytest.fixture(scope="module")
def docs(synth_params: SynthParams) -> list[Document]:
    return [make_document(synth_params, i, doc_type=t, layout=lay, profile=CLEAN) for i, t, lay in CASES]


def _boxes(doc: Document, scale: float = 1.0) -> list[tuple[int, int, int, int]]:
    """Every field value and word box of the document, in pixels of a page ``scale`` times its size."""
    out = []
    for b in doc.boxes["fields"] + doc.boxes["words"]:
        x0, y0, x1, y1 = (v * scale for v in b["bbox"])
        out.append((int(np.floor(x0)), int(np.floor(y0)), int(np.ceil(x1)) + 1, int(np.ceil(y1)) + 1))
    return out


def _small(image: np.ndarray) -> np.ndarray:
    """The page as the training data path augments it: downscaled to the tiny default's ~71,680 pixels."""
    return np.asarray(Image.fromarray(image).resize((225, 318), Image.Resampling.LANCZOS))


def _dilate(mask: np.ndarray, r: int) -> np.ndarray:
    import cv2

    return cv2.dilate(mask.astype(np.uint8), np.ones((2 * r + 1, 2 * r + 1), np.uint8)) > 0


def test_the_steps_are_in_the_step_table_and_validate_their_arguments() -> None:
    assert STEPS["cutmix"] is mixing.CutMix and STEPS["mixup"] is mixing.MixUp
    StepParams(name="mixup", args={"alpha": [0.05, 0.3], "kinds": ["paper", "ruled"]})  # YAML lists are fine
    with pytest.raises(ValueError, match="alpha"):
        StepParams(name="mixup", args={"alpha": [0.1, 0.6]})  # too strong to keep the text dominant
    with pytest.raises(ValueError, match="kinds"):
        StepParams(name="mixup", args={"kinds": ["fog"]})
    with pytest.raises(ValueError, match="width"):
        StepParams(name="cutmix", args={"width": [0.5, 0.2]})
    with pytest.raises(ValueError, match="no argument"):
        StepParams(name="cutmix", args={"where": "anywhere"})


@pytest.mark.parametrize("size", ["full", "training"])
def test_cutmix_never_touches_this_pages_text(docs: list[Document], size: str) -> None:
    step = mixing.CutMix(count=(2, 3))
    pasted = 0
    for k, doc in enumerate(docs):
        image = doc.image if size == "full" else _small(doc.image)
        scale = image.shape[1] / doc.image.shape[1]
        for seed in range(3):
            out = step(Page(image, NO_POINTS, np.random.default_rng([k, seed]))).image
            changed = (out != image).any(axis=2)
            pasted += bool(changed.any())
            # Every pixel of this page's ink, and everything within 2 px of it, is exactly as it was.
            ink = _dilate(mixing.ink_mask(image, step.ink), 2)
            assert np.array_equal(out[ink], image[ink])
            # The mask of dark pixels is preserved where it was.
            dark = image.mean(axis=2) < 128
            assert np.array_equal(out.mean(axis=2)[dark] < 128, dark[dark])
            # Pasted content lands outside every field value and word box of this page.
            for x0, y0, x1, y1 in _boxes(doc, scale):
                assert not changed[max(0, y0):y1, max(0, x0):x1].any(), (doc.meta["document_type"], seed)
            # ... and outside the page's content box (the margins and the blank foot of the page).
            rows = np.flatnonzero(mixing.ink_mask(image, step.ink).sum(axis=1) > 0.01 * image.shape[1])
            cols = np.flatnonzero(mixing.ink_mask(image, step.ink).sum(axis=0) > 0.01 * image.shape[0])
            assert not changed[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1].any()
    assert pasted >= 0.8 * len(docs) * 3, "cutmix found no room on most pages: the test proves nothing"


def test_cutmix_keeps_out_of_the_boxes_the_points_outline() -> None:
    """On a blank page (no ink to avoid), the boxes passed as points (four corners each, as the
    synth stage passes them) are the only thing kept clear."""
    image = np.full((318, 225, 3), 255, np.uint8)
    boxes = [(20, 30, 200, 90), (40, 150, 120, 300)]
    points = np.asarray([[(x0, y0), (x1, y0), (x1, y1), (x0, y1)] for x0, y0, x1, y1 in boxes],
                        np.float32).reshape(-1, 2)
    step = mixing.CutMix(count=(3, 3))
    for seed in range(10):
        page = step(Page(image, points, np.random.default_rng(seed)))
        changed = (page.image != image).any(axis=2)
        assert changed.any()
        assert np.array_equal(page.points, points)
        for x0, y0, x1, y1 in boxes:
            assert not changed[y0:y1 + 1, x0:x1 + 1].any()


def test_cutmix_leaves_a_page_without_margins_alone() -> None:
    page = np.zeros((100, 80, 3), np.uint8)  # ink everywhere: no free margin
    out = mixing.CutMix()(Page(page, NO_POINTS, np.random.default_rng(0)))
    assert np.array_equal(out.image, page)


@pytest.mark.parametrize("kind", mixing.MIXUP_KINDS)
@pytest.mark.parametrize("size", ["full", "training"])
def test_mixup_keeps_the_ink_dominant(docs: list[Document], kind: str, size: str) -> None:
    step = mixing.MixUp(alpha=(0.25, 0.25), kinds=(kind,))  # the default's strongest blend
    for k, doc in enumerate(docs[:3]):
        image = doc.image if size == "full" else _small(doc.image)
        out = step(Page(image, NO_POINTS, np.random.default_rng(k))).image
        assert out.shape == image.shape and out.dtype == np.uint8
        assert (out != image).mean() > 0.001, "the background changed nothing"
        # A multiply blend never lightens: every ink pixel is as dark or darker, dark stays dark.
        assert (out <= image).all()
        gray, before = out.mean(axis=2), image.mean(axis=2)
        dark = before < 128
        assert (gray[dark] < 128).all()
        # ... and darkens by at most alpha: white paper never turns into ink.
        assert (out >= np.floor(image * 0.75)).all()
        assert not ((gray < 128) & (before >= 128 / 0.75 + 1)).any()
        # The text stays dominant: the gap between ink and paper keeps at least 3/4 of its size.
        paper = before > 240
        contrast_before = np.median(before[paper]) - np.median(before[dark])
        contrast_after = np.median(gray[paper]) - np.median(gray[dark])
        assert contrast_after >= 0.7 * contrast_before


def test_the_same_seed_and_epoch_give_the_same_page(docs: list[Document]) -> None:
    image = _small(docs[0].image)
    for step in (mixing.CutMix(), mixing.MixUp()):
        one = step(Page(image, NO_POINTS, np.random.default_rng([0, 1, 7]))).image
        two = step(Page(image, NO_POINTS, np.random.default_rng([0, 1, 7]))).image
        assert np.array_equal(one, two)
    # Through the training data path: a pure function of (seed, sample id, epoch).
    steps = (StepParams(name="cutmix", p=1.0), StepParams(name="mixup", p=1.0))
    pil = Image.fromarray(image)
    first = np.asarray(Augment(steps, seed=0)(pil, "syn0-000001", epoch=0))
    assert np.array_equal(first, np.asarray(Augment(steps, seed=0)(pil, "syn0-000001", epoch=0)))
    others = [np.asarray(Augment(steps, seed=0)(pil, "syn0-000001", epoch=1)),
              np.asarray(Augment(steps, seed=1)(pil, "syn0-000001", epoch=0)),
              np.asarray(Augment(steps, seed=0)(pil, "syn0-000002", epoch=0))]
    assert all(not np.array_equal(first, o) for o in others)


def test_the_donor_pool_is_a_pure_function_of_its_seed() -> None:
    one = [mixing.render_donor(7919, i) for i in range(2)]
    again = mixing.donor_pool(7919, 12)[:2]
    assert all(np.array_equal(a, b.image) for a, b in zip(one, again, strict=True))
    assert not np.array_equal(one[0], mixing.render_donor(7920, 0))
    assert one[0].shape[1] == mixing.DONOR_WIDTH


def test_mixing_is_off_unless_configured(docs: list[Document]) -> None:
    defaults = {s.name for s in TrainParams().augment} | {s.name for s in load_params(ROOT / "params.yaml").train.augment}
    assert not defaults & set(mixing.MIXING_STEPS)
    # Listed with p 0 (after the other steps) the output is exactly the unmixed one.
    base = TrainParams().augment
    off = TrainParams.model_validate({"augment": [s.model_dump() for s in base]
                                      + [{"name": "cutmix", "p": 0.0}, {"name": "mixup", "p": 0.0}]}).augment
    on = TrainParams.model_validate({"augment": [{"name": "cutmix", "p": 1.0}, {"name": "mixup", "p": 1.0}]
                                    + [s.model_dump() for s in base]}).augment
    page = Image.fromarray(_small(docs[1].image))
    unmixed = np.asarray(Augment(base, seed=0)(page, "k", 0))
    assert np.array_equal(np.asarray(Augment(off, seed=0)(page, "k", 0)), unmixed)
    assert not np.array_equal(np.asarray(Augment(on, seed=0)(page, "k", 0)), unmixed)


def test_the_commented_example_in_params_yaml_is_valid() -> None:
    """params.yaml shows the steps commented out; uncommented, they must load as they stand."""
    lines = [ln.strip()[1:].strip() for ln in (ROOT / "params.yaml").read_text(encoding="utf-8").splitlines()
             if ln.strip().startswith(("# - {name: cutmix", "# - {name: mixup"))]
    assert len(lines) == 2
    entries = yaml.safe_load("\n".join(lines))
    params = TrainParams.model_validate({"augment": entries})
    assert [s.name for s in params.augment] == ["cutmix", "mixup"]
