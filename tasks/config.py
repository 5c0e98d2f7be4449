"""All of ``params.yaml`` at once: the root that assembles every stage's section.

Each section is owned by its stage (``<stage>/params.py``); commands read only their own
(:func:`claimvlm.settings.load_sections`). This root is for whole-file validation and for code
that spans stages (the flows, tests, benchmarks): it is no stage's dependency.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import Field

from claimvlm.collection.params import CollectParams
from claimvlm.dataset.params import BuildParams
from claimvlm.evaluation.params import EvaluateParams
from claimvlm.export.params import ExportParams
from claimvlm.feedback.params import FeedbackParams
from claimvlm.model.params import TrackingParams
from claimvlm.parallel import ExecutorParams
from claimvlm.privacy.params import AnonymizeParams
from claimvlm.quality.params import QcParams
from claimvlm.registry.params import GateParams
from claimvlm.serving.params import ServeParams
from claimvlm.settings import Section, read_params, validate
from claimvlm.synthesis.params import SynthParams
from claimvlm.training.params import SweepParams, TrainParams


class Params(Section):
    """All of params.yaml. One attribute per section (claimvlm.settings.SECTIONS)."""

    synth: SynthParams = SynthParams()
    collect: CollectParams = CollectParams()
    anonymize: AnonymizeParams = AnonymizeParams()
    qc: QcParams = QcParams()
    build: BuildParams = BuildParams()
    train: TrainParams = TrainParams()
    sweep: SweepParams = Field(default_factory=SweepParams)  # built on use: its check needs apply_overrides
    evaluate: EvaluateParams = EvaluateParams()
    gate: GateParams = GateParams()
    tracking: TrackingParams = TrackingParams()
    executor: ExecutorParams = ExecutorParams()
    serve: ServeParams = ServeParams()
    feedback: FeedbackParams = FeedbackParams()
    export: ExportParams = ExportParams()


def load_params(path: Path | None = Path("params.yaml"), overrides: Sequence[str] = ()) -> Params:
    """Read params.yaml (if it exists), apply overrides, and validate every section at once."""
    return validate(Params, read_params(path, overrides))
