#!/usr/bin/env bash
# The quick start's first command: set everything up, then run the main job. Until `whittle compress` lands, the
# main job is the engine's demo: LeNet-5 trained on MNIST for one epoch, then its test accuracy.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node bin/whittle.js demo --arch lenet5 --data mnist --epochs 1
