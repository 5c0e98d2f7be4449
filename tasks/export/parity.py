"""Parity: does an exported model compute what the trained model computes?

Accuracy metrics on a test split can hide a broken export: two models can score alike while
reading pages differently, and a small test split has wide intervals. Parity is stricter and
cheap: on a few canary pages, the reference model's greedy answer is teacher-forced through each
candidate, and the log-probability each gives every answer token is compared (max |difference|);
each candidate's own greedy answer must also be the reference's, character for character.

* A model candidate (a package folder or a loaded model) is checked as above. When it fails, the
  language model's hidden states are compared layer by layer on the worst page, so the reason
  says where the computation first departs (the inputs, i.e. embeddings or image features; or
  after decoder layer k; or only in the head).
* A serving candidate (anything with ``read(pages) -> list[Reading]``, e.g.
  ``claimvlm.serving.hf.TransformersBackend``) reads all pages in one batch, as the service does;
  its texts must equal the reference's answers and the log-probabilities it reports per printed
  token must match the reference's own generation-time ones.
* Candidates in ``report_only`` (the int8 copy: quantisation changes the numbers by design) get
  the same measurements but cannot fail the check.

The reference is the trained package loaded *unmerged* (base + adapter computed apart, as in
training), so a merge that went wrong is caught, not compared with itself.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

from claimvlm.model.placement import Placement, placement
from claimvlm.model.reading import greedy_settings, prompt_ids

DIVERGED = 1e-3  # relative max |Δ| of a hidden state beyond which it no longer counts as the same


@dataclass(frozen=True)
class ParityRow:
    """One candidate on one page. ``max_logprob_diff`` is None where nothing comparable exists
    (a serving answer that differs from the reference's)."""

    candidate: str
    page: str
    same_answer: bool
    max_logprob_diff: float | None
    worst_token: int | None
    tokens: int


@dataclass(frozen=True)
class Verdict:
    candidate: str
    held: bool  # held to parity; False: measured and reported only
    passed: bool
    agreement: float  # share of pages answered exactly as the reference
    max_logprob_diff: float | None
    reason: str


@dataclass(frozen=True)
class ParityResult:
    passed: bool
    rows: tuple[ParityRow, ...]
    verdicts: dict[str, Verdict]
    tolerance: float
    reference_answers: tuple[str, ...] = field(repr=False)

    def reasons(self) -> list[str]:
        return [v.reason for v in self.verdicts.values() if v.held and not v.passed]

    def to_json(self) -> dict[str, Any]:
        return {"passed": self.passed, "tolerance": self.tolerance,
                "verdicts": {k: asdict(v) for k, v in self.verdicts.items()}, "rows": [asdict(r) for r in self.rows]}


@dataclass(frozen=True)
class Encoded:
    prompt: list[int]
    pixels: torch.Tensor
    grid: torch.Tensor


def per_page(texts: str | Sequence[str], pages: Sequence[Any]) -> list[str]:
    """One user text per page: one text for all, or each page's own (anchored prompts)."""
    out = [texts] * len(pages) if isinstance(texts, str) else list(texts)
    if len(out) != len(pages):
        raise ValueError(f"{len(pages)} pages but {len(out)} prompt texts")
    return out


def encode(processor: Any, page: Any, text: str) -> Encoded:
    """The prompt of ``generate_json`` (claimvlm.model.reading) for one page and its user text."""
    vision = processor.images([page.convert("RGB")])
    ids = prompt_ids(processor, vision["image_grid_thw"].tolist()[0], text)
    return Encoded(ids, vision["pixel_values"], vision["image_grid_thw"])


def _inputs(model: Any, enc: Encoded, answer: Sequence[int] = ()) -> dict[str, torch.Tensor]:
    device = next(model.parameters()).device
    dtype = next(p for p in model.parameters() if p.is_floating_point()).dtype
    ids = torch.tensor([[*enc.prompt, *answer]], device=device)
    return {"input_ids": ids, "attention_mask": torch.ones_like(ids), "pixel_values": enc.pixels.to(device, dtype),
            "image_grid_thw": enc.grid.to(device)}


def greedy(model: Any, processor: Any, enc: Encoded, max_new_tokens: int) -> tuple[list[int], list[float]]:
    """Greedy answer token ids (with the end token, if reached) and their generation-time log-probabilities."""
    inputs = _inputs(model, enc)
    with torch.inference_mode():
        out = model.generate(**inputs, max_new_tokens=max_new_tokens, **greedy_settings(model, processor),
                             output_scores=True, return_dict_in_generate=True)
        scores = model.compute_transition_scores(out.sequences, out.scores, normalize_logits=True)
    return out.sequences[0, len(enc.prompt):].tolist(), scores[0].tolist()


def teacher_forced(model: Any, enc: Encoded, answer: Sequence[int], *,
                   hidden: bool = False) -> tuple[torch.Tensor, tuple[torch.Tensor, ...] | None]:
    """log p(answer token | page, prompt, earlier answer tokens) for every answer token, in one pass."""
    with torch.inference_mode():
        out = model(**_inputs(model, enc, answer), output_hidden_states=hidden)
    start = len(enc.prompt) - 1
    logits = out.logits[0, start: start + len(answer)].float()
    chosen = torch.log_softmax(logits, -1).gather(1, torch.tensor(answer, device=logits.device)[:, None])[:, 0]
    return chosen.cpu(), (tuple(h.float().cpu() for h in out.hidden_states) if hidden else None)


def printed(tokenizer: Any, ids: Sequence[int], logprobs: Sequence[float]) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """(token ends, log-probabilities) of the tokens that print something, by the serving
    backend's own rule (:func:`claimvlm.serving.hf.reading`)."""
    from claimvlm.serving.hf import reading

    found = reading(tokenizer, ids, logprobs)
    return found.token_ends, found.logprobs


def _where(ref: tuple[torch.Tensor, ...], cand: tuple[torch.Tensor, ...]) -> str:
    """Where the candidate's hidden states first depart from the reference's."""
    for k, (a, b) in enumerate(zip(ref, cand, strict=True)):
        rel = float((a - b).abs().max() / a.abs().max().clamp_min(1e-12))
        if rel > DIVERGED:
            at = ("already at the language model's input (token embeddings or the vision tower's image features)"
                  if k == 0 else f"after decoder layer {k - 1} (the layers before it agree)")
            return f"hidden states first diverge {at}, relative max |Δ| {rel:.2g}"
    return "hidden states agree: the difference is in the output head"


def parity_placement() -> Placement:
    """Packages compared by the parity check load on the auto device in float32: the check measures
    what merging or quantising changed, and bf16 rounding alone would exceed its tolerances."""
    return Placement(placement().device, torch.float32)


def _load(candidate: Any, ref_processor: Any) -> tuple[Any, Any]:
    from claimvlm.model.package import load_trained

    if isinstance(candidate, (str, Path)):
        return load_trained(Path(candidate), placement=parity_placement())
    if isinstance(candidate, tuple):
        return candidate
    return candidate, ref_processor


def _verdict(name: str, rows: list[ParityRow], held: bool, tolerance: float, answers: Sequence[str],
             theirs: Sequence[str], where: str = "") -> Verdict:
    diffs = [r for r in rows if r.max_logprob_diff is not None]
    worst = max(diffs, key=lambda r: r.max_logprob_diff or 0.0, default=None)
    top = worst.max_logprob_diff if worst else None
    differ = [i for i, r in enumerate(rows) if not r.same_answer]
    problems = []
    if worst is not None and top is not None and top > tolerance:
        problems.append(f"max |Δ log p| {top:.3g} > {tolerance:g} on page {worst.page} (answer token "
                        f"{worst.worst_token})")
    if differ:
        i = differ[0]
        problems.append(f"answers differ on {len(differ)}/{len(rows)} pages (page {rows[i].page}: reference "
                        f"{answers[i][:40]!r}, {name} {theirs[i][:40]!r})")
    if where:
        problems.append(where)
    agreement = 1 - len(differ) / len(rows) if rows else 1.0
    shown = "n/a" if top is None else f"{top:.3g}"
    if not held:
        reason = (f"{name}: not held to parity; same answers on {len(rows) - len(differ)}/{len(rows)} pages, "
                  f"max |Δ log p| {shown}")
    elif problems:
        reason = f"{name}: " + "; ".join(problems)
    else:
        reason = f"{name}: same answers on {len(rows)} pages, max |Δ log p| {shown} ≤ {tolerance:g}"
    return Verdict(name, held, not problems or not held, agreement, top, reason)


@dataclass(frozen=True)
class _Reference:
    """What the reference model did on each page: its prompt, greedy answer (ids, generation-time
    log-probabilities, text) and the teacher-forced log-probabilities of that answer."""

    model: Any
    processor: Any
    ids: list[str]
    encoded: list[Encoded]
    generated: list[tuple[list[int], list[float]]]
    answers: list[str]
    forced: list[torch.Tensor]


def _check_serving(name: str, backend: Any, pages: Sequence[Any], ref: _Reference) -> tuple[list[ParityRow], list[str]]:
    """One batch through the backend; its printed tokens' log-probabilities against the reference's
    own generation-time ones (the same logits processors applied on both sides)."""
    readings = backend.read(list(pages))
    rows, texts = [], []
    for pid, (answer, lps), reading, text in zip(ref.ids, ref.generated, readings, ref.answers, strict=True):
        ends, expected = printed(ref.processor.tokenizer, answer, lps)
        same = reading.text == text and tuple(reading.token_ends) == ends
        diffs = [abs(a - b) for a, b in zip(reading.logprobs, expected, strict=True)] if same else []
        k = max(range(len(diffs)), key=diffs.__getitem__) if diffs else None
        rows.append(ParityRow(name, pid, same, diffs[k] if k is not None else None, k, len(expected)))
        texts.append(reading.text)
    return rows, texts


def _check_model(name: str, candidate: Any, pages: Sequence[Any], asked: Sequence[str], max_new_tokens: int,
                 ref: _Reference, locate_above: float | None) -> tuple[list[ParityRow], list[str], str]:
    """Teacher-forced log-probabilities and the candidate's own greedy answers; when
    ``locate_above`` is set and the candidate strays beyond it, where its computation departs."""
    model, proc = _load(candidate, ref.processor)
    rows, texts, where = [], [], ""
    for pid, page, text_in, enc, (answer, _), ref_lp, expected in zip(
            ref.ids, pages, asked, ref.encoded, ref.generated, ref.forced, ref.answers, strict=True):
        own = encode(proc, page, text_in)
        if own.prompt != enc.prompt or not torch.equal(own.pixels, enc.pixels):
            where = "its processor encodes the page or prompt differently from the reference's"
        delta = (teacher_forced(model, enc, answer)[0] - ref_lp).abs()
        text = proc.tokenizer.decode(greedy(model, proc, enc, max_new_tokens)[0], skip_special_tokens=True)
        rows.append(ParityRow(name, pid, text == expected, float(delta.max()), int(delta.argmax()), len(answer)))
        texts.append(text)
    worst = max(range(len(rows)), key=lambda i: rows[i].max_logprob_diff or 0.0)
    strays = (rows[worst].max_logprob_diff or 0.0) > (locate_above or 0.0) or not all(r.same_answer for r in rows)
    if locate_above is not None and not where and strays:
        enc, answer = ref.encoded[worst], ref.generated[worst][0]
        where = _where(teacher_forced(ref.model, enc, answer, hidden=True)[1] or (),
                       teacher_forced(model, enc, answer, hidden=True)[1] or ())
    return rows, texts, where


def parity_check(reference: Path | tuple[Any, Any], candidates: Mapping[str, Any], pages: Sequence[Any],
                 texts: str | Sequence[str], *, max_logprob_diff: float, max_new_tokens: int,
                 page_ids: Sequence[str] | None = None, report_only: Collection[str] = (),
                 progress: bool = False) -> ParityResult:
    """Compare every candidate with the reference on ``pages`` (see the module docstring), each page
    asked with its user text (``texts``: one for all, or one per page).

    ``reference``: a package folder (an adapter stays unmerged) or a (model, processor) pair.
    ``candidates``: name → package folder, model, (model, processor) pair, or serving backend."""
    from tqdm import tqdm

    from claimvlm.model.package import load_trained

    model, proc = load_trained(Path(reference), merge=False, placement=parity_placement()) \
        if isinstance(reference, (str, Path)) else reference
    texts = per_page(texts, pages)
    encoded = [encode(proc, page, text) for page, text in zip(pages, texts, strict=True)]
    generated = [greedy(model, proc, enc, max_new_tokens) for enc in encoded]
    ref = _Reference(model, proc, list(page_ids) if page_ids is not None else [str(i) for i in range(len(pages))],
                     encoded, generated, [proc.tokenizer.decode(a, skip_special_tokens=True) for a, _ in generated],
                     [teacher_forced(model, enc, a)[0] for enc, (a, _) in zip(encoded, generated, strict=True)])
    rows: list[ParityRow] = []
    verdicts: dict[str, Verdict] = {}
    for name, candidate in tqdm(candidates.items(), desc="parity", unit="candidate", disable=not progress):
        held, where = name not in report_only, ""
        if hasattr(candidate, "read"):  # a serving backend: one batch, as the service reads
            mine, answers = _check_serving(name, candidate, pages, ref)
        else:
            mine, answers, where = _check_model(name, candidate, pages, texts, max_new_tokens, ref,
                                                max_logprob_diff if held else None)
        rows += mine
        verdicts[name] = _verdict(name, mine, held, max_logprob_diff, ref.answers, answers, where)
    return ParityResult(all(v.passed for v in verdicts.values()), tuple(rows), verdicts, max_logprob_diff,
                        tuple(ref.answers))
