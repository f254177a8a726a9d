#!/usr/bin/env bash
# Prunes untrained torchvision models exported with torch.onnx.export's defaults (scripts/export-untrained-torchvision.py)
# to half their parameters in multiples of 8, and checks that each lands within 1% of the target, says which shared
# initializers it untied, and that onnxruntime runs the result. Then trains each from scratch for one epoch on a tiny
# three-class image folder (train-teacher --model --init fresh): every one must train and be written, except those
# with a weight whose fresh start whittle does not know (convnext's layer scale), which must be refused by name.
# Needs Debian's python3-torch and python3-torchvision; a few minutes.
#   bash scripts/check-exported-models.sh [FOLDER]   (default /tmp/whittle-untrained)
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-/tmp/whittle-untrained}"
"${PYTHON:-/usr/bin/python3}" scripts/export-untrained-torchvision.py "$dir" > /dev/null
npm run --silent build:ts
fail=0
for f in "$dir"/*.onnx; do
  case "$f" in *.pruned.onnx|*.fresh.onnx) continue ;; esac
  out="${f%.onnx}.pruned.onnx"
  if line=$(node bin/whittle.js prune "$f" --ratio 0.5 --round-to 8 -o "$out" --json 2>&1 | tail -1) &&
     node -e '
       const r = JSON.parse(process.argv[1]);
       if (Math.abs(r.achievedRatio - 0.5) > 0.005) throw new Error(`achieved ${r.achievedRatio}`);
       const ort = require("onnxruntime-node");
       ort.InferenceSession.create(process.argv[2]).then(async (s) => {
         const x = new ort.Tensor("float32", new Float32Array(2 * 3 * 64 * 64).fill(0.1), [2, 3, 64, 64]);
         const y = (await s.run({ [s.inputNames[0]]: x }))[s.outputNames[0]];
         console.log(`${process.argv[3]}: ratio ${r.achievedRatio.toFixed(4)}, untied ${r.untied.length}, output [${y.dims}]`);
       });' "$line" "$out" "$(basename "$f")"; then :; else
    echo "FAIL $(basename "$f"): $line"
    fail=1
  fi
done
# three classes of 8 random 64x64 images, the exports' input size
node --input-type=module -e '
  import sharp from "sharp";
  import { mkdirSync } from "node:fs";
  for (const c of ["a", "b", "c"]) {
    mkdirSync(`${process.argv[1]}/${c}`, { recursive: true });
    for (let k = 0; k < 8; k++) {
      const px = Buffer.from(Array.from({ length: 64 * 64 * 3 }, () => Math.floor(Math.random() * 256)));
      await sharp(px, { raw: { width: 64, height: 64, channels: 3 } }).png().toFile(`${process.argv[1]}/${c}/${k}.png`);
    }
  }' "$dir/tiny-folder"
for f in "$dir"/*.onnx; do
  case "$f" in *.pruned.onnx|*.fresh.onnx) continue ;; esac
  name=$(basename "$f")
  out="${f%.onnx}.fresh.onnx"
  rm -f "$out"
  if line=$(node bin/whittle.js train-teacher --model "$f" --init fresh --data "folder:$dir/tiny-folder" --epochs 1 --batch-size 8 --val-size 6 -o "$out" --json 2>&1 | tail -2); then
    echo "$name: trained from scratch, $(node -e 'const r = JSON.parse(process.argv[1].split("\n").pop()); console.log(`${r.params} params`)' "$line")"
  elif [[ "$name" == convnext* && "$line" == *"cannot re-initialise"*layer_scale* ]]; then
    echo "$name: refused as expected: ${line%%$'\n'*}"
  else
    echo "FAIL $name (train-teacher --init fresh): $line"
    fail=1
  fi
done
exit $fail
