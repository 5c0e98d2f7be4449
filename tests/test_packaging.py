"""The distribution: the import name is ``claimvlm`` (folders tasks/ and flows/), the wheel holds no
top-level ``tasks`` or ``flows`` package, and ``claimvlm --help`` groups commands by stage."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"claimvlm": ROOT / "tasks", "claimvlm.flows": ROOT / "flows"}


def _packages_on_disk() -> set[str]:
    found = set()
    for name, folder in FOLDERS.items():
        for init in folder.rglob("__init__.py"):
            if "__pycache__" not in init.parts:
                rel = init.parent.relative_to(folder).parts
                found.add(".".join((name, *rel)))
    return found


def test_every_package_folder_is_in_the_distribution() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    assert listed == _packages_on_disk()


@pytest.mark.system
def test_the_installed_wheel_imports_as_claimvlm(tmp_path: Path) -> None:
    """Build the wheel, install it (no dependencies) into a fresh venv that sees this venv's
    libraries but not its editable install, and import from there."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path / "dist"), str(ROOT)], check=True, capture_output=True)
    (wheel,) = (tmp_path / "dist").glob("claimvlm-*.whl")
    tops = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"claimvlm"}

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    # This interpreter's library folders as plain path lines: no .pth file of theirs runs there, so
    # the editable install's finder does not come along; the checkout itself is left out too.
    libraries = [p for p in sys.path if p and Path(p).is_dir() and Path(p).resolve() not in (ROOT, ROOT / "tests")]
    (site / "zz_deps.pth").write_text("\n".join(libraries) + "\n")
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    code = ("import claimvlm, claimvlm.flows, claimvlm.cli, importlib.util as u; print(claimvlm.__file__); "
            "print(claimvlm.flows.__file__); print(u.find_spec('tasks'), u.find_spec('flows'))")
    done = subprocess.run([str(python), "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout.split("\n")
    assert out[0].startswith(str(site / "claimvlm")) and out[1].startswith(str(site / "claimvlm" / "flows"))
    assert out[2] == "None None"


def test_help_groups_commands_by_stage() -> None:
    from typer.testing import CliRunner

    from claimvlm.cli import app

    text = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "160"}).output
    panels = [line.strip("╭─ ").split(" ─")[0] for line in text.splitlines() if line.startswith("╭─")]
    stages = [p.split(" ")[0] for p in panels if p not in ("Options", "Commands")]
    # Pipeline order, as in dvc.yaml, then the commands around it.
    assert stages[:11] == ["synth", "feedback", "collect", "anonymize", "qc", "build", "train", "evaluate",
                           "export", "gate", "serve"], panels
    for command in ("synth", "export-feedback", "check-live", "redact-text", "pin-splits", "sweep", "rollback",
                    "check-champion", "serve-api", "deploy", "verify-data"):
        assert f" {command} " in text, command


def test_command_table_names_what_each_module_registers() -> None:
    """The console script loads one command module by the table in claimvlm.cli: a command missing
    from it would only be reachable through `claimvlm --help`'s whole app, never by its name."""
    import importlib

    import typer

    from claimvlm.cli import COMMAND_MODULES

    for module, names in COMMAND_MODULES.items():
        app = typer.Typer()
        importlib.import_module(module).register(app)
        registered = {c.name for c in app.registered_commands} | {g.name for g in app.registered_groups}
        assert registered == set(names), module


def test_a_stage_process_imports_only_its_own_command_module() -> None:
    """Each `dvc repro` stage is a fresh `claimvlm` process: the other stages' modules stay unloaded."""
    code = ("import sys; sys.argv = ['claimvlm', 'qc', '--help']; from claimvlm import cli\n"
            "try:\n    cli.run()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('claimvlm.') and m.endswith('.command')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "Usage: claimvlm qc" in out
    assert out.strip().splitlines()[-1] == "['claimvlm.quality.command']"


def test_gpu_extras_name_what_qlora_and_vllm_need() -> None:
    import tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert any(d.startswith("bitsandbytes") for d in extras["gpu"])  # QLoRA's 4-bit kernels
    assert any(d.startswith("vllm") for d in extras["vllm"])
