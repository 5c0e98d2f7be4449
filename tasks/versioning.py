"""Verifying DVC's content-addressed storage: the cache, and optionally a remote.

DVC trusts its cache: an object whose bytes changed after it was stored (a disk error, a
hand edit, a bad copy) is checked out as it is and ``dvc status`` stays clean. Every object
is named by the MD5 of its content, so re-hashing each one and comparing with its name finds
every corrupted object; directory listings (``.dir`` objects) map each one back to the
dataset file that uses it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

_CHUNK = 1 << 20


@dataclass(frozen=True)
class CorruptObject:
    where: str  # "cache" or the remote's name
    path: str  # the object's path in that storage
    expected_md5: str
    actual_md5: str
    used_by: tuple[str, ...]  # dataset files (output/relpath) whose content this object is


@dataclass(frozen=True)
class MissingObject:
    where: str
    oid: str  # the object dvc.lock names (md5, or md5.dir for a folder's listing)
    used_by: tuple[str, ...]


@dataclass(frozen=True)
class VerifyReport:
    checked: int
    corrupt: tuple[CorruptObject, ...]
    missing: tuple[MissingObject, ...] = ()  # named by dvc.lock for this storage, but not in it

    @property
    def ok(self) -> bool:
        return not self.corrupt and not self.missing


def _md5(fh: BinaryIO) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    for chunk in iter(lambda: fh.read(_CHUNK), b""):
        digest.update(chunk)
    return digest.hexdigest()


def _object_id(path: str) -> str | None:
    """``.../files/md5/ab/cdef…[.dir]`` -> ``abcdef…[.dir]``; None for anything else."""
    parts = path.replace("\\", "/").split("/")
    if len(parts) < 2 or len(parts[-2]) != 2:
        return None
    name = parts[-2] + parts[-1]
    stem = name.removesuffix(".dir")
    return name if len(stem) == 32 and all(c in "0123456789abcdef" for c in stem) else None


def _out_settings(repo_root: Path) -> dict[str, dict[str, Any]]:
    """output path -> its dvc.yaml settings (``cache``, ``remote``...), for outputs that have any."""
    import yaml

    found: dict[str, dict[str, Any]] = {}
    dvc_yaml = repo_root / "dvc.yaml"
    stages = (yaml.safe_load(dvc_yaml.read_text()) or {}).get("stages", {}) if dvc_yaml.exists() else {}
    for stage in stages.values():
        for kind in ("outs", "metrics", "plots"):
            for out in stage.get(kind, []) or []:
                if isinstance(out, dict):
                    found.update({path: settings or {} for path, settings in out.items()})
    return found


def _lock_outputs(repo_root: Path, remote: str | None = None, default: str | None = None) -> Iterator[tuple[str, str]]:
    """(output path, md5 or md5.dir) of every cached output dvc.lock records; with ``remote``, only
    those dvc.yaml sends to that remote (its ``remote:``, else ``default``)."""
    lock = repo_root / "dvc.lock"
    if not lock.exists():
        return
    import yaml

    settings = _out_settings(repo_root)
    stages = (yaml.safe_load(lock.read_text()) or {}).get("stages", {})
    for stage in stages.values():
        for out in stage.get("outs", []):
            own = settings.get(out["path"], {})
            if "md5" not in out or own.get("cache") is False:
                continue
            if remote is None or own.get("remote", default) == remote:
                yield out["path"], out["md5"]


def _usage(repo_root: Path, read: Any, remote: str | None = None, default: str | None = None) -> dict[str, list[str]]:
    """object id -> the dataset files that use it, from dvc.lock and the .dir listings."""
    used: dict[str, list[str]] = {}
    for out_path, md5 in _lock_outputs(repo_root, remote, default):
        used.setdefault(md5, []).append(out_path)
        if md5.endswith(".dir"):
            try:
                entries = json.loads(read(md5))
            except (OSError, ValueError):
                continue
            for entry in entries:
                used.setdefault(entry["md5"], []).append(f"{out_path}/{entry['relpath']}")
    return used


def _verify(where: str, paths: Iterable[str], open_: Any, used: dict[str, list[str]]) -> VerifyReport:
    corrupt, checked, present = [], 0, set()
    for path in paths:
        oid = _object_id(path)
        if oid is None:
            continue
        present.add(oid)
        with open_(path) as fh:
            actual = _md5(fh)
        checked += 1
        if actual != oid.removesuffix(".dir"):
            corrupt.append(CorruptObject(where, path, oid.removesuffix(".dir"), actual, tuple(used.get(oid, ()))))
    missing = tuple(MissingObject(where, oid, tuple(users)) for oid, users in sorted(used.items()) if oid not in present)
    return VerifyReport(checked, tuple(corrupt), missing)


def verify_cache(repo_root: Path = Path(".")) -> VerifyReport:
    """Re-hash every object in the repository's local DVC cache."""
    from dvc.repo import Repo

    with Repo(str(repo_root)) as repo:
        cache = Path(repo.cache.local.path)
    files = sorted(str(p) for p in cache.rglob("*") if p.is_file())

    def read(oid: str) -> bytes:
        return (cache / oid[:2] / oid[2:]).read_bytes()

    return _verify("cache", files, lambda p: open(p, "rb"), _usage(repo_root, read))


def verify_remote(repo_root: Path = Path("."), remote: str | None = None) -> VerifyReport:
    """Re-hash every object in a DVC remote (local folder or S3 alike, through DVC's own filesystem)."""
    from dvc.repo import Repo

    with Repo(str(repo_root)) as repo:
        odb = repo.cloud.get_remote_odb(remote, "verify")
        fs, root = odb.fs, odb.path
        paths = sorted(fs.find(root))

        def read(oid: str) -> bytes:
            with fs.open(fs.join(root, oid[:2], oid[2:]), "rb") as fh:
                return fh.read()

        default = repo.config["core"].get("remote")
        name = remote or default or "default"
        return _verify(f"remote {name}", paths, lambda p: fs.open(p, "rb"), _usage(repo_root, read, name, default))
