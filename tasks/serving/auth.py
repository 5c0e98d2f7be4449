"""Who calls the service, and what they may do: bearer tokens checked before a route does any work.

Two kinds of token, by ``serve.auth.mode``:

* ``api_keys`` (the single-machine set-up): ``cvk_<id>_<secret>`` keys made by ``claimvlm api-key
  new``; the key file holds only each key's SHA-256, its subject and its scopes (a key is 32 random
  bytes, so a fast hash is enough: there is nothing to guess). The file is re-read when it changes,
  so a revoked key stops working without a restart.
* ``jwt``: OIDC access tokens signed by the insurer's identity provider, checked against its JWKS
  (a file, or a URL fetched and cached, re-fetched for an unknown key id): signature, issuer,
  audience, expiry; scopes from ``scope`` (space-separated) or ``scp`` (a list).

Scopes: ``extract`` (read pages), ``review`` (send corrections), ``review:senior`` (corrections
that count alone in exports) and ``metrics`` (Prometheus). In JWTs they carry ``scope_prefix``
(``claimvlm:extract``...). The health probes need no token. Every caller is rate-limited per
subject and scope (moving window, ``limits``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claimvlm.errors import ClaimvlmError
from claimvlm.serving.params import AuthParams, JwtParams

SCOPES = ("extract", "review", "review:senior", "metrics")  # what tokens may grant
KEY_PREFIX = "cvk_"


@dataclass(frozen=True)
class Principal:
    subject: str  # who: the key's subject or the token's sub (pseudonymous ids, never names)
    scopes: frozenset[str]
    via: str  # "api_key", "jwt" or "none"

    def has(self, scope: str) -> bool:
        return scope in self.scopes


class Denied(ClaimvlmError):
    """A request without a valid token (401) or without the scope it needs (403)."""

    def __init__(self, status: int, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.kind, self.detail = status, kind, detail

    def headers(self) -> dict[str, str]:
        if self.status == 429:
            return {"Retry-After": "60"}
        error = "insufficient_scope" if self.status == 403 else "invalid_token"
        return {"WWW-Authenticate": f'Bearer realm="claimvlm", error="{error}"'}


ANONYMOUS = Principal("anonymous", frozenset(SCOPES), "none")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_api_key(file: Path, subject: str, scopes: list[str]) -> str:
    """Make a key for ``subject`` with ``scopes``; its hash is appended to ``file`` (0600). The key
    itself is returned once and stored nowhere."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise ClaimvlmError(f"scopes must be some of {', '.join(SCOPES)} (got {', '.join(unknown) or 'none'})")
    key_id = secrets.token_hex(4)
    key = f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
    entries = _read_keys(file) if file.exists() else []
    entries.append({"id": key_id, "sha256": hash_key(key), "subject": subject, "scopes": sorted(set(scopes)),
                    "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
    file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = file.with_name(f".{file.name}.tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump({"keys": entries}, out, indent=1)
    partial.replace(file)
    return key


def _read_keys(file: Path) -> list[dict[str, Any]]:
    try:
        entries = list(json.loads(file.read_text())["keys"])
        if not all({"id", "sha256", "subject", "scopes"} <= set(e) for e in entries):
            raise ValueError("an entry lacks id, sha256, subject or scopes")
        return entries
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ClaimvlmError(f"{file}: not an API key file ({type(err).__name__}); make keys with "
                            "`claimvlm api-key new`") from err


class ApiKeys:
    """Checks ``cvk_`` keys against the key file, re-read when its modification time changes."""

    def __init__(self, file: Path) -> None:
        if not file.is_file():
            raise ClaimvlmError(f"serve.auth.mode is api_keys but {file} does not exist: make a key with "
                                f"`claimvlm api-key new --subject NAME --scope extract`, or set serve.auth")
        self.file, self._stamp, self._by_id = file, -1.0, {}
        self._lock = threading.Lock()
        self._load()

    def _load(self) -> None:
        try:
            stamp = self.file.stat().st_mtime
            if stamp != self._stamp:
                self._by_id = {e["id"]: e for e in _read_keys(self.file)}
                self._stamp = stamp
        except (OSError, ClaimvlmError):  # the file removed or half-written: no key is valid until it is back
            self._by_id, self._stamp = {}, -1.0

    def check(self, token: str) -> Principal:
        parts = token[len(KEY_PREFIX):].split("_", 1) if token.startswith(KEY_PREFIX) else []
        with self._lock:
            self._load()
            entry = self._by_id.get(parts[0]) if len(parts) == 2 else None
        if entry is None or not hmac.compare_digest(entry["sha256"], hash_key(token)):
            raise Denied(401, "unauthorized", "the API key is not valid")
        return Principal(str(entry["subject"]), frozenset(entry["scopes"]), "api_key")


class Jwks:
    """JWT bearer tokens against a JWKS (file or URL)."""

    REFETCH_S = 60.0

    def __init__(self, params: JwtParams, prefix: str) -> None:
        if (params.jwks_file is None) == (params.jwks_url is None):
            raise ClaimvlmError("serve.auth.mode is jwt: set exactly one of serve.auth.jwt.jwks_file / jwks_url")
        if params.issuer is None:
            raise ClaimvlmError("serve.auth.mode is jwt: set serve.auth.jwt.issuer (the tokens' iss)")
        self.params, self.prefix = params, prefix
        self._fetched_at = 0.0
        self._lock = threading.Lock()
        self._keys = self._fetch()

    def _fetch(self) -> Any:
        from joserfc.jwk import KeySet

        if self.params.jwks_file is not None:
            data = json.loads(Path(self.params.jwks_file).read_text())
        else:
            import httpx

            data = httpx.get(self.params.jwks_url, timeout=10).raise_for_status().json()  # type: ignore[arg-type]
        self._fetched_at = time.monotonic()
        return KeySet.import_key_set(data)

    def _key_for(self, kid: str | None) -> Any:
        with self._lock:
            known = {k.kid for k in self._keys.keys}
            if kid not in known and self.params.jwks_url and time.monotonic() - self._fetched_at > self.REFETCH_S:
                self._keys = self._fetch()  # the issuer rotated its keys
            return self._keys

    def check(self, token: str) -> Principal:
        from joserfc import jws, jwt
        from joserfc.errors import JoseError

        try:
            header = jws.extract_compact(token.encode()).headers()
        except (JoseError, ValueError):
            raise Denied(401, "unauthorized", "the bearer token is not a JWT") from None
        try:
            decoded = jwt.decode(token, self._key_for(header.get("kid")), algorithms=self.params.algorithms)
            registry = jwt.JWTClaimsRegistry(
                leeway=self.params.leeway_s, iss={"essential": True, "value": self.params.issuer},
                aud={"essential": True, "value": self.params.audience}, exp={"essential": True},
                sub={"essential": True})
            registry.validate(decoded.claims)
        except (JoseError, ValueError) as err:
            raise Denied(401, "unauthorized", f"the bearer token is not valid ({type(err).__name__})") from err
        claims = decoded.claims
        raw = claims.get("scp") if isinstance(claims.get("scp"), list) else str(claims.get("scope", "")).split()
        scopes = frozenset(s[len(self.prefix):] for s in raw if isinstance(s, str) and s.startswith(self.prefix))
        return Principal(str(claims["sub"]), scopes & frozenset(SCOPES), "jwt")


class Authenticator:
    """The service's gate: ``authorize(header, scope)`` gives the caller or raises :class:`Denied`."""

    def __init__(self, params: AuthParams) -> None:
        from limits import parse, storage, strategies

        self.params = params
        self.checker: ApiKeys | Jwks | None = (
            ApiKeys(Path(params.api_keys_file)) if params.mode == "api_keys"
            else Jwks(params.jwt, params.scope_prefix) if params.mode == "jwt" else None)
        self._limiter = strategies.MovingWindowRateLimiter(storage.MemoryStorage())
        self._limits = {scope: parse(rule) for scope, rule in params.rate_limits.items()}

    def authorize(self, header: str | None, scope: str) -> Principal:
        if self.checker is None:  # mode none: no one is identified, so no one is counted either
            return ANONYMOUS
        scheme, _, token = (header or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Denied(401, "unauthorized", "send 'Authorization: Bearer <token>'")
        principal = self.checker.check(token.strip())
        if not principal.has(scope):
            raise Denied(403, "forbidden", f"this token lacks the scope '{scope}'")
        limit = self._limits.get(scope.split(":")[0])
        if limit is not None and not self._limiter.hit(limit, principal.subject, scope):
            raise Denied(429, "rate_limited", f"over {limit} for this caller; retry later")
        return principal
