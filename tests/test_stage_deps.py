"""Each DVC stage's code ``deps`` are exactly what its command imports, so editing one stage's code
or params section re-runs that stage and its downstream only.

A stage's code is its command: the module defining the command's function (found through the CLI,
from the stage's ``cmd``), what that module imports at its top level and what the function imports
in its body, and everything those import from the package, transitively. Imports inside functions
count (they run when the function does), ``if TYPE_CHECKING:`` imports do not, and a package
``__init__.py`` counts only when it holds code beyond its docstring. ``claimvlm/cli.py`` only
assembles the commands and is no stage's dependency.

``python -m tests.test_stage_deps`` prints each stage's deps as dvc.yaml should list them.
"""

from __future__ import annotations

import ast
import shutil
from functools import cache
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"claimvlm.flows": ROOT / "flows", "claimvlm": ROOT / "tasks"}  # longest prefix first


def module_file(name: str) -> Path | None:
    """The file of an in-package module (``claimvlm.x.y``), or None for anything else."""
    for prefix, folder in PACKAGES.items():
        if name == prefix or name.startswith(prefix + "."):
            rel = name[len(prefix):].strip(".").split(".") if name != prefix else []
            base = folder.joinpath(*rel)
            for candidate in (base.with_suffix(".py"), base / "__init__.py"):
                if rel and candidate.is_file() or not rel and candidate.name == "__init__.py" and candidate.is_file():
                    return candidate
    return None


def has_code(init: Path) -> bool:
    body = ast.parse(init.read_text(encoding="utf-8")).body
    return any(not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)) for n in body)


def _type_checking_blocks(tree: ast.AST) -> set[int]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for child in node.body for n in ast.walk(child))
    return skip


def _imports(nodes: list[ast.AST], skip: set[int]) -> set[str]:
    names: set[str] = set()
    for node in (n for top in nodes for n in ast.walk(top)):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)  # a submodule imported by name
    return {n for n in names if module_file(n) is not None}


@cache
def direct_imports(path: Path) -> frozenset[str]:
    """The in-package module names ``path`` imports (runtime imports only, functions' included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return frozenset(_imports([tree], _type_checking_blocks(tree)))


def command_imports(module: str, function: str) -> set[str]:
    """What running ``function`` of ``module`` imports: the module's top level and the function's body."""
    path = module_file(module)
    assert path is not None, module
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_blocks(tree)
    top = [n for n in tree.body if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    body = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == function]
    assert body, f"{module} defines no function {function}"
    return _imports(top + body, skip)


def closure(modules: set[str]) -> set[Path]:
    """The files that run when ``modules`` are imported and their functions called."""
    seen: set[Path] = set()
    todo = list(modules)
    while todo:
        name = todo.pop()
        parts = name.split(".")
        for k in range(1, len(parts) + 1):  # the packages along the way run their __init__
            path = module_file(".".join(parts[:k]))
            if path is None or path in seen:
                continue
            if path.name == "__init__.py" and not has_code(path):
                continue
            seen.add(path)
            todo.extend(direct_imports(path))
    return seen


def stages() -> dict[str, dict]:
    return yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]


def stage_code(stage: dict) -> set[Path]:
    """The files a stage's command runs (see the module doc)."""
    from claimvlm.cli import app

    name = stage["cmd"].split()[1]
    for info in app.registered_commands:
        if info.name == name:
            module, function = info.callback.__module__, info.callback.__name__
            files = closure(command_imports(module, function))
            return files | {module_file(module)}  # type: ignore[arg-type]
    raise AssertionError(f"no claimvlm command {name!r}")


def code_files(dep: str) -> set[Path]:
    path = ROOT / dep
    if path.is_dir():
        return {p for p in path.rglob("*.py") if "__pycache__" not in p.parts}
    return {path} if path.suffix == ".py" else set()


def _rel(paths: set[Path]) -> list[str]:
    return sorted(p.relative_to(ROOT).as_posix() for p in paths)


def suggested_deps(files: set[Path]) -> list[str]:
    """``files`` as dvc.yaml would list them: a folder when every .py file under it is needed."""
    out: set[str] = set()
    for f in files:
        rel = f.relative_to(ROOT)
        folder = rel.parent
        while folder != Path(".") and code_files(folder.as_posix()) - {p for p in code_files(folder.as_posix())
                                                                       if p.name == "__init__.py" and not has_code(p)} <= files \
                and folder.parent != Path("."):
            rel = folder
            folder = folder.parent
        out.add(rel.as_posix())
    return sorted(out)


@pytest.mark.parametrize("name", sorted(stages()))
def test_code_deps_are_what_the_command_imports(name: str) -> None:
    stage = stages()[name]
    needed = stage_code(stage)
    listed = set().union(*(code_files(d) for d in stage["deps"]))
    inert = {p for p in listed if p.name == "__init__.py" and not has_code(p)}
    missing, extra = needed - listed, listed - needed - inert
    assert not missing and not extra, (
        f"stage {name}: missing {_rel(missing)}, extra {_rel(extra)}; its code deps should be "
        f"{suggested_deps(needed)}")


def test_no_stage_depends_on_the_assembler_or_the_root_config() -> None:
    for name, stage in stages().items():
        files = stage_code(stage)
        assert ROOT / "tasks" / "cli.py" not in files and ROOT / "tasks" / "config.py" not in files, name


@pytest.mark.system
def test_editing_a_params_section_invalidates_its_stage_and_downstream_only(tmp_path: Path) -> None:
    """DVC itself: every stage recorded as done (``dvc commit`` over placeholder outputs), then one
    stage's params.py edited at a time; ``dvc status`` names only that stage and its downstream."""
    from tests.dvc_project import copy_project, dvc

    repo = copy_project(tmp_path / "repo")
    graph = stages()
    for stage in graph.values():
        for out in stage.get("outs", []) + stage.get("metrics", []) + stage.get("plots", []):
            path = repo / (next(iter(out)) if isinstance(out, dict) else out)
            if path.suffix:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("{}\n" if path.suffix == ".json" else "x\n")
            else:
                path.mkdir(parents=True, exist_ok=True)
                (path / "manifest.json").write_text("{}\n")  # build reads data/anonymized/manifest.json
    dvc("commit", "-f", "-q", cwd=repo)
    assert "up to date" in dvc("status", cwd=repo)

    def downstream(owner: str) -> set[str]:
        outs = {n: {(next(iter(o)) if isinstance(o, dict) else o) for o in s.get("outs", []) + s.get("metrics", [])}
                for n, s in graph.items()}
        found, todo = {owner}, [owner]
        while todo:
            produced = outs[todo.pop()]
            for n, s in graph.items():
                if n not in found and produced & {d for d in s["deps"]}:
                    found.add(n)
                    todo.append(n)
        return found

    def readers(section: str) -> set[str]:
        """Stages that read ``section`` (dvc.yaml ``params``): its code is theirs too."""
        return {n for n, s in graph.items() if any(str(p).split(".")[0] == section for p in s.get("params", []))}

    owners = {"synthesis": "synth", "collection": "collect", "privacy": "anonymize", "quality": "qc",
              "dataset": "build", "training": "train", "evaluation": "evaluate", "export": "export",
              "registry": "gate", "feedback": "feedback"}
    for folder, owner in owners.items():
        params = repo / "tasks" / folder / "params.py"
        original = params.read_text(encoding="utf-8")
        params.write_text(original + "\n# edited\n", encoding="utf-8")
        status = yaml.safe_load(dvc("status", "--json", cwd=repo)) or {}
        params.write_text(original, encoding="utf-8")
        changed = set(status)
        allowed = set().union(*(downstream(s) for s in {owner} | readers(owner)))
        assert owner in changed and changed <= allowed, (folder, sorted(changed), sorted(allowed))
    shutil.rmtree(repo / ".dvc" / "cache", ignore_errors=True)


if __name__ == "__main__":
    for stage_name, stage in stages().items():
        print(f"{stage_name}:")
        for dep in suggested_deps(stage_code(stage)):
            print(f"      - {dep}")
