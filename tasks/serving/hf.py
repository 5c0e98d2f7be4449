"""The transformers backend: the registry version's weights in this process, CPU or GPU.

A batch of pages is one ``generate`` call: prompts are left-padded to one length (the pages'
image-token counts differ with their shapes), pixel patches are concatenated in page order, and
greedy decoding runs once for all. Token probabilities come from the same call
(``output_scores``), so confidence costs no second pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claimvlm.model.package import MANIFEST, load_trained, read_prompt
from claimvlm.model.placement import placement
from claimvlm.model.prompt import PromptSpec, page_texts
from claimvlm.model.registered import load_registered
from claimvlm.serving.backends import Reading

if TYPE_CHECKING:
    from PIL import Image

    from claimvlm.model.params import TrackingParams
    from claimvlm.serving.params import ServeParams


def token_ends(tokenizer: Any, ids: Sequence[int]) -> list[int]:
    """Where each token ends in the decoded text: the length of each decoded prefix. A token holding
    part of a multi-byte character decodes as U+FFFD until the character completes, so a prefix
    never gets shorter; clamped anyway, so the ends are monotonic."""
    prefixes = tokenizer.batch_decode([list(ids[: k + 1]) for k in range(len(ids))], skip_special_tokens=True)
    ends, last = [], 0
    for text in prefixes:
        last = max(last, len(text))
        ends.append(last)
    return ends


def reading(tokenizer: Any, ids: Sequence[int], logprobs: Sequence[float], stops: Sequence[int] = ()) -> Reading:
    """The Reading of generated ``ids`` (cut at the first of the ``stops``, by default the end-of-turn
    token: padding follows it) and their log-probabilities. A token that prints nothing (it completes
    a character, or is special) joins the token before it, with the lower log-probability of the two."""
    from claimvlm.model.reading import until_stop

    ids = until_stop(ids, stops or [tokenizer.eos_token_id])
    ends, text = token_ends(tokenizer, ids), tokenizer.decode(ids, skip_special_tokens=True)
    kept_ends: list[int] = []
    kept: list[float] = []
    for k, (end, logprob) in enumerate(zip(ends, logprobs, strict=False)):
        if end > (ends[k - 1] if k else 0):
            kept_ends.append(min(end, len(text)))
            kept.append(float(logprob))
        elif kept:
            kept[-1] = min(kept[-1], float(logprob))
    return Reading(text, tuple(kept_ends), tuple(kept))


@dataclass
class TransformersBackend:
    model: Any
    processor: Any
    instruction: str
    max_new_tokens: int
    version: str | None = None
    # The prompt the model was trained with (its package's); None: the bare instruction.
    prompt: PromptSpec | None = None
    anchor_seconds: float = 0.0  # OCR time of the last batch's anchors (serving's metrics)

    @classmethod
    def open(cls, load_uri: str, version: str | None, settings: ServeParams, tracking: TrackingParams,
             instruction: str) -> TransformersBackend:
        package = Path(load_uri)
        where = placement(settings.device, settings.dtype)
        if (package / MANIFEST).is_file():  # a package folder, e.g. an export: models/export/int8
            # (load_trained keeps an int8 export on the CPU: its kernels are CPU kernels)
            model, processor = load_trained(package, placement=where)
            prompt = read_prompt(package)
        else:  # a registry version: its package, verified, never its pickled pyfunc (registered.py)
            model, processor, prompt = load_registered(load_uri, placement=where)
        return cls(model, processor, instruction, settings.max_new_tokens, version, prompt)

    def read(self, pages: Sequence[Image.Image]) -> list[Reading]:
        import torch

        from claimvlm.model.reading import greedy_settings, prompt_inputs

        proc, tok = self.processor, self.processor.tokenizer
        pages = [page.convert("RGB") for page in pages]
        texts, self.anchor_seconds = page_texts(self.prompt or PromptSpec(self.instruction), pages)
        with torch.inference_mode():
            inputs = prompt_inputs(self.model, proc, pages, texts)
            width = inputs.pop("width")
            settings = greedy_settings(self.model, proc)
            out = self.model.generate(**inputs, max_new_tokens=self.max_new_tokens, **settings,
                                      output_scores=True, return_dict_in_generate=True)
            scores = self.model.compute_transition_scores(out.sequences, out.scores, normalize_logits=True)
        return [reading(tok, row, logprobs, settings["eos_token_id"]) for row, logprobs in
                zip(out.sequences[:, width:].tolist(), scores.tolist(), strict=True)]

    def close(self) -> None:
        # Dropping the references frees the weights once no batch holds this backend.
        self.model = None
        try:
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        except ImportError:  # pragma: no cover - torch is a dependency of this backend
            pass
