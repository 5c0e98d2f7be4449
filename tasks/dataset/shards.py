"""WebDataset shards with reproducible bytes.

``webdataset.TarWriter`` stamps every member with ``time.time()`` unless ``mtime`` is given, and
its default encoder re-encodes Python objects; here ``mtime=0``, fixed user/group names (uid and
gid stay tarfile's 0), mode 0o444, the USTAR format, no compression and no encoder (members
are passed as bytes), so the same samples in the same order give byte-identical tars.

Limits: ``ShardWriter`` checks its byte limit against the payload already written, so a shard
may overshoot it by a whole sample. Here the next sample's on-disk size (512-byte header plus
padded data per member, plus the archive's end blocks and 10 KiB record padding) is checked
first, and a new shard is started when it would not fit: a shard file exceeds
``shard_max_bytes`` only when a single sample alone does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import webdataset as wds

_BLOCK = 512
_RECORD = 20 * _BLOCK  # tarfile.RECORDSIZE: archives are padded to a multiple of it
TAR_OPTIONS = {"mtime": 0.0, "user": "claimvlm", "group": "claimvlm", "mode": 0o444,
               "compress": False, "encoder": False}


@dataclass(frozen=True)
class Sample:
    key: str
    members: dict[str, bytes]  # extension -> bytes, e.g. {"png": ..., "json": ...}


@dataclass(frozen=True)
class ShardInfo:
    path: Path
    samples: int
    bytes: int
    sha256: str


def _member_size(data: bytes) -> int:
    return _BLOCK + -(-len(data) // _BLOCK) * _BLOCK


def _file_size(members_bytes: int) -> int:
    return -(-(members_bytes + 2 * _BLOCK) // _RECORD) * _RECORD


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_shards(folder: Path, split: str, samples: Iterable[Sample], *, max_count: int,
                 max_bytes: int) -> list[ShardInfo]:
    """Write ``folder/{split}-{n:06d}.tar``; a split without samples still gets one (empty) shard,
    so ``{split}-000000.tar`` always exists for a loader's URL pattern (iterating only empty
    shards needs ``wds.WebDataset(..., empty_check=False)``)."""
    folder.mkdir(parents=True, exist_ok=True)
    counts: list[int] = [0]
    current = 0  # on-disk bytes of the members in the open shard
    sink = wds.ShardWriter(str(folder / f"{split}-%06d.tar"), maxcount=max_count, maxsize=max_bytes,
                           verbose=0, **TAR_OPTIONS)
    try:
        for sample in samples:
            size = sum(_member_size(v) for v in sample.members.values())
            full = counts[-1] >= max_count or _file_size(current + size) > max_bytes
            if counts[-1] and full:
                sink.next_stream()
                counts.append(0)
                current = 0
            sink.write({"__key__": sample.key, **sample.members})
            counts[-1] += 1
            current += size
    finally:
        sink.close()
    infos = []
    for n, count in enumerate(counts):
        path = folder / f"{split}-{n:06d}.tar"
        infos.append(ShardInfo(path, count, path.stat().st_size, sha256_file(path)))
    return infos
