// JS overhead per op call: a loop of tiny ops (neg of a 1-element tensor, disposed at once) in whittle, next to the
// same loop in PyTorch from Python, in one script. Usage: node dist/bench/op-overhead.bench.js [calls=200000]
import { neg, tensor, setNumThreads } from '../src/tensor/index.js';
import { lastJson, PYTHON } from './run-peers.js';

const calls = Number(process.argv[2] ?? 200000);
setNumThreads(1);
const x = tensor([1], [1]);
for (let i = 0; i < 1000; i++) neg(x).dispose();
const t0 = process.hrtime.bigint();
for (let i = 0; i < calls; i++) neg(x).dispose();
const ours = calls / (Number(process.hrtime.bigint() - t0) / 1e9);
const code = `import torch,time,json\ntorch.set_num_threads(1)\nx=torch.ones(1)\nfor _ in range(1000): torch.neg(x)\nt=time.perf_counter()\nfor _ in range(${calls}): torch.neg(x)\nprint(json.dumps({"callsPerSec": ${calls}/(time.perf_counter()-t)}))`;
const peer = lastJson(PYTHON, ['-c', code])['callsPerSec'] as number;
console.log(`whittle ${ours.toFixed(0)} calls/s (${(1e6 / ours).toFixed(2)} us/call), pytorch ${peer.toFixed(0)} calls/s (${(1e6 / peer).toFixed(2)} us/call)`);
console.log(JSON.stringify({ bench: 'op-overhead', whittleCallsPerSec: ours, pytorchCallsPerSec: peer, ratio: ours / peer }));
