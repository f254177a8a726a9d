#!/usr/bin/env bash
# Whole `whittle compress` runs of vgg-small on Fashion-MNIST against the same loop in plain PyTorch
# (bench/peer/compress_peer.py, cut to the widths of the whittle run it follows), timed wall to wall, alternating.
# Usage: bash bench/compress-vs-pytorch.sh ROUNDS THREADS [compress flags...]
#   e.g. bash bench/compress-vs-pytorch.sh 2 2 --ratios 0.5,0.5 --epochs-per-step 1 --train-subset 20000
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=$1 threads=$2
shift 2
teacher=teachers/vgg-small-fashion-mnist.onnx
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }
for r in $(seq 1 "$rounds"); do
  t0=$(now)
  node bin/whittle.js compress --teacher "$teacher" --data fashion-mnist --augment off --threads "$threads" "$@" -o "$tmp/run$r" --json > "$tmp/whittle$r.log"
  t1=$(now)
  peer=$(/usr/bin/python3 bench/peer/compress_peer.py "$teacher" "$tmp/run$r/report.json" "$threads")
  t2=$(now)
  peer_cache=$(/usr/bin/python3 bench/peer/compress_peer.py "$teacher" "$tmp/run$r/report.json" "$threads" cache)
  t3=$(now)
  node -e '
    const [w, p, pc, tw, tp, tpc] = process.argv.slice(1);
    const r = JSON.parse(require("fs").readFileSync(w, "utf8"));
    const acc = (s) => s.map((x) => (100 * x.testAccuracy).toFixed(2) + "%").join(" ");
    const [P, PC] = [JSON.parse(p), JSON.parse(pc)];
    console.log(JSON.stringify({ bench: "compress-vs-pytorch", whittleSeconds: +tw, pytorchSeconds: +tp, pytorchCachedSeconds: +tpc,
      speedup: +(tp / tw).toFixed(2), speedupOverCachedPeer: +(tpc / tw).toFixed(2),
      whittleTest: acc(r.steps), pytorchTest: acc(P.steps), pytorchCachedTest: acc(PC.steps), params: r.steps.map((s) => s.params) }));
  ' "$tmp/run$r/report.json" "$peer" "$peer_cache" "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)" "$(echo "$t3 - $t2" | bc)"
done
