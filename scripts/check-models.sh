#!/usr/bin/env bash
# Real-model check of issues 3 and 33: exports the torchvision models with PyTorch (scripts/gen-torchvision-models.py;
# models already up to date are kept), then runs test/models/ on them: whittle's output and onnxruntime's on `whittle
# convert`'s file against PyTorch's, parameter and MAC counts, resnet50 import/export time, and the fixed-batch export
# of each (model-fixed.onnx, batch 1 baked in) imported, run at batch 2 and round-tripped.
# Needs Debian's python3-torch and python3-torchvision. Takes a few minutes and about 1 GB in the folder.
#   bash scripts/check-models.sh [FOLDER] [GENERATOR FLAGS]   (folder default: $WHITTLE_MODELS_DIR, else
#   /tmp/whittle-torchvision; flags such as --force, --float64, --models resnet18,resnet50 go to the generator)
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${WHITTLE_MODELS_DIR:-/tmp/whittle-torchvision}"
if [[ $# -gt 0 && "$1" != -* ]]; then
  dir="$1"
  shift
fi
python="${PYTHON:-/usr/bin/python3}"
"$python" scripts/gen-torchvision-models.py "$dir" "$@"
npm run --silent build:ts
WHITTLE_MODELS_DIR="$dir" node --expose-gc --test --test-concurrency=1 --test-reporter=spec dist/test/models/
