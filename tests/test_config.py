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
    assert production.synth == default.synth  # the rest is params.yaml's
    # A real checkpoint's settings: LoRA in bf16 with checkpointing, the checkpoint's own min_pixels,
    # a page of ~1,260 image tokens (the tiny default's 71,680 pixels give 88).
    assert (production.train.method, production.train.precision, production.train.gradient_checkpointing) \
        == ("lora", "bf16", True)
    assert production.train.min_pixels is None and production.train.max_pixels == 1280 * 28 * 28
    assert 5e-5 <= production.train.learning_rate <= 3e-4
    assert production.gate.tolerance == default.gate.tolerance  # nested sections merge key by key
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n")
    with pytest.raises(ConfigError, match="loops"):
        load_sections(Params, tmp_path / "a.yaml")
    (tmp_path / "c.yaml").write_text("extends: missing.yaml\n")
    with pytest.raises(ConfigError, match="does not exist"):
        load_sections(Params, tmp_path / "c.yaml")


def test_the_profile_key_is_the_one_switch_and_overrides_still_win(tmp_path: Path) -> None:
    from claimvlm.settings import ConfigError, load_sections

    on = load_sections(Params, ROOT / "params.yaml", ["profile=profiles/production.yaml", "train.max_steps=3"])
    assert on == load_sections(Params, ROOT / "profiles" / "production.yaml", ["train.max_steps=3"])
    assert on.train.max_steps == 3 and on.train.method == "lora"
    # in the file, as `dvc exp run -S profile=...` writes it; a profile may extend another profile
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "mine.yaml").write_text("extends: production.yaml\ntrain: {max_steps: 7}\n")
    (tmp_path / "profiles" / "production.yaml").write_text((ROOT / "profiles" / "production.yaml").read_text())
    (tmp_path / "params.yaml").write_text((ROOT / "params.yaml").read_text().replace(
        "profile: null", "profile: profiles/mine.yaml"))
    (tmp_path / "profiles" / "production.yaml").write_text(
        (ROOT / "profiles" / "production.yaml").read_text().replace("extends: ../params.yaml", "extends: ../params.yaml"))
    mine = load_sections(Params, tmp_path / "params.yaml")
    assert (mine.train.max_steps, mine.train.method, mine.gate.must_beat_baseline) == (7, "lora", True)
    with pytest.raises(ConfigError, match="does not exist"):
        load_sections(Params, ROOT / "params.yaml", ["profile=profiles/missing.yaml"])


def test_dvc_tracks_the_profile_switch_and_the_profile_in_every_stage_it_changes() -> None:
    """Switching the profile on (or editing it) must re-run what it changes: each stage reading a
    section the profile sets lists the `profile` key and that section of the profile file."""
    import yaml

    profile = set(yaml.safe_load((ROOT / "profiles" / "production.yaml").read_text())) - {"extends"}
    for name, stage in yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"].items():
        params = stage.get("params", [])
        touched = {str(p).split(".")[0] for p in params if isinstance(p, str)} & profile
        if touched:
            tracked = next(p for p in params if isinstance(p, dict))["profiles/production.yaml"]
            assert "profile" in params and touched <= set(tracked), name
