"""A registry client for commands: the configured MLflow store, and a session in which a refused
registry operation ends the command with its message (exit 1), nothing changed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from claimvlm.cli_common import fail, sections
from claimvlm.model.params import TrackingParams
from claimvlm.settings import Section

S = TypeVar("S", bound=Section)


def registry_client(tracking: TrackingParams) -> Any:
    """A client on the configured store (MLflow resolves models:/ URIs through the global URI)."""
    from mlflow.tracking import MlflowClient

    from claimvlm.model.tracking import configure

    return MlflowClient(configure(tracking))


@contextmanager
def registry_session(model: type[S], params: Path, set_: list[str] | None) -> Iterator[tuple[S, Any]]:
    """The command's sections (``model`` has a ``tracking`` field) and a registry client."""
    from claimvlm.registry.registry import RegistryError

    p = sections(model, params, set_)
    try:
        yield p, registry_client(p.tracking)  # type: ignore[attr-defined]
    except RegistryError as err:
        fail(err, 1)
