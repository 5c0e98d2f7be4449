from __future__ import annotations

from pathlib import Path

import pytest

from claimvlm.config import Params, load_params
from claimvlm.settings import ConfigError
from tests.conftest import ROOT


def test_params_yaml_matches_the_typed_defaults() -> None:
    # params.yaml is the documented default: it must load and say exactly what the models say.
    assert load_params(ROOT / "params.yaml") == Params()


def test_overrides_are_typed_and_nested() -> None:
    p = load_params(ROOT / "params.yaml", ["synth.num_docs=7", "synth.degrade.prob=0", "synth.line_items=[2, 4]"])
    assert p.synth.num_docs == 7
    assert p.synth.degrade.prob == 0.0
    assert p.synth.line_items == (2, 4)


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("synth.num_docs=-5", ["synth.num_docs", "-5", "greater than 0"]),
        ("synth.dpi=72", ["synth.dpi", "72", "greater than or equal to 150"]),
        ("synth.clean_format=tiff", ["synth.clean_format", "'tiff'", "'png' or 'jpeg'"]),
        ("synth.num_dosc=3", ["synth.num_dosc", "unknown key", "num_docs"]),
        ("synth.doc_types={memo: 1}", ["synth.doc_types.memo", "diagnosis_certificate"]),
        ("synth.line_items=[5, 2]", ["synth.line_items", "min <= max"]),
        ("synth.degrade.profiles.fax.steps=[{name: warp}]", ["steps.0", "'warp'", "rotate"]),
        ("synth.degrade.profiles.fax.steps=[{name: rotate, args: {max_degrees: 45}}]", ["max_degrees", "45"]),
        ("synth.degrade.profiles.fax.steps=[{name: jpeg, args: {qual: 3}}]", ["'qual'", "quality"]),
    ],
)
def test_bad_values_name_key_value_and_what_is_allowed(override: str, expected: list[str]) -> None:
    with pytest.raises(ConfigError) as err:
        load_params(ROOT / "params.yaml", [override])
    for text in expected:
        assert text in str(err.value)


def test_malformed_override_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="section.key=value"):
        load_params(None, ["synth.num_docs"])
    with pytest.raises(ConfigError, match="does not exist"):
        load_params(tmp_path / "nope.yaml")
    (tmp_path / "p.yaml").write_text("- a list\n")
    with pytest.raises(ConfigError, match="mapping of sections"):
        load_params(tmp_path / "p.yaml")


def test_sections_are_the_root_fields() -> None:
    from claimvlm.settings import SECTIONS

    assert tuple(Params.model_fields) == SECTIONS


def test_a_command_reads_its_own_sections_and_refuses_unknown_ones(tmp_path: Path) -> None:
    from claimvlm.settings import load_sections
    from claimvlm.training.command import TrainSections

    p = load_sections(TrainSections, ROOT / "params.yaml", ["train.max_steps=7"])
    assert p.train.max_steps == 7 and p.tracking.experiment == Params().tracking.experiment
    # Pipelines pass one set of overrides to every command: another section's is accepted (and
    # checked by the command that reads it), a misspelt section is refused.
    assert load_sections(TrainSections, ROOT / "params.yaml", ["synth.num_docs=3"]).train == p.train.model_copy(
        update={"max_steps": Params().train.max_steps})
    with pytest.raises(ConfigError, match="synht: unknown section"):
        load_sections(TrainSections, ROOT / "params.yaml", ["synht.num_docs=3"])
    # A misspelt section in the file is refused even though this command would not read it.
    bad = tmp_path / "params.yaml"
    bad.write_text((ROOT / "params.yaml").read_text(encoding="utf-8") + "\ntrian:\n  max_steps: 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="trian: unknown section"):
        load_sections(TrainSections, bad)
    # Another section's bad value does not stop this command (its own stage validates it).
    other = tmp_path / "other.yaml"
    other.write_text("synth:\n  num_docs: -1\ntrain:\n  max_steps: 5\n", encoding="utf-8")
    assert load_sections(TrainSections, other).train.max_steps == 5
    with pytest.raises(ConfigError, match="synth.num_docs"):
        load_params(other)


def test_a_profile_states_only_what_differs_and_extends_params_yaml(tmp_path: Path) -> None:
    from claimvlm.settings import ConfigError, load_sections

    production = load_sections(Params, ROOT / "profiles" / "production.yaml")
    default = load_sections(Params, ROOT / "params.yaml")
    assert production.gate.must_beat_baseline and not default.gate.must_beat_baseline
    assert production.build.anchoring.mode == "ocr"
    assert production.synth == default.synth and production.train == default.train  # the rest is params.yaml's
    assert production.gate.tolerance == default.gate.tolerance  # nested sections merge key by key
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n")
    with pytest.raises(ConfigError, match="loops"):
        load_sections(Params, tmp_path / "a.yaml")
    (tmp_path / "c.yaml").write_text("extends: missing.yaml\n")
    with pytest.raises(ConfigError, match="does not exist"):
        load_sections(Params, tmp_path / "c.yaml")
