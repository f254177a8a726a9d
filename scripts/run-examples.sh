#!/usr/bin/env bash
# Runs every example in examples/ on small settings (QUICK=1), as CI does; each asserts its own outputs.
# Needs `npm run build` first (the examples are compiled to dist/examples/).
set -euo pipefail
cd "$(dirname "$0")/.."
export QUICK=1
for e in prune-onnx compress-mnist compress-image-folder teacher-from-onnx; do
  echo "== examples/$e.ts"
  node dist/examples/$e.js
done
