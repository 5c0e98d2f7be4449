"""``pipelines.yaml`` applied to a Prefect server (``claimvlm deploy``) or served from one process
(``claimvlm serve``). The server is whatever ``PREFECT_API_URL`` names (Prefect's own setting)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow as prefect_flow
from prefect.schedules import Cron

import claimvlm.flows.pipelines as pipelines_module
from claimvlm.orchestration import Deployment, Pipelines


def _schedules(d: Deployment) -> list[Any]:
    return [Cron(d.schedule.cron, timezone=d.schedule.timezone, active=d.schedule.active)] if d.schedule else []


def _parameters(d: Deployment, project: Path) -> dict[str, Any]:
    return {"project": str(project), **d.parameters}


def ensure_infrastructure(spec: Pipelines) -> dict[str, list[str]]:
    """Create the work pools that are missing (existing ones are left as they are: their base job
    templates may have been edited for production) and upsert the global concurrency limits."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound

    created: list[str] = []
    with get_client(sync_client=True) as client:
        for pool in spec.work_pools:
            try:
                client.read_work_pool(pool.name)
            except ObjectNotFound:
                client.create_work_pool(WorkPoolCreate(name=pool.name, type=pool.type, description=pool.description))
                created.append(pool.name)
        for name, limit in sorted(spec.concurrency_limits.items()):
            client.upsert_global_concurrency_limit_by_name(name=name, limit=limit)
    return {"work_pools_created": created, "concurrency_limits": sorted(spec.concurrency_limits)}


def deploy(spec: Pipelines, project: Path) -> dict[str, str]:
    """Create or update every deployment (deployment name -> id); the flows run from ``project``
    (a checkout on the worker's host: the process pools' pull step sets it as working directory)."""
    project = Path(project).resolve()
    ensure_infrastructure(spec)
    ids = {}
    for d in spec.deployments:
        source = prefect_flow.from_source(source=str(project), entrypoint=d.entrypoint)
        ids[d.name] = str(source.deploy(
            name=d.name, work_pool_name=d.work_pool, build=False, push=False, schedules=_schedules(d),
            parameters=_parameters(d, project), description=d.description or None, tags=list(d.tags),
            concurrency_limit=d.concurrency_limit, print_next_steps=False, ignore_warnings=True))
    return ids


def serve(spec: Pipelines, project: Path, *, limit: int | None = None) -> None:
    """Serve every deployment from this process (no work pool or worker): the single-machine set-up."""
    from prefect import serve as prefect_serve
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    project = Path(project).resolve()
    with get_client(sync_client=True) as client:
        for d in spec.deployments:
            try:
                found = client.read_deployment_by_name(f"{d.flow}/{d.name}")
            except ObjectNotFound:
                continue
            if found.work_pool_name:
                # A served deployment would inherit the work-pool one's pull steps and fail to start.
                raise ValueError(f"deployment {d.flow}/{d.name} exists on this server as a work-pool deployment "
                                 f"(pool {found.work_pool_name}, from `claimvlm deploy`); `claimvlm serve` would "
                                 "shadow it: delete it (`prefect deployment delete`) or serve against another server")
    ensure_infrastructure(spec.model_copy(update={"work_pools": ()}))
    runners = [getattr(pipelines_module, d.flow).to_deployment(
        name=d.name, schedules=_schedules(d), parameters=_parameters(d, project), description=d.description or None,
        tags=list(d.tags), concurrency_limit=d.concurrency_limit) for d in spec.deployments]
    prefect_serve(*runners, limit=limit, print_starting_message=False)
