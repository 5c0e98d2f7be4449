#!/usr/bin/env bash
# One-shot GPU profile on a lent device machine (one NVIDIA H200, no network, python3 = its torch).
#
#     bash benchmarks/gpu_device.sh [extra gpu_profile.py arguments]   # from anywhere in the repo
#
# What the machine lacks travels beside the tree (both ignored through .git/info/exclude, both
# named in the run's carry):
#   .whl/       the packages the run imports that the image does not have, as cp312 manylinux
#               wheels pinned as in constraints.txt: pydantic (+ pydantic_core, annotated-types,
#               typing-inspection, typing_extensions 4.16 which pydantic needs), webdataset
#               (+ braceexpand), albumentations (+ albucore, simsimd, stringzilla), and peft
#               0.21.2 (the image's peft version is unknown); installed to /tmp/site, no index;
#   .gpufonts/  nanum.tar.xz: the four Nanum fonts the synth stage asks for (Debian's
#               fonts-nanum, OFL; its copyright file inside), found through CLAIMVLM_FONT_DIRS.
# The project is not pip-installed: /tmp/site/claimvlm is a link to tasks/ (pyproject's package
# map; claimvlm.flows is not needed here). Figures go to $OUT/gpu_profile.json (rewritten after
# every phase, so a run cut short keeps what it measured), the whole log to $OUT/gpu_profile.log.
# Extra arguments go after the defaults below (argparse: the last one wins).
# GPU_PROFILE_TIMEOUT (seconds, default 420) caps gpu_profile.py itself.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
OUT="${OUT:-/tmp/gpu_out}"
mkdir -p "$OUT"
SITE=/tmp/site
FONTS=/tmp/gpufonts

main() {
    PIP_ROOT_USER_ACTION=ignore python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir \
        --upgrade --target "$SITE" .whl/*.whl || { echo "wheel install failed"; return 1; }
    ln -sfn "$PWD/tasks" "$SITE/claimvlm"
    mkdir -p "$FONTS"
    python3 -c 'import sys, tarfile; t = tarfile.open(sys.argv[1])
t.extraction_filter = getattr(tarfile, "data_filter", None); t.extractall(sys.argv[2])' \
        .gpufonts/nanum.tar.xz "$FONTS" || { echo "font unpack failed"; return 1; }

    export PYTHONPATH="$SITE" CLAIMVLM_FONT_DIRS="$FONTS" PYTHONUNBUFFERED=1 \
        HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1 NO_ALBUMENTATIONS_UPDATE=1

    nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used,clocks.sm,clocks.max.sm --format=csv 2>&1 \
        | head -3
    # Preflight, seconds: every package the run needs imports (and from where), the fonts draw Hangul.
    python3 - <<'EOF' || { echo "preflight failed"; return 1; }
import importlib, sys
print("python", sys.version.split()[0], sys.executable)
for name in ("torch", "transformers", "peft", "accelerate", "tokenizers", "huggingface_hub", "numpy", "pydantic",
             "webdataset", "albumentations", "cv2", "PIL", "claimvlm"):
    m = importlib.import_module(name)
    print(f"{name:16s} {getattr(m, '__version__', '-'):14s} {getattr(m, '__file__', '')}")
import torch
print("cuda", torch.cuda.is_available(), torch.version.cuda,
      torch.cuda.get_device_name() if torch.cuda.is_available() else "")
from claimvlm.synthesis.fonts import require_hangul
for font in ("NanumMyeongjoBold", "NanumGothic", "NanumBarunGothic", "NanumMyeongjo"):
    print("font", require_hangul(font))
EOF

    timeout -k 15 "${GPU_PROFILE_TIMEOUT:-420}" python3 benchmarks/gpu_profile.py \
        --steps 10 --docs 32 --pages 8 --max-new-tokens 128 --read-batch 8 \
        --out "$OUT/gpu_profile.json" "$@"
    local rc=$?
    echo "gpu_profile exit $rc"
    return $rc
}

main "$@" 2>&1 | tee "$OUT/gpu_profile.log"
