"""A child process of the concurrent-promotion test (spawned: imports only what it needs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def contend(uri: str, name: str, version: str, expected: str, lock_path: str, barrier: Any, out: Any) -> None:
    from mlflow.tracking import MlflowClient

    from claimvlm.registry.registry import ChampionMoved, champion_version, promote

    client = MlflowClient(uri)
    champion_version(client, name)  # open the store before the start line: the race is on promote alone
    barrier.wait(timeout=120)
    try:
        promote(client, name, version, expected_champion=expected, lock_path=Path(lock_path),
                reason=f"race: v{version}")
        out.put((version, "promoted", None))
    except ChampionMoved as err:
        out.put((version, "moved", err.actual))
    except Exception as err:  # noqa: BLE001 - reported to the test, which fails on it
        out.put((version, "error", repr(err)))
