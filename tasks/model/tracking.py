"""MLflow tracking: where runs go, what lineage every run carries, and the model it logs.

mlflow is imported inside the functions (``ClaimReader`` is built on first access): importing
it takes seconds and configures logging, and modules that merely import this one should pay
for neither.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import math
import os
import subprocess
import time
import warnings
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from claimvlm.model.params import TrackingParams

if TYPE_CHECKING:
    import pandas as pd

MAX_PARAM_CHARS = 6000  # mlflow.utils.validation.MAX_PARAM_VAL_LENGTH
MAX_KEY_CHARS = 250  # mlflow.utils.validation.MAX_ENTITY_KEY_LENGTH
# What the logged model imports when it loads and predicts, pinned to this environment.
_RUNTIME_PACKAGES = ("mlflow", "torch", "transformers", "tokenizers", "peft", "safetensors", "accelerate",
                     "pillow", "pandas", "numpy", "pydantic", "pyyaml")


def configure(params: TrackingParams) -> str:
    """Point MLflow at the store and experiment; returns the tracking URI in use.

    A new experiment on a local store (sqlite, file) gets ``artifact_root`` as its absolute
    artifact location, so artifacts never land in whatever ``./mlruns`` the cwd happens to have.
    """
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    import mlflow

    uri = os.environ.get("MLFLOW_TRACKING_URI") or params.uri
    if uri.startswith("sqlite:///"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(uri)
    client = MlflowClient(uri)
    if client.get_experiment_by_name(params.experiment) is None:
        local = uri.startswith(("sqlite:", "file:")) or "://" not in uri
        location = Path(params.artifact_root).absolute().as_uri() if local else None
        try:
            client.create_experiment(params.experiment, artifact_location=location)
        except MlflowException:  # another process created it meanwhile
            if client.get_experiment_by_name(params.experiment) is None:
                raise
    mlflow.set_experiment(params.experiment)
    return uri


def _git(repo_root: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=repo_root, capture_output=True, text=True, timeout=30,
                             check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout if out.returncode == 0 else None


def dvc_md5(folder: Path, repo_root: Path | None = None) -> str:
    """The md5 ``dvc add`` and ``dvc.lock`` record for a folder (``<md5 of its listing>.dir``),
    from DVC's own tree builder run in memory (nothing is written to any cache), skipping what
    the ``.dvcignore`` files of the DVC project at ``repo_root`` exclude, as DVC does."""
    from dvc.ignore import DvcIgnoreFilter
    from dvc_data.hashfile.build import build
    from dvc_data.hashfile.db import HashFileDB
    from dvc_objects.fs import MemoryFileSystem
    from dvc_objects.fs.local import LocalFileSystem

    folder, fs = Path(folder).absolute(), LocalFileSystem()
    root = Path(repo_root).absolute() if repo_root is not None else folder.parent
    ignore = DvcIgnoreFilter(fs, str(root if folder.is_relative_to(root) else folder.parent))
    odb = HashFileDB(MemoryFileSystem(), "memory://claimvlm-lineage")
    _, _, obj = build(odb, str(folder), fs, "md5", dry_run=True, ignore=ignore)
    return str(obj.hash_info.value)


def lineage_tags(*, repo_root: Path, dataset_dir: Path, params_dump: dict[str, Any]) -> dict[str, str]:
    """Tags that pin what produced a run: the code commit (and whether the tree was dirty), the
    parameters' hash and the dataset's DVC hash (the value dvc.lock holds for that data)."""
    commit = _git(repo_root, "rev-parse", "HEAD")
    status = _git(repo_root, "status", "--porcelain") if commit else None
    canonical = json.dumps(params_dump, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                           default=str)
    return {
        "git.commit": commit.strip() if commit else "unknown",
        "git.dirty": "unknown" if status is None else str(bool(status.strip())).lower(),
        "params.hash": hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
        "dataset.dvc_md5": dvc_md5(dataset_dir, repo_root),
        "dataset.path": str(Path(dataset_dir).absolute()),
    }


def flatten(params: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested dicts to dotted keys; values as text, cut to MLflow's length limit."""
    flat: dict[str, str] = {}
    for key, value in params.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, f"{name}."))
            continue
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        if len(text) > MAX_PARAM_CHARS:
            text = text[:MAX_PARAM_CHARS - 3] + "..."
        flat[name[:MAX_KEY_CHARS]] = text
    return flat


def pip_requirements() -> list[str]:
    """The logged model's pinned requirements, listed so MLflow skips its slow inference."""
    reqs = []
    for name in _RUNTIME_PACKAGES:
        try:
            reqs.append(f"{name}=={version(name).split('+')[0]}")  # "2.13.0+cpu": the index decides
        except PackageNotFoundError:
            continue
    return reqs


class RunLogger:
    """One MLflow run as a context manager: params, buffered step metrics, artifacts, the model.

    Step metrics go out in one ``log_batch`` every ``flush_every`` steps and at the end: on a
    SQLite store each call is a transaction of a few milliseconds. A body that raises ends the
    run FAILED, after flushing what it had logged.
    """

    def __init__(self, params: TrackingParams, *, run_name: str | None = None,
                 tags: Mapping[str, str] | None = None, flush_every: int = 50, nested: bool = False,
                 run_id: str | None = None) -> None:
        self.params, self.run_name, self.tags, self.nested = params, run_name, dict(tags or {}), nested
        self.resume_id = run_id  # continue this run (a resumed training) instead of starting one
        self.flush_every = max(1, flush_every)
        self.run_id = ""
        self._pending: list[Any] = []
        self._steps = 0
        self._client: Any = None

    def __enter__(self) -> Self:
        from mlflow.tracking import MlflowClient

        import mlflow

        self._client = MlflowClient(configure(self.params))
        if self.resume_id:
            run = mlflow.start_run(run_id=self.resume_id, nested=self.nested)
            mlflow.set_tags(self.tags)
        else:
            run = mlflow.start_run(run_name=self.run_name, tags=self.tags, nested=self.nested)
        self.run_id = run.info.run_id
        return self

    def __exit__(self, kind: type[BaseException] | None, err: BaseException | None,
                 tb: TracebackType | None) -> None:
        import mlflow

        try:
            self.flush()
        finally:
            failed = "KILLED" if kind is not None and issubclass(kind, KeyboardInterrupt) else "FAILED"
            mlflow.end_run(status="FINISHED" if kind is None else failed)

    def log_params(self, params: Mapping[str, Any]) -> None:
        from mlflow.entities import Param

        flat = [Param(k, v) for k, v in flatten(params).items()]
        for i in range(0, len(flat), 100):  # MLflow's limit per batch
            self._client.log_batch(self.run_id, params=flat[i:i + 100])

    def log_step(self, step: int, metrics: Mapping[str, float]) -> None:
        """Buffer one step's metrics. Non-finite values are dropped: a diverged step is reported by
        the training loop's exception, and NaN does not survive every store's JSON transport."""
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        self._pending += [Metric(k, float(v), now, step) for k, v in metrics.items() if math.isfinite(v)]
        self._steps += 1
        if self._steps % self.flush_every == 0:
            self.flush()

    def flush(self) -> None:
        pending, self._pending = self._pending, []
        for i in range(0, len(pending), 1000):  # MLflow's limit per batch
            self._client.log_batch(self.run_id, metrics=pending[i:i + 1000])

    def log_artifacts(self, path: Path, artifact_path: str | None = None) -> None:
        import mlflow

        log = mlflow.log_artifacts if Path(path).is_dir() else mlflow.log_artifact
        log(str(path), artifact_path)

    def log_model(self, model_dir: Path, *, name: str = "model") -> str:
        """Log a package (claimvlm.model.package) as a pyfunc model; returns its model URI."""
        return log_reader(model_dir, name=name)


def log_reader(model_dir: Path, *, name: str = "model") -> str:
    """Log a package as a :class:`ClaimReader` in the active run; returns the URI that
    ``mlflow.pyfunc.load_model`` takes. The package's files and the library's code (as the
    ``claimvlm`` package: its folder in the repository is ``tasks/``) travel with the model, so a
    serving host needs only the pinned packages."""
    import shutil
    import tempfile

    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, ParamSchema, ParamSpec, Schema

    import claimvlm
    import mlflow

    reader = claim_reader()
    # No input schema: it would reject the image column's mix of bytes, base64 text and paths.
    params = ParamSchema([ParamSpec("max_new_tokens", "long", reader.max_new_tokens)])
    with warnings.catch_warnings(), tempfile.TemporaryDirectory() as scratch:
        # MLflow copies a code path under its folder's name: the import name, not the folder's.
        code = shutil.copytree(Path(claimvlm.__file__).parent, Path(scratch) / "claimvlm",
                               ignore=shutil.ignore_patterns("__pycache__"))
        warnings.filterwarnings("ignore", message=".*input example was not provided", category=UserWarning)
        info = mlflow.pyfunc.log_model(
            name=name, python_model=reader(), artifacts={"model": str(Path(model_dir).absolute())},
            code_paths=[str(code)], pip_requirements=pip_requirements(),
            signature=ModelSignature(outputs=Schema([ColSpec("string")]), params=params))
    return str(info.model_uri)


def _image(value: Any) -> Any:
    """A page from PNG/JPEG bytes, base64 text or a file path."""
    from PIL import Image

    if isinstance(value, str) and not Path(value).is_file():
        try:
            value = base64.b64decode(value, validate=True)
        except ValueError as err:
            raise ValueError(f"image {value[:60]!r} is neither an existing file nor base64 text") from err
    if isinstance(value, (bytes, bytearray, memoryview)):
        value = io.BytesIO(bytes(value))
    with Image.open(value) as image:
        return image.convert("RGB")


def _reader_class() -> type:
    import pandas as pd
    from mlflow.pyfunc import PythonModel

    class ClaimReader(PythonModel):
        """Page images in, JSON answers out: a packaged model behind MLflow's pyfunc interface.

        ``model`` and ``processor`` stay reachable (``loaded.unwrap_python_model().model``) so
        evaluation scores the very weights serving uses. ``max_new_tokens`` is the default answer
        length; ``predict(..., params={"max_new_tokens": n})`` overrides it per call.
        """

        max_new_tokens: int = 512

        def load_context(self, context: Any) -> None:
            from claimvlm.model.package import load_trained, read_prompt

            self.model, self.processor = load_trained(Path(context.artifacts["model"]))
            self.prompt = read_prompt(Path(context.artifacts["model"]))

        def predict(self, context: Any, model_input: pd.DataFrame,
                    params: dict[str, Any] | None = None) -> list[str]:
            from claimvlm.model.reading import generate_json

            limit = int((params or {}).get("max_new_tokens") or self.max_new_tokens)
            asked = model_input["instruction"] if "instruction" in model_input else [None] * len(model_input)
            answers = []
            for value, instruction in zip(model_input["image"], asked, strict=True):
                page = _image(value)
                # The model's own prompt (read_prompt: instruction + the page's OCR anchor when it
                # was trained with anchoring) unless the caller gives the whole user text.
                text = instruction if isinstance(instruction, str) and instruction else self.prompt.text_for(page)
                answers += generate_json(self.model, self.processor, [page], text, max_new_tokens=limit)
            return answers

        # The real class, not the postponed string: mlflow resolves the hint when the class is made,
        # and a DataFrame hint means "no type-hint validation" (the image column is mixed on purpose).
        predict.__annotations__["model_input"] = pd.DataFrame

    ClaimReader.__qualname__ = "ClaimReader"  # importable by name: pickles as a reference, not code
    return ClaimReader


def claim_reader() -> type:
    """The ClaimReader class, also importable as ``claimvlm.model.tracking.ClaimReader``."""
    if "ClaimReader" not in globals():
        globals()["ClaimReader"] = _reader_class()
    return globals()["ClaimReader"]


def __getattr__(name: str) -> Any:
    if name == "ClaimReader":
        return claim_reader()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
