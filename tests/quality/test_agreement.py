"""Annotation agreement: box IoU and matching, Cohen's kappa, label agreement; hand-checked."""

from __future__ import annotations

import copy
import math

import pytest

from claimvlm.config import Params
from claimvlm.quality.agreement import (
    CATEGORICAL_FIELDS,
    annotator_agreement,
    box_iou,
    cohens_kappa,
    iou_matrix,
    label_agreement,
    match_boxes,
    values_agree,
)
from claimvlm.schema import SCHEMAS
from claimvlm.synthesis.generate import make_document


def test_box_iou_by_hand() -> None:
    # (0,0,2,2) and (1,1,3,3): intersection 1x1 = 1, union 4 + 4 - 1 = 7.
    assert box_iou((0, 0, 2, 2), (1, 1, 3, 3)) == pytest.approx(1 / 7)
    # (0,0,4,2) and (2,0,6,2): intersection 2x2 = 4, union 8 + 8 - 4 = 12.
    assert box_iou((0, 0, 4, 2), (2, 0, 6, 2)) == pytest.approx(1 / 3)
    # A box inside another: 1 / 16.
    assert box_iou((1, 1, 2, 2), (0, 0, 4, 4)) == pytest.approx(1 / 16)
    assert box_iou((0, 0, 2, 2), (0, 0, 2, 2)) == 1.0


def test_box_iou_edge_cases() -> None:
    assert box_iou((0, 0, 1, 1), (2, 2, 3, 3)) == 0.0  # disjoint
    assert box_iou((0, 0, 1, 1), (1, 0, 2, 1)) == 0.0  # touching along an edge
    assert box_iou((0, 0, 0, 5), (0, 0, 2, 5)) == 0.0  # zero width
    assert box_iou((2, 2, 1, 1), (0, 0, 3, 3)) == 0.0  # inverted corners
    assert box_iou((0, 0, 0, 0), (0, 0, 0, 0)) == 0.0  # no division by zero


def test_match_boxes_finds_the_best_one_to_one_pairing() -> None:
    a = [(0, 0, 10, 10), (20, 0, 30, 10), (100, 100, 110, 110)]
    # b[0] overlaps a[1] by 9x10 (IoU 90/110 = 9/11); b[1] is a[0] shifted by 1 (IoU 9/11 too);
    # b[2] overlaps nothing, so a[2] and b[2] stay unmatched.
    b = [(21, 0, 31, 10), (1, 0, 11, 10), (500, 500, 510, 510)]
    pairs, mean = match_boxes(a, b)
    assert sorted(pairs) == [(0, 1, pytest.approx(9 / 11)), (1, 0, pytest.approx(9 / 11))]
    assert mean == pytest.approx(9 / 11)


def test_match_boxes_is_not_greedy() -> None:
    a, b = [(0, 0, 10, 10), (8, 0, 18, 10)], [(0, 0, 6, 10), (2, 0, 12, 10)]
    # a0-b0: 60/100 = 0.6; a0-b1: 80/120 = 2/3; a1-b1: 40/160 = 0.25; a1-b0: 0.
    assert iou_matrix(a, b).ravel().tolist() == pytest.approx([0.6, 2 / 3, 0.0, 0.25])
    # Greedy takes the best pair a0-b1 first and leaves a1-b0 (0): total 2/3. The assignment
    # takes a0-b0 + a1-b1 = 0.85.
    pairs, mean = match_boxes(a, b, min_iou=0.2)
    assert sorted((i, j) for i, j, _ in pairs) == [(0, 0), (1, 1)]
    assert mean == pytest.approx(0.425)


def test_match_boxes_threshold_and_empty_sides() -> None:
    pairs, mean = match_boxes([(0, 0, 2, 2)], [(1, 1, 3, 3)])  # IoU 1/7 < 0.5
    assert pairs == [] and mean == 0.0
    pairs, mean = match_boxes([(0, 0, 2, 2)], [(1, 1, 3, 3)], min_iou=0.1)
    assert len(pairs) == 1 and mean == pytest.approx(1 / 7)
    assert match_boxes([], [(0, 0, 1, 1)]) == ([], 0.0)
    assert match_boxes([], []) == ([], 0.0)


def test_cohens_kappa_classic_two_by_two_table() -> None:
    # 50 items: both yes 20, A yes / B no 5, A no / B yes 10, both no 15.
    # p_o = (20 + 15) / 50 = 0.70. A says yes 25/50 = 0.5, B says yes 30/50 = 0.6.
    # p_e = 0.5 * 0.6 + 0.5 * 0.4 = 0.50. kappa = (0.70 - 0.50) / (1 - 0.50) = 0.40.
    a = ["yes"] * 20 + ["yes"] * 5 + ["no"] * 10 + ["no"] * 15
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohens_kappa(a, b) == pytest.approx(0.4)


def test_cohens_kappa_three_categories_by_hand() -> None:
    # Items: (x,x) (x,x) (y,y) (y,z) (z,z) (z,y). p_o = 4/6.
    # A: x 2, y 2, z 2; B: x 2, y 2, z 2. p_e = 3 * (2/6)^2 = 1/3. kappa = (2/3 - 1/3) / (2/3) = 0.5.
    assert cohens_kappa(list("xxyyzz"), list("xxyzzy")) == pytest.approx(0.5)


def test_cohens_kappa_edge_cases() -> None:
    assert cohens_kappa(["급여"] * 5, ["급여"] * 5) == 1.0  # one category, identical: 0/0 by formula
    assert cohens_kappa(["a"] * 4, ["b"] * 4) == 0.0  # always different: p_o = 0, p_e = 0
    assert cohens_kappa(["a", "b", "a", "b"], ["b", "a", "b", "a"]) == pytest.approx(-1.0)
    assert cohens_kappa([None, "a", 1], [None, "a", 1]) == 1.0  # any hashable, unsortable together
    with pytest.raises(ValueError, match="different numbers"):
        cohens_kappa(["a"], ["a", "b"])
    with pytest.raises(ValueError, match="no items"):
        cohens_kappa([], [])


def test_values_agree_after_normalisation() -> None:
    assert values_agree("2024-03-05", "2024.03.05")
    assert values_agree(1000, "1,000")
    assert values_agree("서울 정형외과", "서울정형외과")
    assert not values_agree("홍길동", "홍길둥")
    assert values_agree(None, None) and not values_agree(None, "")
    assert values_agree([{"name": "위염", "code": "K29.7"}], [{"name": "위 염", "code": "K29.7"}])
    assert not values_agree([{"name": "위염"}], [{"name": "위염"}, {"name": "장염"}])


@pytest.fixture(scope="module")
def labels() -> list[dict]:
    synth = Params().synth
    types = ["receipt", "itemized_bill", "surgery_record", "diagnosis_certificate"] * 2
    return [make_document(synth, i, doc_type=t, profile="clean").label for i, t in enumerate(types)]


def test_label_agreement_per_top_level_field(labels: list[dict]) -> None:
    a = labels[0]
    b = copy.deepcopy(a)
    b["visit_type"] = "입원" if a["visit_type"] == "외래" else "외래"
    b["issue_date"] = a["issue_date"].replace("-", ".")  # the same date written otherwise
    b["rows"][0]["non_covered"] += 10
    del b["department"]
    got = label_agreement(a, b)
    assert set(got) == set(a)
    assert [k for k, ok in got.items() if not ok] == ["visit_type", "department", "rows"]


def test_annotator_agreement_over_documents(labels: list[dict]) -> None:
    pairs = [(a, copy.deepcopy(a)) for a in copy.deepcopy(labels)]
    # The two surgery records (documents 2 and 6): A says 전신마취 twice,
    # B says 국소마취, then 전신마취.
    for k, b_value in ((2, "국소마취"), (6, "전신마취")):
        pairs[k][0]["anesthesia"], pairs[k][1]["anesthesia"] = "전신마취", b_value
    result = annotator_agreement(pairs)
    assert result["documents"] == 8 and "boxes" not in result
    assert result["fields"]["anesthesia"] == {"documents": 2, "agreement": 0.5}
    assert result["fields"]["patient_name"] == {"documents": 8, "agreement": 1.0}
    assert result["kappa"]["document_type"] == {"items": 8, "kappa": 1.0}
    # p_o = 1/2; A: 전신 2/2, B: 전신 1/2, 국소 1/2; p_e = 1 * 1/2 + 0 * 1/2 = 1/2; kappa = 0.
    assert result["kappa"]["anesthesia"] == {"items": 2, "kappa": pytest.approx(0.0)}
    items = sum(len(a["line_items"]) for a in labels if a["document_type"] == "itemized_bill")
    assert result["kappa"]["coverage"] == {"items": items, "kappa": 1.0}


def test_annotator_agreement_with_boxes() -> None:
    label = {"document_type": "receipt", "visit_type": "외래"}
    a = {"label": label, "boxes": {"fields": [{"path": "x", "bbox": [0, 0, 10, 10]},
                                              {"path": "y", "bbox": [20, 0, 30, 10]}]}}
    b = {"label": label, "boxes": [[1, 0, 11, 10], [20, 0, 30, 10], [50, 50, 60, 60]]}
    no_boxes = {"label": label}
    result = annotator_agreement([(a, b), (a, no_boxes), (label, label)])
    # Document 1 only: pairs IoU 9/11 and 1, so mean (9/11 + 1) / 2 = 10/11; 2 of max(2, 3) matched.
    assert result["boxes"]["documents"] == 1
    assert result["boxes"]["mean_iou"] == pytest.approx(10 / 11)
    assert result["boxes"]["matched_share"] == pytest.approx(2 / 3)
    assert result["kappa"]["visit_type"] == {"items": 3, "kappa": 1.0}
    assert not math.isnan(result["fields"]["visit_type"]["agreement"])


def test_categorical_fields_are_the_schemas_literals() -> None:
    from typing import Literal, get_origin

    found = set()
    for model in SCHEMAS.values():
        stack = [model]
        while stack:
            m = stack.pop()
            for name, field in m.model_fields.items():
                ann = field.annotation
                if get_origin(ann) is Literal:
                    found.add(name)
                for arg in getattr(ann, "__args__", ()):
                    if hasattr(arg, "model_fields"):
                        stack.append(arg)
    assert found == set(CATEGORICAL_FIELDS)
