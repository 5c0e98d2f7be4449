# syntax=docker/dockerfile:1
# The training image: the project on a CUDA base, with a CUDA torch and bitsandbytes (QLoRA).
# It is the image of the Kubernetes GPU pool's jobs (infra/k8s/gpu-work-pool.json: they run
# Prefect flow runs, which run the DVC stages) and runs `claimvlm` directly:
#
#   docker build -f infra/docker/train.Dockerfile -t REGISTRY/claimvlm-train:0.1.0 .
#   docker run --gpus all REGISTRY/claimvlm-train:0.1.0 train data/dataset models/train ...
#   # several GPUs, through the accelerate configs shipped in the image (infra/accelerate/):
#   docker run --gpus all --entrypoint accelerate REGISTRY/claimvlm-train:0.1.0 launch \
#     --config_file infra/accelerate/ddp.yaml --num_processes 8 -m claimvlm.cli train ...
#
# torch brings its own CUDA libraries (pip wheels); the base image provides the NVIDIA runtime
# settings. Its CUDA version must be one the hosts' driver supports.
ARG CUDA_IMAGE=nvidia/cuda:12.9.1-base-ubuntu24.04
FROM ${CUDA_IMAGE}

ARG PREFECT_VERSION=3.9.1
# As the Makefile's TORCH_VERSION; PyPI's Linux x86_64 wheel is the CUDA build.
ARG TORCH_VERSION=2.13.0
ARG TORCH_INDEX_URL=https://pypi.org/simple
# QLoRA's 4-bit NF4 quantisation (train.method: qlora); not a project dependency.
ARG BITSANDBYTES_VERSION=0.50.2
# As in worker.Dockerfile: the DVC remote the flows push to, written to .dvc/config.local.
ARG DVC_REMOTE_URL=""
ARG DVC_REMOTE_ENDPOINT=""

ENV DEBIAN_FRONTEND=noninteractive \
    NO_ALBUMENTATIONS_UPDATE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONUNBUFFERED=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:${PATH}

# Ubuntu 24.04's Python (3.12; the project needs >= 3.11) in a virtual environment.
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends python3 python3-venv ca-certificates \
 && python3 -m venv "${VIRTUAL_ENV}" \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/claimvlm

# Hangul fonts and Tesseract with Korean: train_pipeline runs evaluate (its OCR baseline) too.
COPY infra/system-deps.sh infra/system-deps.sh
RUN bash infra/system-deps.sh --require fonts,ocr && rm -rf /var/lib/apt/lists/*

# torch first and on its own (as the Makefile's set-up), so the project's install keeps it.
RUN python -m pip install --upgrade pip \
 && python -m pip install "torch==${TORCH_VERSION}" --index-url "${TORCH_INDEX_URL}"

# The whole project, infra/accelerate/ included (the launch configs, not copies of them).
COPY . .
# The project with its GPU extra (bitsandbytes, pinned here: the lock is CPU-only), editable like
# the workers' install so that deployments find flows/ at /opt/claimvlm, plus Prefect (to run flow
# runs). vLLM is not installed here: it pins its own torch and runs as its own server.
RUN python -m pip install --constraint constraints.txt -e ".[gpu]" "prefect==${PREFECT_VERSION}" "bitsandbytes==${BITSANDBYTES_VERSION}" \
 && test -f infra/accelerate/ddp.yaml \
 && python -c "import torch, bitsandbytes, prefect, claimvlm.cli; print('torch', torch.__version__, 'cuda', torch.version.cuda)"

# No .git in the image (.dockerignore): DVC runs without an SCM here.
RUN dvc config --local core.no_scm true \
 && if [ -n "${DVC_REMOTE_URL}" ]; then \
      dvc remote add --local --default --force claimvlm "${DVC_REMOTE_URL}"; \
      if [ -n "${DVC_REMOTE_ENDPOINT}" ]; then \
        dvc remote modify --local claimvlm endpointurl "${DVC_REMOTE_ENDPOINT}"; \
      fi; \
    fi

# Kubernetes jobs of the GPU pool set the container's command (/usr/bin/env) and pass Prefect's
# flow-run command as arguments, so this entrypoint does not get in their way.
ENTRYPOINT ["claimvlm"]
CMD ["--help"]
