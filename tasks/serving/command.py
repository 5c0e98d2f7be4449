"""``claimvlm serve-api``: the extraction service (claimvlm.serving.app) under uvicorn.

Settings come from params.yaml's ``serve`` section (upload limits from ``collect``, the prompt
from ``build.instruction``, the answer store from ``feedback``, field weights from ``evaluate``);
``--host``/``--port``/``--model-uri`` override the most common ones."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from claimvlm.cli_common import ParamsOpt, SetOpt, sections
from claimvlm.collection.params import CollectParams
from claimvlm.dataset.params import BuildParams
from claimvlm.evaluation.params import EvaluateParams
from claimvlm.feedback.params import FeedbackParams
from claimvlm.model.params import TrackingParams
from claimvlm.serving.params import ServeParams
from claimvlm.settings import Section

PANEL = "serve · tasks/serving"


class ServeSections(Section):
    serve: ServeParams = ServeParams()
    tracking: TrackingParams = TrackingParams()
    collect: CollectParams = CollectParams()  # upload limits: what collection would accept
    build: BuildParams = BuildParams()  # the instruction
    feedback: FeedbackParams = FeedbackParams()
    evaluate: EvaluateParams = EvaluateParams()  # field weights of a correction's score


def serve_api(
    model_uri: Annotated[Optional[str], typer.Option(  # noqa: UP045 - typer needs Optional here
        "--model-uri", help="the model to serve; default serve.model_uri, else "
        "models:/<tracking.registered_model>@<serve.alias>")] = None,
    host: Annotated[Optional[str], typer.Option(help="address to listen on; default serve.host")] = None,  # noqa: UP045
    port: Annotated[Optional[int], typer.Option(help="port to listen on; default serve.port")] = None,  # noqa: UP045
    params: ParamsOpt = Path("params.yaml"),
    set_: SetOpt = None,
) -> None:
    """Serve POST /v1/extract (one page image in, JSON out), health checks and /metrics."""
    import uvicorn

    from claimvlm.serving.app import create_app
    from claimvlm.serving.inputs import InputLimits

    _log_to_stderr()
    loaded = sections(ServeSections, params, set_)
    given = {"model_uri": model_uri, "host": host, "port": port}
    settings = loaded.serve.model_copy(update={k: v for k, v in given.items() if v is not None})
    app_ = create_app(settings, loaded.tracking, InputLimits.from_collect(loaded.collect), loaded.build.instruction,
                      loaded.feedback, loaded.evaluate)
    uvicorn.run(app_, host=settings.host, port=settings.port, log_level="info")


def _log_to_stderr() -> None:
    """The service's own log lines (one per request, model loads and swaps) on stderr beside
    uvicorn's. uvicorn configures only its own loggers; the root logger is left alone, so other
    libraries' INFO lines (HTTP clients, MLflow) stay out of the service log."""
    import logging

    logger = logging.getLogger("claimvlm")
    if not any(getattr(h, "claimvlm_serve", False) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.claimvlm_serve = True  # type: ignore[attr-defined]  # added once per process
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def register(app: typer.Typer) -> None:
    app.command("serve-api", rich_help_panel=PANEL)(serve_api)
