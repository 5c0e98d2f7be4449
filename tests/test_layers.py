"""The package's layers: no import cycles between modules, the model layer below every stage that
holds a model, and the train stage imported by none of them (they share ``claimvlm.model``)."""

from __future__ import annotations

from pathlib import Path

from tests.test_stage_deps import ROOT, direct_imports, module_file

LIBRARY = sorted(p for folder in (ROOT / "tasks", ROOT / "flows") for p in folder.rglob("*.py")
                 if "__pycache__" not in p.parts)


def imports_of(path: Path) -> set[Path]:
    return {f for name in direct_imports(path) if (f := module_file(name)) is not None and f != path}


def package(path: Path) -> str:
    rel = path.relative_to(ROOT).parts
    return rel[0] if rel[0] == "flows" else rel[1] if len(rel) > 2 else "(top level)"


def test_no_import_cycles() -> None:
    """Tarjan's strongly connected components over every runtime import (functions' included)."""
    graph = {p: imports_of(p) for p in LIBRARY}
    index: dict[Path, int] = {}
    low: dict[Path, int] = {}
    stack: list[Path] = []
    cycles: list[list[str]] = []

    def visit(node: Path) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member.relative_to(ROOT).as_posix())
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    assert not cycles, cycles


def test_the_model_layer_imports_no_stage_that_holds_a_model() -> None:
    above = {"training", "evaluation", "export", "registry", "serving", "feedback", "flows"}
    wrong = [(p.relative_to(ROOT).as_posix(), f.relative_to(ROOT).as_posix())
             for p in LIBRARY if package(p) == "model" for f in imports_of(p) if package(f) in above]
    assert not wrong, wrong


def test_only_the_train_stage_and_its_command_import_training() -> None:
    # cli.py and config.py assemble every stage's commands and sections: they are no stage.
    wrong = [(p.relative_to(ROOT).as_posix(), f.relative_to(ROOT).as_posix())
             for p in LIBRARY if package(p) != "training" and p.name not in ("cli.py", "config.py")
             for f in imports_of(p) if package(f) == "training"]
    assert not wrong, wrong
