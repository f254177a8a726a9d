#!/usr/bin/env bash
# The quick start's first command: set everything up, then run the main job, a real compression: the shipped
# vgg-small Fashion-MNIST teacher pruned to 25% of its parameters in two steps, each healed by distillation.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
run="runs/quickstart-$(date +%Y%m%d-%H%M%S)"
node bin/whittle.js compress --teacher teachers/vgg-small-fashion-mnist.onnx --data fashion-mnist \
  --ratios 0.5,0.5 --epochs-per-step 1 --train-subset 20000 --augment off -o "$run"
echo "report: $run/report.html"
