"""Prefect flows over the library in ``tasks/``: the only place Prefect is imported.

Each Prefect task will run exactly one DVC stage's library function, so `dvc repro` and
Prefect stay two doors into one pipeline (dvc.yaml). The flows arrive with the
orchestration issue; until then the pipeline runs through `make run` (`dvc repro`).
"""
