# The README's two commands: `make run` (the main job) and `make test` (the whole suite).
# Both set up what is missing first and are fast when nothing changed.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)
# Offline by design: no update checks or telemetry from the libraries at run time.
export NO_ALBUMENTATIONS_UPDATE := 1

.PHONY: run test setup system-deps gallery bench screenshots clean

# The pseudonymisation key: $CLAIMVLM_PSEUDONYM_KEY when set (production: from a secret store),
# otherwise a random local key made once in .secrets/ (never committed).
KEY_FILE := .secrets/pseudonym.key

run: setup $(KEY_FILE)
	infra/system-deps.sh --require fonts
	CLAIMVLM_PSEUDONYM_KEY="$${CLAIMVLM_PSEUDONYM_KEY:-$$(cat $(KEY_FILE))}" dvc repro
	dvc push -q

$(KEY_FILE):
	@mkdir -p $(dir $@) && umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_hex(32))' > $@
	@echo "created a local pseudonymisation key in $@ (set CLAIMVLM_PSEUDONYM_KEY to use your own)"

test: setup
	infra/system-deps.sh --require fonts,ocr
	# One thread per worker: two workers on two cores, each running torch and Tesseract.
	OMP_NUM_THREADS=1 pytest -n 2

setup: $(VENV)/.installed

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "claimvlm needs Python >= 3.11; set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# torch goes in first and on its own: left to the resolver, a plain range can pull a multi-GB
# CUDA build onto a CPU machine. Override TORCH_VERSION (or pre-install torch) on GPU machines.
TORCH_VERSION ?= 2.13.0

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -c 'import torch' 2>/dev/null || $(BIN)/python -m pip install -q "torch==$(TORCH_VERSION)"
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

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
	rm -rf $(VENV) .pytest_cache .hypothesis
