"""The ``build`` stage: the VLM training dataset (conversation records, patient-grouped splits,
WebDataset shards, aspect buckets, dataset card)."""

from tasks.dataset.records import BuildError
from tasks.dataset.stage import BuildResult, build

__all__ = ["BuildError", "BuildResult", "build"]
