"""``claimvlm serve-api``: the extraction service (tasks.serving.app) under uvicorn.

``register(app)`` adds the command to a Typer app (tasks/cli.py wires it in)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from tasks.cli_common import ParamsOpt, SetOpt, _params


def register(app: typer.Typer) -> None:
    """Add ``serve-api`` to ``app``."""

    @app.command("serve-api")
    def serve_api(
        model_uri: Annotated[Optional[str], typer.Option(  # noqa: UP045 - typer needs Optional here
            "--model-uri", help="the model to serve; default models:/<tracking.registered_model>@champion")] = None,
        host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
        max_new_tokens: Annotated[int, typer.Option(help="longest answer, in tokens")] = 768,
        params: ParamsOpt = Path("params.yaml"),
        set_: SetOpt = None,
    ) -> None:
        """Serve POST /v1/extract (one page image in, JSON out), health checks and /metrics."""
        import uvicorn
        from PIL import Image

        from tasks.serving.app import ServeSettings, create_app
        from tasks.serving.inputs import InputLimits

        loaded = _params(params, set_)
        collect = loaded.collect
        Image.init()
        limits = InputLimits(max_bytes=collect.max_bytes, max_pixels=collect.max_pixels,
                             formats=tuple(collect.image_formats),
                             content_types=tuple(Image.MIME[f] for f in collect.image_formats))
        settings = ServeSettings(model_uri=model_uri, host=host, port=port, max_new_tokens=max_new_tokens,
                                 limits=limits)
        uvicorn.run(create_app(settings, loaded.tracking), host=settings.host, port=settings.port,
                    log_level="info")
