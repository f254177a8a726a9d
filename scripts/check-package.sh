#!/usr/bin/env bash
# The package as a user gets it: `npm pack`, install the tarball into a fresh project, check the message before the
# addon is built, `npx whittle setup` (build, then a no-op), compile test/package/every-function.ts against the
# published types with strict: true, and run the CLI and the API there. Uses npm's cache where it can.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$root"
tgz="$work/$(npm pack --silent --pack-destination "$work" | tail -1)"
echo "packed $(basename "$tgz") ($(du -k "$tgz" | cut -f1) KB)"
if tar tzf "$tgz" | grep -E '^package/(test|dist/test|dist/bench|bench|examples|native/build)/'; then
  echo "check-package: the tarball holds tests, fixtures or build outputs (see above); fix \"files\" in package.json" >&2
  exit 1
fi

cd "$work" && mkdir app && cd app
npm init -y >/dev/null && npm pkg set type=module
ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund --prefer-offline "$tgz" typescript@5 @types/node@20 >/dev/null
teacher=node_modules/whittle-nn/teachers/vgg-small-mnist.onnx

# Before setup: one clear line naming the command, exit code 3.
set +e
msg="$(npx --no-install whittle inspect "$teacher" 2>&1)"; rc=$?
set -e
echo "before setup (exit $rc): $msg"
[ "$rc" = 3 ] && grep -q 'npx whittle setup' <<<"$msg" || { echo "check-package: expected exit 3 and a message naming npx whittle setup" >&2; exit 1; }

npx --no-install whittle setup
npx --no-install whittle setup | tee setup.log
grep -q 'up to date' setup.log || { echo "check-package: a second setup should be a no-op" >&2; exit 1; }

# The published types, under strict: every API function, no any.
cp "$root/test/package/every-function.ts" .
cat > tsconfig.json <<'JSON'
{ "compilerOptions": { "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "strict": true,
  "exactOptionalPropertyTypes": true, "noEmit": true, "types": ["node"] }, "files": ["every-function.ts"] }
JSON
npx --no-install tsc -p tsconfig.json
echo "every-function.ts compiles against the published types"

npx --no-install whittle inspect "$teacher" --json | tail -1 > inspect.json
cat > use.mjs <<'JS'
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { inspect, loadOnnx, prune, saveOnnx, ConfigError } from 'whittle-nn';
const path = 'node_modules/whittle-nn/teachers/vgg-small-mnist.onnx';
assert.deepEqual(inspect(path), JSON.parse(readFileSync('inspect.json', 'utf8')), 'inspect() is what inspect --json prints');
const model = loadOnnx(path);
const r = await prune(model, { ratio: 0.5 });
await saveOnnx(r.model, 'pruned.onnx');
assert.ok(Math.abs(r.achievedRatio - 0.5) < 0.005);
assert.equal(inspect('pruned.onnx').params, r.params.after);
await assert.rejects(prune(model, { ratio: 2 }), ConfigError);
r.model.dispose();
model.dispose();
console.log(`API in a fresh project: pruned to ${r.achievedRatio.toFixed(4)}`);
JS
node use.mjs
echo "check-package: ok"
