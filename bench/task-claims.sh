#!/usr/bin/env bash
# Issue 35's claims, measured: a segmentation student from the images alone, an embedding student from unlabelled
# images, and vgg-small at 12.5% of its params from the images alone against the labelled run (two seeds).
# Usage: bash bench/task-claims.sh [out] [seeds]        (about 2.5 hours on 2 cores; every run resumes if stopped)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/task-claims}
seeds=${2:-0 1}
W="node bin/whittle.js"
export OMP_WAIT_POLICY=PASSIVE
mkdir -p "$out"
# run NAME ARGS...: compress into $out/NAME, or continue it when stopped
run() {
  local name=$1; shift
  if [ -f "$out/$name/report.json" ]; then return; fi
  if [ -f "$out/$name/run.json" ]; then $W compress --resume "$out/$name"; else $W compress "$@" -o "$out/$name"; fi
}
# segmentation: a U-Net teacher trained on mnist-seg's masks, then 25% of its MACs from the images alone
[ -f "$out/unet-small-mnist-seg.onnx" ] || $W train-teacher --arch unet-small --data mnist-seg --epochs 5 --seed 0 -o "$out/unet-small-mnist-seg.onnx"
run seg-images --teacher "$out/unet-small-mnist-seg.onnx" --data mnist-seg --ratios 0.5,0.5 --metric macs --labels ignore
run seg-masks --teacher "$out/unet-small-mnist-seg.onnx" --data mnist-seg --ratios 0.5,0.5 --metric macs
# embeddings: the shipped vgg-small cut at its pooled features, 25% of its params from unlabelled images
npm run --silent build:ts
node dist/bench/cut-at.js teachers/vgg-small-fashion-mnist-15.onnx flatten_9 "$out/vgg15-embed.onnx"
run embed --teacher "$out/vgg15-embed.onnx" --data fashion-mnist --ratios 0.5,0.5 --metric params --labels ignore
# labels are optional: vgg-small to 12.5% of its params with and without the labels, the same epochs
for seed in $seeds; do
  run "vgg-labels-s$seed" --teacher teachers/vgg-small-fashion-mnist-15.onnx --data fashion-mnist --ratios 0.5,0.5,0.5 --seed "$seed"
  run "vgg-images-s$seed" --teacher teachers/vgg-small-fashion-mnist-15.onnx --data fashion-mnist --ratios 0.5,0.5,0.5 --seed "$seed" --labels ignore
done
# int8 students of the segmentation and embedding runs (whittle quantize: fidelity to the float student per output)
for name in seg-images embed; do
  data=$([ "$name" = embed ] && echo fashion-mnist || echo mnist-seg)
  [ -f "$out/$name.int8.json" ] || $W quantize "$out/$name/student.onnx" -o "$out/$name/student.int8.onnx" --data "$data" --json | tail -1 > "$out/$name.int8.json"
done
node -e '
const [out, ...names] = process.argv.slice(1);
const fs = require("fs");
for (const n of names) {
  const f = `${out}/${n}/report.json`;
  if (!fs.existsSync(f)) continue;
  const r = JSON.parse(fs.readFileSync(f, "utf8"));
  const m = (x) => JSON.stringify(x ?? null);
  console.log(`${n}: teacher ${m(r.teacher.metrics)}; student params ${(100 * r.final.paramsRatio).toFixed(1)}%, MACs ${(100 * r.final.macsRatio).toFixed(1)}%, test figure ${r.final.testAccuracy.toFixed(4)} (${r.score}), metrics ${m(r.final.metrics)}, fidelity ${m(r.final.fidelity)}`);
}' "$out" seg-images seg-masks embed $(for s in $seeds; do echo "vgg-labels-s$s vgg-images-s$s"; done)
