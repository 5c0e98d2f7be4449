"""Health data at rest in the feedback store: every answer, correction and kept page sealed with
AES-256-GCM (``cryptography``), under a key named by its id so keys can be rotated.

Keys come from the environment (``CLAIMVLM_FEEDBACK_KEYS``, from a secret store in production):
``id:base64key[,id:base64key…]``. The first key seals; every listed key opens, so a rotation is
"put the new key first, keep the old one until ``claimvlm feedback reseal`` has run". A sealed
value is ``CVS1 | len(id) | id | nonce(12) | ciphertext+tag``; the associated data binds it to
its place (the request id and the column), so a value copied onto another row does not open.
"""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass

from claimvlm.errors import ClaimvlmError

ENV = "CLAIMVLM_FEEDBACK_KEYS"
MAGIC = b"CVS1"


class SealError(ClaimvlmError):
    """No key, a key that is not one, or a sealed value that does not open (tampered, wrong key)."""


def new_key_spec(key_id: str | None = None) -> str:
    """A fresh ``id:base64key`` entry for CLAIMVLM_FEEDBACK_KEYS."""
    return f"{key_id or secrets.token_hex(3)}:{base64.b64encode(secrets.token_bytes(32)).decode()}"


@dataclass(frozen=True)
class Sealer:
    keys: dict[str, bytes]  # id -> 32-byte key
    current: str  # the id that seals

    @classmethod
    def parse(cls, spec: str) -> Sealer:
        keys: dict[str, bytes] = {}
        for entry in (e.strip() for e in spec.split(",") if e.strip()):
            key_id, _, value = entry.partition(":")
            try:
                key = base64.b64decode(value, validate=True)
            except ValueError:
                key = b""
            if not key_id or len(key_id) > 32 or len(key) != 32:
                raise SealError(f"{ENV}: each entry is id:base64 of 32 random bytes (entry {len(keys) + 1} is not)")
            if len(set(key)) < 16:
                raise SealError(f"{ENV}: key {key_id!r} is not random (too few distinct bytes)")
            keys[key_id] = key
        if not keys:
            raise SealError(f"{ENV} is empty")
        return cls(keys, next(iter(keys)))

    @classmethod
    def from_env(cls, *, required: bool = True) -> Sealer | None:
        spec = os.environ.get(ENV, "")
        if not spec.strip():
            if required:
                raise SealError(f"the feedback store keeps health data encrypted: set {ENV} (make one with "
                                "`claimvlm feedback new-key`), or set feedback.enabled false")
            return None
        return cls.parse(spec)

    def seal(self, data: bytes, context: str) -> bytes:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        nonce = secrets.token_bytes(12)
        kid = self.current.encode()
        return MAGIC + bytes([len(kid)]) + kid + nonce + AESGCM(self.keys[self.current]).encrypt(
            nonce, data, context.encode())

    def open(self, blob: bytes, context: str) -> bytes:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        if not blob.startswith(MAGIC):
            raise SealError(f"{context}: not a sealed value")
        n = blob[len(MAGIC)]
        kid = blob[len(MAGIC) + 1: len(MAGIC) + 1 + n].decode()
        rest = blob[len(MAGIC) + 1 + n:]
        if kid not in self.keys:
            raise SealError(f"{context}: sealed with key {kid!r}, which {ENV} does not hold")
        try:
            return AESGCM(self.keys[kid]).decrypt(rest[:12], rest[12:], context.encode())
        except InvalidTag as err:
            raise SealError(f"{context}: the sealed value does not open (altered, or moved from its row)") from err

    def key_id(self, blob: bytes) -> str:
        return blob[len(MAGIC) + 1: len(MAGIC) + 1 + blob[len(MAGIC)]].decode()
