# syntax=docker/dockerfile:1
# A Prefect worker with the project installed: it runs the flows of flows/pipelines.py as
# processes, and they run the DVC stages (`dvc repro --single-item STAGE`) in /opt/claimvlm.
# Built from the repository root (docker-compose.yml: context ..), twice: the CPU worker
# (pool claimvlm-process) with the CPU torch, the GPU worker (pool claimvlm-gpu) with a CUDA
# torch and bitsandbytes (QLoRA), chosen by the build arguments below.
#
# The project is installed the way the README's set-up (Makefile `setup`) installs it: the
# Debian packages through infra/system-deps.sh, torch first and alone (TORCH_VERSION, as the
# Makefile's), then `pip install --constraint constraints.txt -e '.[dev]'` (the lock), whose torch
# range that build satisfies.
ARG PREFECT_VERSION=3.9.1
ARG PYTHON_VERSION=3.11
FROM prefecthq/prefect:${PREFECT_VERSION}-python${PYTHON_VERSION}

ARG PREFECT_VERSION
ARG TORCH_VERSION=2.13.0
# The CPU build by default; https://pypi.org/simple gives the CUDA build (Linux x86_64).
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
# More packages for this image, e.g. "bitsandbytes==0.50.2" on the GPU worker.
ARG EXTRA_PACKAGES=""
# The DVC remote the flows push to (`dvc push` after a run), e.g. s3://claimvlm-dvc/store, and
# its endpoint for a non-AWS S3 such as MinIO. Written to .dvc/config.local; empty: keep the
# checkout's remote.
ARG DVC_REMOTE_URL=""
ARG DVC_REMOTE_ENDPOINT=""

ENV NO_ALBUMENTATIONS_UPDATE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONUNBUFFERED=1

WORKDIR /opt/claimvlm

# Hangul fonts and Tesseract with Korean (the renderer, the OCR baseline in `evaluate`).
COPY infra/system-deps.sh infra/system-deps.sh
RUN bash infra/system-deps.sh --require fonts,ocr && rm -rf /var/lib/apt/lists/*

# torch first and on its own, so the project's install never swaps in another build.
RUN python -m pip install --upgrade pip \
 && python -m pip install "torch==${TORCH_VERSION}" --index-url "${TORCH_INDEX_URL}"

COPY . .
# prefect is pinned to the base image's version so that the project's install cannot move it.
RUN python -m pip install --constraint constraints.txt -e '.[dev]' "prefect==${PREFECT_VERSION}" ${EXTRA_PACKAGES} \
 && python -c "import torch, prefect, claimvlm.cli; print('torch', torch.__version__)"

# No .git in the image (.dockerignore): DVC runs without an SCM here; the remote is set locally.
RUN dvc config --local core.no_scm true \
 && if [ -n "${DVC_REMOTE_URL}" ]; then \
      dvc remote add --local --default --force claimvlm "${DVC_REMOTE_URL}"; \
      if [ -n "${DVC_REMOTE_ENDPOINT}" ]; then \
        dvc remote modify --local claimvlm endpointurl "${DVC_REMOTE_ENDPOINT}"; \
      fi; \
    fi

# docker-compose.yml gives the command: prefect worker start --pool POOL --type process
CMD ["prefect", "worker", "start", "--pool", "claimvlm-process", "--type", "process"]
