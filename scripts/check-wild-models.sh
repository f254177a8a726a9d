#!/usr/bin/env bash
# Models from the wild (issue 33): exports ViT, swin_t, a TransformerEncoder text classifier, a UNet, Conv1d/Conv3d,
# GRU/LSTM classifiers, LeNet and shufflenets at opsets 11, 13 and 17, fixed batch and dynamic
# (scripts/gen-wild-models.py; up-to-date folders are kept), then checks each with test/models/wild.test.ts: whittle
# vs PyTorch at batch 1 and 3, onnxruntime on the converted file, gradients. Models whose ops whittle does not run
# yet are skipped, naming the op. Needs Debian's python3-torch and python3-torchvision.
#   bash scripts/check-wild-models.sh [FOLDER] [GENERATOR FLAGS]   (folder default: $WHITTLE_WILD_DIR, else
#   /tmp/whittle-wild; flags such as --force or --models lenet,vit go to the generator)
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${WHITTLE_WILD_DIR:-/tmp/whittle-wild}"
if [[ $# -gt 0 && "$1" != -* ]]; then
  dir="$1"
  shift
fi
python="${PYTHON:-/usr/bin/python3}"
"$python" scripts/gen-wild-models.py "$dir" "$@"
npm run --silent build:ts
WHITTLE_WILD_DIR="$dir" node --expose-gc --test --test-concurrency=1 --test-reporter=spec dist/test/models/wild.test.js
