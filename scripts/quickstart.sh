#!/usr/bin/env bash
# The quick start's first command: set everything up, then run the main job. Until `whittle compress` lands, the
# main job trains a teacher: LeNet-5 on MNIST for one epoch, written as ONNX, with its test accuracy.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p runs/quickstart
exec node bin/whittle.js train-teacher --arch lenet5 --data mnist --epochs 1 -o runs/quickstart/teacher.onnx
