"""Prefect flows over the DVC pipeline (installed as ``claimvlm.flows``): the only place Prefect
is imported.

Each Prefect task runs one DVC stage as ``dvc repro --single-item STAGE`` after a ``dvc status``
check, so `dvc repro` and Prefect stay two doors into one pipeline (dvc.yaml). The flows are in
``pipelines``, the task wrapper in ``stages``, deployments and serving in ``deploy``, and the
``claimvlm deploy``/``serve`` commands in ``command``.
"""
