"""A registered model loaded as data, not as code: the registry version's files are downloaded,
the claimvlm package inside them is checked file by file against its manifest's sha256 and loaded
with :func:`~claimvlm.model.package.load_trained` (safetensors, a weights-only int8 state dict).

MLflow's pyfunc flavour (``python_model.pkl``, cloudpickle) stays in every registered model for
MLflow users and the gate's smoke check, but the service and evaluation never unpickle it:
whoever can write the registry could otherwise run code in the service.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from claimvlm.model.package import MANIFEST, PackagingError, load_trained, read_prompt
from claimvlm.model.placement import Placement
from claimvlm.model.prompt import PromptSpec


def fetch_package(load_uri: str, dst: Path) -> Path:
    """Download ``load_uri`` (``models:/NAME/N``, ``models:/NAME@alias``, ``runs:/…``) under ``dst``;
    the package folder inside it (the outermost ``claimvlm_model.json``)."""
    import mlflow.artifacts

    root = Path(mlflow.artifacts.download_artifacts(artifact_uri=load_uri, dst_path=str(dst)))
    found = sorted(root.rglob(MANIFEST), key=lambda p: len(p.parts))
    if not found:
        raise PackagingError(f"{load_uri} holds no claimvlm package ({MANIFEST}): register models with "
                             "`claimvlm train`/`claimvlm gate`, which log the package with the model")
    return found[0].parent


def load_registered(load_uri: str, placement: Placement | None = None) -> tuple[Any, Any, PromptSpec]:
    """(model, processor, prompt) of a registry URI, through the package format. The downloaded
    files are removed once the weights are in memory."""
    scratch = Path(tempfile.mkdtemp(prefix="claimvlm-model-"))
    try:
        package = fetch_package(load_uri, scratch)
        model, processor = load_trained(package, placement=placement)
        return model, processor, read_prompt(package)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
