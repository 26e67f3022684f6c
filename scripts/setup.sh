#!/usr/bin/env bash
# Sets up everything Koe needs on a fresh Debian machine with Python 3.11: Debian packages
# (a CJK font for Japanese word clouds, chromium for the browser test), a virtual
# environment in .venv and the pinned Python packages. Safe to rerun: it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo_cmd=""
if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
if ! ls /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc /usr/share/fonts/opentype/ipafont-gothic/ipag.ttf >/dev/null 2>&1; then
  ls /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc >/dev/null 2>&1 || need+=(fonts-noto-cjk)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need[*]}"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

python=${PYTHON:-python3.11}
command -v "$python" >/dev/null || { echo "setup: $python not found; Koe needs Python 3.11" >&2; exit 1; }
[ -x .venv/bin/python ] || "$python" -m venv .venv

stamp=.venv/.koe-installed
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing Python packages into .venv (about 2 minutes the first time)"
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  # torch first and pinned, so no resolver ever pulls a newer (CUDA) build.
  .venv/bin/python -m pip install -q --disable-pip-version-check torch==2.13.0
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[dev]"
  echo "$want" > "$stamp"
fi
# The default model's ONNX files are built from shipped weights + the committed adapter
# (about 20 s, skipped when up to date); nothing is downloaded.
scripts/build-models.sh
echo "setup: ready (.venv)"
