#!/usr/bin/env bash
# The method's claim, measured: compress a teacher to RATIOS (product = the final size) progressively, one-shot and
# without distillation, at equal total epochs, then draw the three on the same charts.
# Usage: bash bench/method-claim.sh [teacher] [data] [ratios] [epochs-per-step] [out] [extra compress flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
teacher=${1:-teachers/vgg-small-fashion-mnist.onnx}
data=${2:-fashion-mnist}
ratios=${3:-0.5,0.5,0.5}
epochs=${4:-2}
out=${5:-runs/method-claim-$(date +%Y%m%d-%H%M%S)}
shift $(( $# < 5 ? $# : 5 ))
mkdir -p "$out"
common=(--teacher "$teacher" --data "$data" --ratios "$ratios" --epochs-per-step "$epochs" --augment off --seed 0 --threads 2 "$@")
node bin/whittle.js compress "${common[@]}" -o "$out/progressive"
node bin/whittle.js compress "${common[@]}" --mode oneshot -o "$out/oneshot"
node bin/whittle.js compress "${common[@]}" --no-distill -o "$out/no-distill"
node bin/whittle.js report "$out/progressive" "$out/oneshot" "$out/no-distill" -o "$out/compare.html"
for r in progressive oneshot no-distill; do
  node -e "const r=require('./$out/$r/report.json'); console.log('$r', 'teacher', (100*r.teacher.testAccuracy).toFixed(2)+'%', 'student', (100*r.final.testAccuracy).toFixed(2)+'%', 'params ratio', r.final.paramsRatio.toFixed(4))"
done
