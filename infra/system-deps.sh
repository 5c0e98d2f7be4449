#!/usr/bin/env bash
# Installs the Debian packages claimvlm needs, where this user may: Hangul fonts (fonts-nanum)
# and the OCR baseline (tesseract-ocr + tesseract-ocr-kor).
# Usage: infra/system-deps.sh [--require fonts|fonts,ocr|chromium]  (chromium: only for `make screenshots`)
# Exits non-zero, with a message saying what to install, only when a required part is missing.
set -euo pipefail

require="fonts"
[[ "${1:-}" == "--require" ]] && require="${2:?--require needs a value}"

have_fonts() { compgen -G "/usr/share/fonts/truetype/nanum/NanumGothic*.ttf" >/dev/null \
  || { command -v fc-list >/dev/null && fc-list | grep -qi nanumgothic; }; }
have_ocr() { command -v tesseract >/dev/null && tesseract --list-langs 2>/dev/null | grep -qx kor; }
have_chromium() { command -v chromium >/dev/null; }

missing=()
have_fonts || missing+=(fonts-nanum)
have_ocr || missing+=(tesseract-ocr tesseract-ocr-kor)
[[ "$require" == *chromium* ]] && ! have_chromium && missing+=(chromium)
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo_cmd=""
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo_cmd="sudo"; else sudo_cmd="none"; fi
fi
if command -v apt-get >/dev/null && [[ "$sudo_cmd" != "none" ]]; then
  echo "system-deps: installing ${missing[*]} with apt-get"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "system-deps: missing ${missing[*]} and cannot install them here (need apt-get as root or passwordless sudo)."
  echo "system-deps: ask an administrator for: apt-get install ${missing[*]}"
  echo "system-deps: (fonts may also go in a folder named in synth.fonts.font_dirs or CLAIMVLM_FONT_DIRS)"
fi

status=0
if [[ "$require" == *fonts* ]] && ! have_fonts; then
  echo "system-deps: ERROR: no Hangul font (fonts-nanum); documents cannot be rendered." >&2; status=1
fi
if [[ "$require" == *ocr* ]] && ! have_ocr; then
  echo "system-deps: ERROR: Tesseract with Korean (tesseract-ocr-kor) is missing; the OCR tests need it." >&2; status=1
fi
if [[ "$require" == *chromium* ]] && ! have_chromium; then
  echo "system-deps: ERROR: Chromium (Debian package chromium) is missing; screenshots need it." >&2; status=1
fi
have_ocr || echo "system-deps: note: Tesseract (kor) missing; the OCR baseline will be unavailable."
exit $status
