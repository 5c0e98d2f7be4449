"""The MLflow model registry with aliases (stages are deprecated in MLflow 3).

Aliases of the registered model (``TrackingParams.registered_model``):

* ``champion``: what serving loads (``models:/NAME@champion``).
* ``previous``: the champion it replaced, i.e. where :func:`rollback` goes; absent when none.
* ``challenger``: the version most recently put forward by :func:`promote` (set *before*
  ``champion``) or by :func:`start_canary`. ``challenger == champion`` after a completed
  promotion; a ``challenger`` that is not the champion is a canary (services with
  ``serve.canary_share`` send it that share of traffic) or an interrupted promotion. A rollback
  withdraws ``challenger`` when it names the version rolled back: that version never serves again
  by accident.

Every gate decision is registered, rejected ones too: a version tagged ``gate.promote=false``
with its reasons is the audit trail of what was evaluated and why it was not promoted, with its
lineage to reproduce it. A rejected version gets no alias (an alias names one version, so a
``rejected`` alias would only ever show the latest) and :func:`promote` refuses it unless
``force=True``; find them with ``search_model_versions("name='NAME' and tags.`gate.promote`='false'")``.

MLflow keeps no alias history and its alias writes are last-writer-wins upserts with no
compare-and-set. So the version tags carry the history (``replaced_version``, ``promoted_at``,
``promotion_reason``, ``rolled_back_from``/``rolled_back_to``, ``rollback_reason``), the
registered model's ``history`` tag keeps a JSON list of the last events, and :func:`promote` and
:func:`rollback` run under a file lock, re-read ``champion`` there and refuse
(:class:`ChampionMoved`) when it is no longer what the caller's gate compared against. The lock
serializes every promoter that uses the same ``lock_path`` on one host or a filesystem with
working locks; it cannot stop a writer that skips it (the MLflow UI, another host).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from claimvlm.errors import ClaimvlmError
from claimvlm.registry.gate import Decision

if TYPE_CHECKING:
    from mlflow.tracking import MlflowClient

CHAMPION, PREVIOUS, CHALLENGER = "champion", "previous", "challenger"
LINEAGE = ("git.commit", "dataset.dvc_md5", "params.hash")
HISTORY_TAG, HISTORY_KEEP = "history", 100
LOCK_TIMEOUT_S = 120.0
_MAX_TAG = 5000


class RegistryError(ClaimvlmError, RuntimeError):
    """A registry operation was refused; nothing was changed."""


class ChampionMoved(RegistryError):
    def __init__(self, name: str, expected: str | None, actual: str | None) -> None:
        self.expected, self.actual = expected, actual
        super().__init__(f"{name}: champion is now {_v(actual)}, not {_v(expected)} as the gate saw; "
                         "re-run the gate against the current champion")


class NothingToRollBack(RegistryError):
    pass


class NotApproved(RegistryError):
    pass


@dataclass(frozen=True)
class Promotion:
    """One event of the audit trail: what moved, why, who or what moved it, on what evidence."""

    name: str
    action: Literal["promote", "rollback", "canary_start", "canary_end"]
    champion: str | None  # the champion afterwards (None: a first champion was withdrawn)
    replaced: str | None  # the champion before
    previous: str | None  # the ``previous`` alias afterwards
    reason: str
    at: str  # UTC, ISO 8601
    actor: str = "unknown"  # e.g. "gate", "monitor:live-quality", "user:kim" (who ran the command)
    evidence: dict[str, Any] | None = None  # metrics and sample counts the decision rested on
    challenger: str | None = None  # the canary version, for canary events


def _v(version: str | None) -> str:
    return "none" if version is None else f"v{version}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _registered(client: MlflowClient, name: str) -> Any:
    from mlflow.exceptions import MlflowException

    try:
        return client.get_registered_model(name)
    except MlflowException as err:
        if err.error_code == "RESOURCE_DOES_NOT_EXIST":
            return None
        raise


def _aliases(client: MlflowClient, name: str) -> dict[str, str]:
    model = _registered(client, name)
    return {} if model is None else {alias: str(v) for alias, v in model.aliases.items()}


def champion_version(client: MlflowClient, name: str) -> str | None:
    """The version ``champion`` points at, or None (no such alias, or no such model)."""
    return _aliases(client, name).get(CHAMPION)


def _ensure_model(client: MlflowClient, name: str) -> None:
    from mlflow.exceptions import MlflowException

    try:
        client.create_registered_model(name)
    except MlflowException as err:
        if err.error_code not in ("RESOURCE_ALREADY_EXISTS", "ALREADY_EXISTS"):
            raise


def register_candidate(client: MlflowClient, name: str, model_uri: str, *, run_id: str, decision: Decision,
                       report: str, tags: Mapping[str, str] | None = None) -> str:
    """Register ``model_uri`` (``run.json``'s ``model_uri``) as a new version of ``name``, tagged
    with the gate decision, the run's lineage and the evaluation ``report`` (path or URI);
    returns the version. Raises ValueError, registering nothing, when the run lacks lineage.
    MLflow's SQL registry resolves a ``models:/m-...`` source through the *global* tracking URI,
    so call ``tracking.configure`` (or ``mlflow.set_tracking_uri``) for the client's store first."""
    run_tags = client.get_run(run_id).data.tags
    missing = [k for k in LINEAGE if not run_tags.get(k)]
    if missing:
        raise ValueError(f"run {run_id} lacks the lineage tags {missing}: it cannot be traced to its "
                         "code, data and parameters, so it is not registered")
    version_tags = {
        **dict(tags or {}),
        **{k: run_tags[k] for k in (*LINEAGE, "git.dirty", "prompt.anchoring") if k in run_tags},
        "gate.promote": str(decision.promote).lower(),
        "gate.reasons": json.dumps(list(decision.reasons), ensure_ascii=False),
        "gate.failed": json.dumps([asdict(c) for c in decision.failed()], ensure_ascii=False),
        "report": report,
    }
    _ensure_model(client, name)
    found = re.fullmatch(r"models:/(m-[^/@]+)", model_uri)  # an MLflow 3 logged model's URI
    mv = client.create_model_version(name, model_uri, run_id=run_id, tags=version_tags,
                                     model_id=found.group(1) if found else None)
    return str(mv.version)


def _lock(lock_path: Path) -> Any:
    from filelock import FileLock

    Path(lock_path).parent.mkdir(parents=True, exist_ok=True)
    return FileLock(str(lock_path), timeout=LOCK_TIMEOUT_S)


def _set_alias(client: MlflowClient, name: str, alias: str, version: str | None, current: str | None) -> None:
    if version is not None:
        client.set_registered_model_alias(name, alias, version)
    elif current is not None:
        client.delete_registered_model_alias(name, alias)


def _record(client: MlflowClient, name: str, event: Promotion) -> Promotion:
    """Append the event to the registered model's history tag (under the caller's lock)."""
    model = _registered(client, name)
    history = json.loads(model.tags.get(HISTORY_TAG, "[]")) if model is not None else []
    entry = {**asdict(event), "reason": event.reason[:500]}
    if event.evidence is not None and len(json.dumps(event.evidence)) > 2000:
        entry["evidence"] = {"truncated": True}  # the version's tags keep it whole
    version = event.challenger if event.action.startswith("canary") else (event.champion or event.replaced)
    if version is not None:  # visible on the model version in the MLflow UI
        client.set_model_version_tag(name, version, f"audit.{event.action}.{event.at.replace('+00:00', 'Z')}",
                                     json.dumps({"actor": event.actor, "reason": event.reason[:1000],
                                                 "evidence": event.evidence}, ensure_ascii=False)[:_MAX_TAG])
    client.set_registered_model_tag(name, HISTORY_TAG, json.dumps((history + [entry])[-HISTORY_KEEP:],
                                                                  ensure_ascii=False))
    return event


def history(client: MlflowClient, name: str) -> list[dict[str, Any]]:
    """The recorded promotions and rollbacks, oldest first (the last HISTORY_KEEP)."""
    model = _registered(client, name)
    return [] if model is None else json.loads(model.tags.get(HISTORY_TAG, "[]"))


def promote(client: MlflowClient, name: str, version: str, *, expected_champion: str | None, lock_path: Path,
            reason: str, force: bool = False, actor: str = "unknown",
            evidence: dict[str, Any] | None = None) -> Promotion:
    """Make ``version`` the champion, if the champion is still ``expected_champion`` (the one the
    gate compared against; None: there was none). Sets ``challenger``, moves ``previous`` to the
    old champion, then ``champion``; tags the version ``replaced_version``, ``promoted_at`` and
    ``promotion_reason``. Raises ChampionMoved, NotApproved (gate said no; ``force`` overrides)."""
    version = str(version)
    expected = None if expected_champion is None else str(expected_champion)
    with _lock(lock_path):
        aliases = _aliases(client, name)
        current = aliases.get(CHAMPION)
        if current != expected:
            raise ChampionMoved(name, expected, current)
        mv = client.get_model_version(name, version)
        if mv.tags.get("gate.promote") != "true" and not force:
            raise NotApproved(f"{name} v{version} was not approved by the gate "
                              f"(gate.promote={mv.tags.get('gate.promote')!r}); pass force=True to override")
        if current == version:
            raise RegistryError(f"{name} v{version} is already the champion")
        at = _now()
        client.set_registered_model_alias(name, CHALLENGER, version)
        for key, value in (("promoted_at", at), ("promotion_reason", reason[:_MAX_TAG])):
            client.set_model_version_tag(name, version, key, value)
        if current is not None:
            client.set_model_version_tag(name, version, "replaced_version", current)
        elif "replaced_version" in mv.tags:  # promoted again after its first term was withdrawn
            client.delete_model_version_tag(name, version, "replaced_version")
        _set_alias(client, name, PREVIOUS, current, aliases.get(PREVIOUS))
        client.set_registered_model_alias(name, CHAMPION, version)
        return _record(client, name, Promotion(name, "promote", version, current, current, reason, at, actor,
                                               evidence, version))


def rollback(client: MlflowClient, name: str, *, reason: str, lock_path: Path,
             expected_champion: str | None = None, allow_empty: bool = False, actor: str = "unknown",
             evidence: dict[str, Any] | None = None) -> Promotion:
    """Move ``champion`` back to the version the current one replaced (its ``replaced_version``
    tag) and ``previous`` to the one that one replaced; tag both with the reason.

    ``expected_champion``: refuse (ChampionMoved) unless the champion is still this version.
    With nothing to go back to it raises NothingToRollBack, unless ``allow_empty``: then the
    ``champion`` alias is removed, restoring the registry's state before a first promotion."""
    with _lock(lock_path):
        aliases = _aliases(client, name)
        current = aliases.get(CHAMPION)
        if current is None:
            raise NothingToRollBack(f"{name} has no champion; there is nothing to roll back")
        if expected_champion is not None and current != str(expected_champion):
            raise ChampionMoved(name, str(expected_champion), current)
        target = client.get_model_version(name, current).tags.get("replaced_version")
        if target is None and not allow_empty:
            raise NothingToRollBack(f"{name} champion v{current} replaced no earlier version; there is nothing "
                                    "to roll back to (promote another version instead)")
        at, why = _now(), reason[:_MAX_TAG]
        for key, value in (("rollback_reason", why), ("rolled_back_at", at), ("rolled_back_to", target or "none")):
            client.set_model_version_tag(name, current, key, value)
        after = None
        if target is not None:
            after = client.get_model_version(name, target).tags.get("replaced_version")
            for key, value in (("rollback_reason", why), ("rolled_back_from", current)):
                client.set_model_version_tag(name, target, key, value)
        _set_alias(client, name, CHAMPION, target, current)
        _set_alias(client, name, PREVIOUS, after, aliases.get(PREVIOUS))
        if aliases.get(CHALLENGER) == current:
            client.delete_registered_model_alias(name, CHALLENGER)
        return _record(client, name, Promotion(name, "rollback", target, current, after, reason, at, actor,
                                               evidence))


def start_canary(client: MlflowClient, name: str, version: str, *, lock_path: Path, reason: str,
                 actor: str = "unknown", force: bool = False) -> Promotion:
    """Point ``challenger`` at a gate-approved ``version`` that is not the champion: services with
    ``serve.canary_share`` > 0 send it that share of traffic. Promotion stays an alias move of
    ``champion`` (:func:`promote`, blue-green); :func:`end_canary` withdraws it."""
    version = str(version)
    with _lock(lock_path):
        current = _aliases(client, name).get(CHAMPION)
        if current == version:
            raise RegistryError(f"{name} v{version} is the champion; a canary is another version")
        mv = client.get_model_version(name, version)
        if mv.tags.get("gate.promote") != "true" and not force:
            raise NotApproved(f"{name} v{version} was not approved by the gate; pass force=True to override")
        client.set_registered_model_alias(name, CHALLENGER, version)
        return _record(client, name, Promotion(name, "canary_start", current, current, None, reason, _now(), actor,
                                               None, version))


def end_canary(client: MlflowClient, name: str, *, lock_path: Path, reason: str, actor: str = "unknown",
               evidence: dict[str, Any] | None = None) -> Promotion:
    """Withdraw the canary (the ``challenger`` alias, when it is not the champion)."""
    with _lock(lock_path):
        aliases = _aliases(client, name)
        current, challenger = aliases.get(CHAMPION), aliases.get(CHALLENGER)
        if challenger is None or challenger == current:
            raise RegistryError(f"{name} has no canary running (challenger {_v(challenger)}, champion {_v(current)})")
        client.delete_registered_model_alias(name, CHALLENGER)
        return _record(client, name, Promotion(name, "canary_end", current, current, None, reason, _now(), actor,
                                               evidence, challenger))
