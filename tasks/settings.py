"""How ``params.yaml`` becomes typed settings: the section base, overrides, error messages.

Each stage owns its section as a pydantic model in ``<stage>/params.py``; a command validates
only the sections it reads (:func:`load_sections`), so a stage's code depends on its own
sections and nothing else (dvc.yaml's ``deps`` say so, and tests/test_stage_deps.py checks it).
:mod:`claimvlm.config` assembles every section for whole-file validation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from claimvlm.errors import ClaimvlmError

# The top-level sections of params.yaml (claimvlm.config.Params has one field each; a test keeps
# the two equal). A command that reads only some of them still refuses a misspelt section name.
SECTIONS = ("synth", "collect", "anonymize", "qc", "build", "train", "sweep", "evaluate", "gate", "tracking",
            "executor", "serve", "feedback", "export")


class ConfigError(ClaimvlmError, ValueError):
    """params.yaml (or an override) holds a value the pipeline cannot use."""


class Section(BaseModel):
    """A params.yaml section: immutable, and an unknown key is an error, not ignored."""

    model_config = ConfigDict(frozen=True, extra="forbid")


M = TypeVar("M", bound=BaseModel)


def apply_overrides(data: dict[str, Any], overrides: Sequence[str]) -> dict[str, Any]:
    """Apply ``section.key=value`` overrides (values parsed as YAML) to a nested dict."""
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"override {item!r} is not of the form section.key=value")
        node = data
        parts = key.strip().split(".")
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(f"override {item!r}: {part!r} is a value, not a section")
            node = child
        node[parts[-1]] = yaml.safe_load(raw)
    return data


def _merged(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` laid onto ``base``: mappings merge key by key, anything else replaces."""
    out = dict(base)
    for key, value in over.items():
        out[key] = _merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _read_file(path: Path, seen: tuple[Path, ...] = (), stop: Path | None = None) -> dict[str, Any]:
    """One parameter file; a profile (``extends: params.yaml``, relative to the profile) is laid
    onto the file it extends, so it states only what differs (profiles/production.yaml).
    ``stop``: a file the chain ends before (already read by the caller)."""
    if path.resolve() in seen:
        raise ConfigError(f"{path}: 'extends' loops back to a file it came from")
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    if loaded is not None and not isinstance(loaded, dict):
        raise ConfigError(f"{path}: expected a mapping of sections, got {type(loaded).__name__}")
    data = dict(loaded or {})
    parent = data.pop("extends", None)
    if parent is None:
        return data
    parent_path = path.parent / str(parent)
    if stop is not None and parent_path.resolve() == stop.resolve():
        return data
    if not parent_path.is_file():
        raise ConfigError(f"{path}: extends {parent!r}, which does not exist ({parent_path})")
    return _merged(_read_file(parent_path, (*seen, path.resolve()), stop), data)


def read_params(path: Path | None, overrides: Sequence[str] = ()) -> dict[str, Any]:
    """params.yaml (if given and present) as a dict, overrides applied. The default file may be
    absent (every section has defaults); a file named explicitly must exist.

    The top-level ``profile`` key (in the file or ``-S profile=profiles/production.yaml``) lays a
    profile over the file before the overrides: the one switch from the tiny default to a real
    checkpoint, and a parameter DVC tracks like any other (``dvc exp run -S profile=...``)."""
    data: dict[str, Any] = {}
    if path is not None and path.exists():
        data = _read_file(path)
    elif path is not None and path != Path("params.yaml"):
        raise ConfigError(f"parameter file {path} does not exist")
    profile = apply_overrides({"profile": data.pop("profile", None)},
                              [o for o in overrides if o.partition("=")[0].strip() == "profile"])["profile"]
    if profile:
        # Relative to the parameter file; a profile given to -p names params.yaml's own key, so
        # the working directory (the project root, where DVC runs commands) is tried next.
        where = [p for p in ((path.parent if path is not None else Path(".")) / str(profile), Path(str(profile)))
                 if p.is_file()]
        if not where:
            raise ConfigError(f"profile {profile} does not exist (the 'profile' key names a file relative to "
                              "the parameter file, e.g. profiles/production.yaml)")
        # the profile's own chain, up to the parameter file already read (its profile key dropped)
        layers = _read_file(where[0], stop=path if path is not None and path.exists() else None)
        layers.pop("profile", None)
        data = _merged(data, layers)
    return apply_overrides(data, [o for o in overrides if o.partition("=")[0].strip() != "profile"])


def _allowed_keys(model: Any, loc: tuple[Any, ...]) -> list[str]:
    """Field names of the section an unknown key was found in (walks the models along loc)."""
    for part in loc[:-1]:
        if isinstance(model, type) and issubclass(model, BaseModel) and part in model.model_fields:
            model = model.model_fields[part].annotation
        else:
            return []
    return sorted(model.model_fields) if isinstance(model, type) and issubclass(model, BaseModel) else []


def format_errors(err: ValidationError, model: type[BaseModel]) -> str:
    """Every validation error on one line each: the dotted key, the value and what is allowed."""
    lines = []
    for e in err.errors():
        key = ".".join(str(part) for part in e["loc"]) or "<root>"
        shown = "missing" if e["type"] == "missing" else repr(e.get("input"))
        if len(shown) > 120:
            shown = shown[:117] + "..."
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            allowed = list(SECTIONS) if len(e["loc"]) == 1 else _allowed_keys(model, e["loc"])
            msg = f"unknown key; allowed here: {sorted(allowed)}"
        lines.append(f"  {key}: got {shown}; {msg}")
    return "invalid parameters:\n" + "\n".join(lines)


def validate(model: type[M], data: Mapping[str, Any]) -> M:
    """``model`` validated from ``data``; a ConfigError naming every bad key otherwise."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise ConfigError(format_errors(err, model)) from None


def load_sections(model: type[M], path: Path | None = Path("params.yaml"), overrides: Sequence[str] = ()) -> M:
    """The sections ``model`` declares (one field per section), read from ``path`` with
    ``overrides``. Sections it does not declare are not validated (their own stage does that), and
    overrides of them do not apply; but every section name, in the file or an override, must be
    one of :data:`SECTIONS`: a misspelt one is refused, not ignored. Pipelines pass one set of
    overrides to every command, so an override of another known section is no error."""
    data = read_params(path, overrides)
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise ConfigError(f"invalid parameters:\n  {', '.join(unknown)}: unknown section; allowed: {sorted(SECTIONS)}")
    return validate(model, {k: v for k, v in data.items() if k in model.model_fields})
