"""The ``tracking`` section: where runs and models are logged (the model layer's)."""

from __future__ import annotations

from pydantic import Field

from claimvlm.settings import Section


class TrackingParams(Section):
    """MLflow: where runs and models go. The embedded default is a SQLite store beside the project
    (the model registry needs a database); set ``uri`` to an ``http://`` mlflow server in production.
    $MLFLOW_TRACKING_URI, when set, wins over ``uri`` (MLflow's own convention)."""

    uri: str = "sqlite:///mlflow/mlflow.db"
    artifact_root: str = Field("mlflow/artifacts", description="new experiments' artifact location (local stores)")
    experiment: str = "claimvlm"
    registered_model: str = "claimvlm-reader"
    embed_base_max_mb: int = Field(
        2048, ge=0, description="a LoRA run's MLflow model carries its base weights up to this size, else a reference")
