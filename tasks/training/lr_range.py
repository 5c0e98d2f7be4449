"""The learning-rate range test (Smith, "Cyclical Learning Rates for Training Neural Networks",
2017; fastai's ``lr_find``): train briefly while the learning rate grows exponentially, and read a
good starting rate off the loss curve, where the loss falls fastest before it blows up.

It is a probe, not training: the trainable weights are restored afterwards, so the same model can
then be trained from its initial state at the suggested rate.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn


@dataclass(frozen=True)
class LrRange:
    lrs: tuple[float, ...]  # the learning rate of each step
    losses: tuple[float, ...]  # raw loss of each step (the last may be the one that diverged)
    smoothed: tuple[float, ...]  # bias-corrected exponential moving average of the losses
    suggested_lr: float  # steepest descent of the smoothed loss, before its minimum
    stopped_early: bool  # the loss diverged (or became non-finite) before end_lr


def _steepest(lrs: list[float], smoothed: list[float]) -> float:
    """The LR where the smoothed loss falls fastest per decade, looked for only up to the loss's
    minimum: past it the curve is rising into divergence, and a steep fall there is noise."""
    end = min(range(len(smoothed)), key=smoothed.__getitem__) + 1
    if end < 3:  # no descent to speak of: the usual fallback, a tenth of the best LR (within the range)
        return max(lrs[0], lrs[end - 1] / 10)
    xs, ys = [math.log10(lr) for lr in lrs[:end]], smoothed[:end]
    slopes = [(ys[i + 1] - ys[i - 1]) / (xs[i + 1] - xs[i - 1]) for i in range(1, end - 1)]
    return lrs[1 + min(range(len(slopes)), key=slopes.__getitem__)]


def lr_range_test(model: nn.Module, next_batch: Callable[[], dict[str, torch.Tensor]], *,
                  start_lr: float = 1e-7, end_lr: float = 1.0, steps: int = 60, smooth: float = 0.05,
                  diverge_factor: float = 4.0) -> LrRange:
    """Run up to ``steps`` AdamW steps on the trainable parameters with the LR growing
    exponentially from ``start_lr`` to ``end_lr``; stop once the smoothed loss exceeds
    ``diverge_factor`` x its best (or a loss is not finite). ``smooth`` is the weight of each new
    loss in the moving average. Weight decay is off: the probe measures the loss's response to the
    step size alone. The model's trainable weights (and train/eval mode) are restored afterwards.
    """
    if not 0 < start_lr < end_lr or steps < 2 or not 0 < smooth <= 1 or diverge_factor <= 1:
        raise ValueError("needs 0 < start_lr < end_lr, steps >= 2, 0 < smooth <= 1 and diverge_factor > 1")
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]  # tied weights once
    if not named:
        raise ValueError("the model has no trainable parameters")
    initial = {n: p.detach().clone() for n, p in named}
    was_training = model.training
    optimizer = torch.optim.AdamW([p for _, p in named], lr=start_lr, weight_decay=0.0)
    gamma = (end_lr / start_lr) ** (1 / (steps - 1))
    lrs: list[float] = []
    losses: list[float] = []
    smoothed: list[float] = []
    average, stopped = 0.0, False
    model.train()
    try:
        for i in range(steps):
            lr = start_lr * gamma**i
            for group in optimizer.param_groups:
                group["lr"] = lr
            loss = model(**next_batch()).loss
            value = float(loss.detach())
            if not math.isfinite(value):
                stopped = True
                break
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            average = smooth * value + (1 - smooth) * average
            lrs.append(lr)
            losses.append(value)
            smoothed.append(average / (1 - (1 - smooth) ** (i + 1)))
            if smoothed[-1] > diverge_factor * min(smoothed):
                stopped = True
                break
    finally:
        with torch.no_grad():
            for n, p in named:
                p.copy_(initial[n])
                p.grad = None
        model.train(was_training)
    if not lrs:
        raise ValueError(f"the first loss (at lr {start_lr:g}) is not finite: nothing to probe")
    # The point that crossed the divergence threshold is recorded, never suggested (it is past the minimum).
    return LrRange(tuple(lrs), tuple(losses), tuple(smoothed), _steepest(lrs, smoothed), stopped)


def plot_lr_range(result: LrRange, path: Path) -> Path:
    """The loss curve on a log-LR axis with the suggestion marked, as a PNG at ``path``.

    Drawn on an explicit Agg canvas (no pyplot): selecting the backend here, not at import,
    leaves any interactive backend of the caller alone and needs no display.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4.5), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.plot(result.lrs, result.losses, color="0.7", lw=1, label="loss")
    ax.plot(result.lrs, result.smoothed, color="C0", lw=2, label="smoothed")
    ax.set_xscale("log")
    top = max(result.smoothed[: result.smoothed.index(min(result.smoothed)) + 1])
    low = min(min(result.losses), min(result.smoothed))
    # Up to 1.5x the descent's range: the blow-up past the minimum would flatten the rest.
    ax.set_ylim(low - 0.05 * (top - low), top + 0.5 * (top - low) + 1e-9)
    ax.axvline(result.suggested_lr, color="C3", ls="--", lw=1)
    at = min(range(len(result.lrs)), key=lambda i: abs(math.log(result.lrs[i] / result.suggested_lr)))
    ax.annotate(f"suggested {result.suggested_lr:.2e}", xy=(result.suggested_lr, result.smoothed[at]),
                xytext=(12, 24), textcoords="offset points", color="C3",
                arrowprops={"arrowstyle": "->", "color": "C3"})
    ax.set_xlabel("learning rate")
    ax.set_ylabel("training loss")
    ax.set_title("LR range test" + (" (stopped at divergence)" if result.stopped_early else ""))
    ax.legend(loc="upper left")
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    return path
