#!/usr/bin/env bash
# The method's claim, measured: compress a teacher to RATIOS (product = the final size) progressively, one-shot (cut
# to the size the solver picks, and cut to the progressive student's widths) and without distillation, at equal
# total epochs, for each seed; then draw the runs on the same charts and write a table of test accuracies (summary.md).
# Usage: bash bench/method-claim.sh [teacher] [data] [ratios] [epochs-per-step] [out] [seeds] [extra compress flags...]
# e.g.   bash bench/method-claim.sh teachers/vgg-small-fashion-mnist.onnx fashion-mnist 0.5,0.5,0.5 2 runs/claim "0 1 2"
set -euo pipefail
cd "$(dirname "$0")/.."
teacher=${1:-teachers/vgg-small-fashion-mnist.onnx}
data=${2:-fashion-mnist}
ratios=${3:-0.5,0.5,0.5}
epochs=${4:-2}
out=${5:-runs/method-claim-$(date +%Y%m%d-%H%M%S)}
seeds=${6:-0}
shift $(( $# < 6 ? $# : 6 ))
mkdir -p "$out"
for seed in $seeds; do
  common=(--teacher "$teacher" --data "$data" --ratios "$ratios" --epochs-per-step "$epochs" --augment off --seed "$seed" --threads 2 "$@")
  for mode in progressive oneshot oneshot-widths no-distill; do
    dir="$out/seed-$seed/$mode"
    if [ -f "$dir/report.json" ]; then continue; fi
    case $mode in
      progressive) extra=() ;;
      oneshot) extra=(--mode oneshot) ;;
      oneshot-widths) extra=(--mode oneshot --widths-of "$out/seed-$seed/progressive/student.onnx") ;;
      no-distill) extra=(--no-distill) ;;
    esac
    if [ -f "$dir/run.json" ]; then node bin/whittle.js compress --resume "$dir"; else node bin/whittle.js compress "${common[@]}" "${extra[@]}" -o "$dir"; fi
  done
done
first=$(set -- $seeds; echo "$1")
node bin/whittle.js report "$out/seed-$first/progressive" "$out/seed-$first/oneshot" "$out/seed-$first/oneshot-widths" "$out/seed-$first/no-distill" -o "$out/compare.html"
node bench/claim-summary.mjs "$out" $seeds | tee "$out/summary.md"
