# The README's two commands: `make run` (the main job) and `make test` (the whole suite).
# Both set up what is missing first and are fast when nothing changed.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)
# Offline by design: no update checks or telemetry from the libraries at run time.
export NO_ALBUMENTATIONS_UPDATE := 1

.PHONY: run test test-fast setup lock system-deps gallery bench screenshots clean base

# The pseudonymisation key: $CLAIMVLM_PSEUDONYM_KEY when set (production: from a secret store),
# otherwise a random local key made once in .secrets/ (never committed).
KEY_FILE := .secrets/pseudonym.key

run: setup $(KEY_FILE)
	infra/system-deps.sh --require fonts,ocr
	CLAIMVLM_PSEUDONYM_KEY="$${CLAIMVLM_PSEUDONYM_KEY:-$$(cat $(KEY_FILE))}" dvc repro
	dvc push -q

$(KEY_FILE):
	@mkdir -p $(dir $@) && umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_hex(32))' > $@
	@echo "created a local pseudonymisation key in $@ (set CLAIMVLM_PSEUDONYM_KEY to use your own)"

test: setup
	infra/system-deps.sh --require fonts,ocr
	# One thread per worker: two workers on two cores, each running torch and Tesseract.
	OMP_NUM_THREADS=1 pytest -n 2 --durations=40

# The tier to run after every change: everything but the tests marked slow (a model trained for
# minutes) or system (real Prefect/DVC/S3 servers and subprocess pipelines).
test-fast: setup
	infra/system-deps.sh --require fonts,ocr
	OMP_NUM_THREADS=1 pytest -n 2 -m "not slow and not system"

setup: $(VENV)/.installed

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "claimvlm needs Python >= 3.11; set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# torch goes in first and on its own: left to the resolver, a plain range can pull a multi-GB
# CUDA build onto a CPU machine. Override TORCH_VERSION (or pre-install torch) on GPU machines.
TORCH_VERSION ?= 2.13.0

# Every other package comes at the version in constraints.txt (the lock: what the tests last
# passed with), so a fresh clone installs next month what it installs today. torch is not in it:
# its build depends on the machine (see TORCH_VERSION). `make lock` refreshes it.
LOCK := constraints.txt

# The rest is installed by uv (pinned, from PyPI) with the same lock: measured on 2 cores, 23 s
# against pip's 157 s for the same 280 packages at the same versions. torch stays pip's: pip takes
# the machine's local wheel, and uv keeps the torch already installed since the lock leaves it out.
UV_VERSION := 0.13.9

# --compile-bytecode: uv leaves the .pyc files out, and where PYTHONDONTWRITEBYTECODE is set (CI,
# containers) every process then compiles what it imports: each stage's `claimvlm` process spent
# seconds compiling great_expectations, pandas and the rest before doing any work.
$(VENV)/.installed: pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade "pip>=24"
	$(BIN)/python -c 'import torch' 2>/dev/null || $(BIN)/python -m pip install -q "torch==$(TORCH_VERSION)"
	$(BIN)/python -m pip install -q "uv==$(UV_VERSION)"
	$(BIN)/python -m uv pip install -q --compile-bytecode --python $(BIN)/python --constraint $(LOCK) -e '.[dev]'
	touch $@

# Re-resolve the newest versions pyproject.toml's ranges allow, in a scratch venv, and write them
# to the lock. Then run `make test` on the result before committing it.
lock: | $(BIN)/python
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install -q --upgrade "pip>=24"
	.lock-venv/bin/python -m pip install -q "torch==$(TORCH_VERSION)"
	.lock-venv/bin/python -m pip install -q '.[dev]'
	{ echo "# The lock: every dependency of claimvlm[dev] but torch, pinned (pip constraints; make lock)."; \
	  .lock-venv/bin/python -m pip freeze --all --exclude-editable | grep -viE '^(torch|claimvlm|pip)[= @]'; } > $(LOCK)
	rm -rf .lock-venv
	rm -f $(VENV)/.installed

# The pretrained tiny base that `make run` fine-tunes (models/base/claimvlm-tiny, committed): the
# train stage from random weights on BASE_DOCS synthetic documents of another seed than the
# pipeline's, with anchored prompts, for BASE_STEPS steps; then published with its card. On a GPU
# add BASE_SET='-S train.precision=bf16'. About 80 minutes on 2 cores (reading 1,200 pages with
# Tesseract ~15, training ~60).
BASE_DIR := models/base/claimvlm-tiny
BASE_WORK ?= build/base
BASE_DOCS ?= 1200
BASE_STEPS ?= 2400
BASE_SET ?=
base: setup
	infra/system-deps.sh --require fonts,ocr
	claimvlm synth $(BASE_WORK)/synth -S synth.num_docs=$(BASE_DOCS) -S synth.seed=1
	claimvlm build $(BASE_WORK)/synth $(BASE_WORK)/dataset -S "build.splits={train: 0.97, val: 0.03, test: 0.0}"
	claimvlm train $(BASE_WORK)/dataset $(BASE_WORK)/train --reports $(BASE_WORK)/reports \
	  -S train.model=tiny -S train.max_steps=$(BASE_STEPS) -S train.learning_rate=0.0015 \
	  -S train.warmup_steps=50 -S train.eval_every=300 -S train.checkpoint_every=300 \
	  -S train.early_stopping_patience=100 -S train.transcribe=0.3 \
	  -S tracking.uri=sqlite:///$(BASE_WORK)/mlflow.db \
	  -S tracking.artifact_root=$(BASE_WORK)/mlflow-artifacts $(BASE_SET)
	claimvlm publish-base $(BASE_WORK)/train/model $(BASE_DIR) --metrics $(BASE_WORK)/reports/metrics.json \
	  --recipe "make base BASE_DOCS=$(BASE_DOCS) BASE_STEPS=$(BASE_STEPS)" \
	  --data "$(BASE_DOCS) synthetic documents (synth.seed 1; the pipeline uses seed 0), OCR-anchored prompts"

gallery: setup
	claimvlm synth --gallery reports/synth_gallery.png

bench: setup
	python benchmarks/synth_throughput.py

# After `make run`: Prefect and MLflow servers on loopback, the nightly flow through Prefect, and
# headless-Chromium pictures of the deployments page and the registered model (docs/screenshots/).
screenshots: setup
	infra/system-deps.sh --require chromium
	python infra/screenshots.py

clean:
	rm -rf $(VENV) .lock-venv .pytest_cache .hypothesis
