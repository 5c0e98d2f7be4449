"""``claimvlm serve-api``: the extraction service (claimvlm.serving.app) under uvicorn.

Settings come from params.yaml's ``serve`` section (upload limits from ``collect``, the prompt
from ``build.instruction``, the answer store from ``feedback``, field weights from ``evaluate``);
``--host``/``--port``/``--model-uri`` override the most common ones."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from claimvlm.cli_common import ParamsOpt, SetOpt, console, fail, sections
from claimvlm.collection.params import CollectParams
from claimvlm.dataset.params import BuildParams
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
    import logging

    import uvicorn

    from claimvlm.errors import ClaimvlmError
    from claimvlm.serving.app import create_app
    from claimvlm.serving.auth import Authenticator
    from claimvlm.serving.inputs import InputLimits

    _log_to_stderr()
    loaded = sections(ServeSections, params, set_)
    given = {"model_uri": model_uri, "host": host, "port": port}
    settings = loaded.serve.model_copy(update={k: v for k, v in given.items() if v is not None})
    try:  # a missing key file or JWKS, or feedback without its keys: refused before listening
        auth = Authenticator(settings.auth)
        app_ = create_app(settings, loaded.tracking, InputLimits.from_collect(loaded.collect),
                          loaded.build.instruction, loaded.feedback, auth)
    except ClaimvlmError as err:
        fail(err, 2)
    if settings.auth.mode == "none":
        logging.getLogger("claimvlm.serve").warning(
            "serve.auth.mode is none: anyone who reaches %s:%d can read pages and send corrections",
            settings.host, settings.port)
    uvicorn.run(app_, **uvicorn_settings(settings))


def uvicorn_settings(settings: ServeParams) -> dict[str, object]:
    """How uvicorn runs the service: no access log of its own (it would log query strings; the
    service logs one line per request without them), idle keep-alive connections closed after 5 s,
    and a connection that has not sent its request headers within ``read_timeout_s`` closed."""
    from claimvlm.serving.hardening import HeaderTimeoutProtocol

    return {"host": settings.host, "port": settings.port, "log_level": "info", "access_log": False,
            "timeout_keep_alive": 5, "http": HeaderTimeoutProtocol.with_timeout(settings.read_timeout_s),
            "server_header": False, "limit_concurrency": 1024}


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


def api_key_new(
    subject: Annotated[str, typer.Option(help="who holds the key (a pseudonymous id: it is logged)")],
    scope: Annotated[list[str], typer.Option(help="extract, review, review:senior, metrics; repeat for more")],
    params: ParamsOpt = Path("params.yaml"),
    set_: SetOpt = None,
) -> None:
    """Make an API key for serve.auth.mode api_keys: printed once; only its hash is kept."""
    from claimvlm.errors import ClaimvlmError
    from claimvlm.serving.auth import new_api_key

    loaded = sections(ServeSections, params, set_)
    file = Path(loaded.serve.auth.api_keys_file)
    try:
        key = new_api_key(file, subject, scope)
    except ClaimvlmError as err:
        fail(err, 2)
    console.print(f"API key for {subject} ({', '.join(sorted(set(scope)))}), hash kept in {file}; "
                  "store it now, it is not shown again:", markup=False, style="bold")
    typer.echo(key)


def register(app: typer.Typer) -> None:
    app.command("serve-api", rich_help_panel=PANEL)(serve_api)
    keys = typer.Typer(no_args_is_help=True, help="API keys of the extraction service.")
    keys.command("new")(api_key_new)
    app.add_typer(keys, name="api-key", rich_help_panel=PANEL)
