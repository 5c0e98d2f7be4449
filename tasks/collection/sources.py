"""Where raw documents come from: a local folder or an S3 prefix, behind one small protocol.

S3 is read through boto3 with credentials from the standard AWS chain only (environment,
shared config, instance role). Nothing here stores, logs or reports them: errors carry the
key and the S3 error code or exception type, nothing else.
"""

from __future__ import annotations

import hashlib
import os
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from claimvlm.collection.layout import SOURCE_MANIFEST
from claimvlm.errors import ClaimvlmError

if TYPE_CHECKING:
    from claimvlm.collection.params import S3Params

CHUNK = 1 << 20


@dataclass(frozen=True)
class SourceObject:
    """A listed object: its key relative to the source root, size and change fingerprint."""

    key: str
    size: int
    fingerprint: str


class FetchError(ClaimvlmError):
    """An object could not be read (after the client's own retries)."""

    def __init__(self, key: str, cause: str) -> None:
        super().__init__(f"{key}: {cause}")
        self.key = key
        self.cause = cause


class ListError(ClaimvlmError):
    """The source could not be listed."""


class Source(Protocol):
    uri: str  # what the manifest records: a folder path or s3://bucket/prefix, never credentials

    def list(self) -> list[SourceObject]: ...

    def read(self, key: str) -> bytes: ...

    def download(self, key: str, dest: Path) -> str:
        """Stream an object to ``dest`` (without holding it in memory); returns its SHA-256."""
        ...


def write_chunks(chunks: Iterable[bytes], dest: Path) -> str:
    """Write chunks to ``dest`` through a temporary name; returns the SHA-256 of what was written."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    digest = hashlib.sha256()
    with tmp.open("wb") as fh:
        for chunk in chunks:
            digest.update(chunk)
            fh.write(chunk)
    os.replace(tmp, dest)
    return digest.hexdigest()


class FolderSource:
    """A local folder, walked recursively; fingerprint = size and modification time (ns)."""

    def __init__(self, root: Path) -> None:
        if not root.is_dir():
            raise ListError(f"source folder {root} does not exist")
        self.root = root
        self.uri = str(root)

    def list(self) -> list[SourceObject]:
        objects = []
        visited: set[str] = set()
        for dirpath, dirnames, filenames in os.walk(self.root, followlinks=True):
            real = os.path.realpath(dirpath)
            if real in visited:  # a symlink back up the tree
                dirnames.clear()
                continue
            visited.add(real)
            dirnames.sort()
            for name in sorted(filenames):
                path = Path(dirpath, name)
                try:
                    st = path.stat()
                except OSError:  # a broken link: listed, so that its failed read is reported
                    st = path.lstat()
                key = path.relative_to(self.root).as_posix()
                objects.append(SourceObject(key, st.st_size, f"size={st.st_size};mtime_ns={st.st_mtime_ns}"))
        return sorted(objects, key=lambda o: o.key)

    def read(self, key: str) -> bytes:
        try:
            return (self.root / key).read_bytes()
        except OSError as err:
            raise FetchError(key, f"{type(err).__name__}: {err.strerror}") from None

    def download(self, key: str, dest: Path) -> str:
        try:
            fh = (self.root / key).open("rb")
        except OSError as err:
            raise FetchError(key, f"{type(err).__name__}: {err.strerror}") from None
        with fh:
            return write_chunks(iter(lambda: fh.read(CHUNK), b""), dest)


def _error_code(err: Exception) -> str:
    """The S3 error code of a ClientError, or the exception type: never its text or the request."""
    response: Any = getattr(err, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return f"{code or 'error'} (HTTP {status})" if status else str(code or type(err).__name__)
    return type(err).__name__


class S3Source:
    """An S3 prefix (``s3://bucket/prefix``) read through one shared, thread-safe boto3 client.

    The client uses botocore's ``standard`` retry mode: 5xx answers, throttling and connection
    errors are retried with exponential backoff up to ``max_attempts`` attempts in all.
    """

    def __init__(self, uri: str, params: S3Params) -> None:
        import boto3
        from botocore.config import Config

        bucket, _, prefix = uri.removeprefix("s3://").partition("/")
        if not bucket:
            raise ListError(f"{uri!r} names no bucket; expected s3://bucket/prefix")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.uri = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"
        self._list_prefix = f"{self.prefix}/" if self.prefix else ""
        config = Config(
            # total_max_attempts counts the first request too; botocore reads the older key
            # "max_attempts" in this dict as the number of *retries* (one more request than named).
            retries={"total_max_attempts": params.max_attempts, "mode": "standard"},
            connect_timeout=params.connect_timeout_s,
            read_timeout=params.read_timeout_s,
            max_pool_connections=max(10, params.download_threads),
            # S3-compatible servers (MinIO, Ceph, ...) are addressed by path, not bucket subdomain.
            s3={"addressing_style": "path"} if params.endpoint_url else None,
        )
        session = boto3.session.Session(region_name=params.region)
        self._client = session.client("s3", endpoint_url=params.endpoint_url, config=config)
        self._attempts = params.max_attempts
        self._errors: tuple[type[Exception], ...] = _boto_errors()

    def _full(self, key: str) -> str:
        return self._list_prefix + key

    def list(self) -> list[SourceObject]:
        objects = []
        try:
            pages = self._client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self._list_prefix)
            for page in pages:
                for obj in page.get("Contents", []):
                    key = obj["Key"][len(self._list_prefix):]
                    if not key or (key.endswith("/") and obj["Size"] == 0):
                        continue  # "folder" placeholder objects made by consoles
                    etag = str(obj.get("ETag", "")).strip('"')
                    objects.append(SourceObject(key, int(obj["Size"]), f"size={obj['Size']};etag={etag}"))
        except self._errors as err:
            raise ListError(f"cannot list {self.uri}: {_error_code(err)}") from None
        return sorted(objects, key=lambda o: o.key)

    def _fetch(self, key: str, consume: Callable[[Any], Any]) -> Any:
        """GET an object and consume its body. botocore retries the request itself; a body that
        breaks off while streaming (which botocore does not retry) is fetched again here."""
        for attempt in range(1, self._attempts + 1):
            try:
                body = self._client.get_object(Bucket=self.bucket, Key=self._full(key))["Body"]
            except self._errors as err:
                raise FetchError(key, _error_code(err)) from None
            try:
                return consume(body)
            except self._errors as err:
                if attempt == self._attempts:
                    raise FetchError(key, f"{_error_code(err)} while streaming") from None
                time.sleep(min(random.random() * 2 ** (attempt - 1), 20.0))  # as botocore's backoff
            finally:
                body.close()
        raise AssertionError("unreachable")

    def read(self, key: str) -> bytes:
        return self._fetch(key, lambda body: body.read())

    def download(self, key: str, dest: Path) -> str:
        return self._fetch(key, lambda body: write_chunks(body.iter_chunks(CHUNK), dest))


def _boto_errors() -> tuple[type[Exception], ...]:
    from botocore.exceptions import BotoCoreError, ClientError
    from urllib3.exceptions import HTTPError

    # urllib3 errors can escape botocore while a body is being streamed.
    return (BotoCoreError, ClientError, HTTPError, ConnectionError)


class CombinedSource:
    """A main source and extra ones read as one (e.g. reviewers' corrected documents beside the
    scanned claims). The main source's keys are unchanged; the i-th extra source's keys are under
    ``also-<i>/`` (documents are placed by the last folders of a key, so ids do not change; an id
    found in two sources is a duplicate, quarantined as any other), without its root
    ``manifest.json``. An extra folder that does not exist yet holds nothing."""

    def __init__(self, main: Source, extra: Sequence[Source]) -> None:
        self.main, self.extra = main, tuple(extra)
        self.uri = " + ".join(s.uri for s in (main, *self.extra))

    def parts(self) -> tuple[Source, ...]:
        return (self.main, *self.extra)

    def _route(self, key: str) -> tuple[Source, str]:
        head, sep, rest = key.partition("/")
        if sep and head.startswith("also-") and head[5:].isdigit() and int(head[5:]) < len(self.extra):
            return self.extra[int(head[5:])], rest
        return self.main, key

    def list(self) -> list[SourceObject]:
        objects = list(self.main.list())
        for i, source in enumerate(self.extra):
            # each source's own root manifest is no document, as the main source's is not
            objects += [SourceObject(f"also-{i}/{o.key}", o.size, o.fingerprint) for o in source.list()
                        if o.key != SOURCE_MANIFEST]
        return sorted(objects, key=lambda o: o.key)

    def read(self, key: str) -> bytes:
        source, inner = self._route(key)
        return source.read(inner)

    def download(self, key: str, dest: Path) -> str:
        source, inner = self._route(key)
        return source.download(inner, dest)


class _Empty:
    """An extra folder that does not exist (yet): no documents."""

    def __init__(self, uri: str) -> None:
        self.uri = uri

    def list(self) -> list[SourceObject]:
        return []

    def read(self, key: str) -> bytes:
        raise FetchError(key, "the source folder does not exist")

    def download(self, key: str, dest: Path) -> str:
        raise FetchError(key, "the source folder does not exist")


def open_source(uri: str, s3: S3Params, also: Sequence[str] = ()) -> Source:
    """A folder path or ``s3://bucket/prefix``; with ``also``, those sources too (:class:`CombinedSource`)."""
    def one(u: str, optional: bool) -> Source:
        if u.startswith("s3://"):
            return S3Source(u, s3)
        return _Empty(str(Path(u))) if optional and not Path(u).exists() else FolderSource(Path(u))

    main = one(uri, optional=False)
    return CombinedSource(main, [one(u, optional=True) for u in also]) if also else main
