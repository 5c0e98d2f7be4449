"""What the service reads pages with: a backend turns a batch of page images into readings.

A :class:`Reading` is the generated text and, per generated token, where it ends in the text and
its log-probability: enough for :mod:`claimvlm.serving.confidence` to give each field a confidence.
Backends are chosen by ``serve.backend`` through :data:`BACKENDS` (name → ``module:Class``,
imported only when chosen: the vLLM and SGLang clients need no torch, the transformers one no HTTP
server).

Each backend class has ``open(load_uri, version, settings, tracking, instruction) -> backend``
(``load_uri`` is a resolved ``models:/NAME/N``, any MLflow artifact URI holding a claimvlm package,
or a package folder; the package is loaded as data, never the pickled pyfunc; ``version`` the
registry version behind it, or None), ``read(pages) -> list[Reading]`` (called from one worker
thread at a time, in page order) and ``close()`` (frees what ``open`` took; called when a newer
version has replaced it and no batch uses it any more).
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from claimvlm.errors import ClaimvlmError

if TYPE_CHECKING:
    from PIL import Image

    from claimvlm.model.params import TrackingParams
    from claimvlm.serving.params import ServeParams


@dataclass(frozen=True)
class Reading:
    """One page's answer: ``text``; ``token_ends[i]`` is the character offset in ``text`` where
    generated token ``i`` ends, ``logprobs[i]`` its log-probability (natural log). Tokens that
    print nothing (end of sequence) are left out."""

    text: str
    token_ends: tuple[int, ...] = ()
    logprobs: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if len(self.token_ends) != len(self.logprobs):
            raise ValueError("token_ends and logprobs differ in length")


class Backend(Protocol):
    """A loaded model version that reads pages."""

    version: str | None

    def read(self, pages: Sequence[Image.Image]) -> list[Reading]: ...

    def close(self) -> None: ...


class BackendError(ClaimvlmError, RuntimeError):
    """A backend cannot be opened or cannot read (the message says why; it never holds page content)."""


BACKENDS: dict[str, str] = {
    "transformers": "claimvlm.serving.hf:TransformersBackend",
    "vllm": "claimvlm.serving.vllm:VllmBackend",
    "sglang": "claimvlm.serving.sglang:SglangBackend",
}


def open_backend(load_uri: str, version: str | None, settings: ServeParams, tracking: TrackingParams,
                 instruction: str) -> Backend:
    """Open ``settings.backend`` on the model at ``load_uri``."""
    module, _, cls = BACKENDS[settings.backend].partition(":")
    backend: Any = getattr(importlib.import_module(module), cls)
    return backend.open(load_uri, version, settings, tracking, instruction)
