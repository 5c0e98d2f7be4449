# syntax=docker/dockerfile:1
# The extraction service: `claimvlm serve-api` (FastAPI under uvicorn) reading the registry's
# champion (models:/claimvlm-reader@champion at $MLFLOW_TRACKING_URI, loaded in the background,
# swapped when the alias moves). Built from the repository root:
#
#   docker build -f infra/docker/serve.Dockerfile -t REGISTRY/claimvlm-serve:0.1.0 .
#   docker build -f infra/docker/serve.Dockerfile --build-arg TORCH_INDEX_URL=https://pypi.org/simple \
#     -t REGISTRY/claimvlm-serve:0.1.0-gpu .          # a CUDA torch (infra/k8s/serve-gpu-patch.yaml)
#   docker run -p 8000:8000 -e MLFLOW_TRACKING_URI=http://mlflow:5000 REGISTRY/claimvlm-serve:0.1.0
#   docker run ... REGISTRY/claimvlm-serve:0.1.0 -S serve.device=cuda    # arguments go after the entrypoint's
#
# The project's own dependencies are the serving ones (FastAPI, uvicorn, python-multipart,
# prometheus-client, mlflow, transformers, peft), installed as the Makefile installs them: torch
# first and alone (TORCH_VERSION, as the Makefile's; the CPU build by default), then the project
# (without the dev extra). No Debian packages: serving renders no page and runs no OCR.
# The model's MLflow artifacts come through the MLflow server (proxied artifacts): no S3
# credentials here. tests/test_infra_serving.py checks the entrypoint against the CLI.
ARG PYTHON_VERSION=3.11
FROM python:${PYTHON_VERSION}-slim-bookworm

ARG TORCH_VERSION=2.13.0
# The CPU build by default; https://pypi.org/simple gives the CUDA build (Linux x86_64).
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu

# HF_HUB_OFFLINE: a model package loads from its own files (local_files_only); nothing is
# downloaded from the Hugging Face hub at run time.
ENV NO_ALBUMENTATIONS_UPDATE=1 \
    HF_HUB_OFFLINE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONUNBUFFERED=1

WORKDIR /opt/claimvlm

# torch first and on its own, so the project's install never swaps in another build.
RUN python -m pip install --upgrade pip \
 && python -m pip install "torch==${TORCH_VERSION}" --index-url "${TORCH_INDEX_URL}"

# Only what the service runs: the package and params.yaml (serve-api reads -p params.yaml, here
# /opt/claimvlm/params.yaml; -S serve.KEY=VALUE overrides it).
COPY pyproject.toml README.md params.yaml constraints.txt ./
COPY tasks tasks
COPY flows flows
# Installed, not editable, at the lock's versions: the source copy goes, so the check below
# imports the installed package (tasks/ is installed as claimvlm, flows/ as claimvlm.flows).
RUN python -m pip install --constraint constraints.txt . \
 && rm -rf tasks flows build *.egg-info \
 && python -c "import torch, fastapi, uvicorn, python_multipart, prometheus_client, mlflow, claimvlm.cli; print('torch', torch.__version__)" \
 && useradd --create-home --uid 1000 claimvlm \
 && install -d -o claimvlm -g claimvlm -m 0700 /var/lib/claimvlm

# Everything the service writes (the feedback store and its sealed pages) goes under
# $CLAIMVLM_STATE_DIR, a volume: the image's own filesystem can be mounted read-only.
ENV CLAIMVLM_STATE_DIR=/var/lib/claimvlm
VOLUME /var/lib/claimvlm
USER claimvlm
EXPOSE 8000
# Liveness only: readiness (/health/ready) waits for the model, which can take minutes.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://localhost:8000/health/live', timeout=5)"]
ENTRYPOINT ["claimvlm", "serve-api", "--host", "0.0.0.0", "--port", "8000"]
CMD []
