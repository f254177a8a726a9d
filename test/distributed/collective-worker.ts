// One rank of the collective tests. argv: scenario rank worldSize port timeoutMs. Prints one JSON line: what it saw.
//   basic: allreduce (sum, avg, max over float32 and float64 tensors of different shapes), broadcast, barrier
//   die:   rank 1 exits after a barrier; rank 0 then tries an allreduce and reports the error and how long it took
//   stuck: rank 1 blocks for 3 timeouts before its allreduce; rank 0 reports how long its own allreduce waited
import { allReduce, barrier, broadcast, initProcessGroup, processGroupInfo, shutdownProcessGroup, tensor } from '../../src/tensor/index.js';

const [scenario, rank, worldSize, port, timeoutMs] = [process.argv[2]!, ...process.argv.slice(3).map(Number)] as [string, number, number, number, number];
const t0 = Date.now();
try {
  initProcessGroup({ rank, worldSize, host: '127.0.0.1', port, timeoutMs, backend: 'gloo' });
} catch (e) {
  console.log(JSON.stringify({ error: (e as Error & { code: string }).code, message: (e as Error).message, ms: Date.now() - t0 }));
  process.exit(0);
}
const out: Record<string, unknown> = { info: processGroupInfo() };
if (scenario === 'basic') {
  const a = tensor(Float32Array.from([rank + 1, 10 * rank, -rank]), [3]);
  const b = tensor(Float64Array.from([rank, 2, 3, 4 + rank]), [2, 2], 'float64');
  allReduce([a, b], 'sum', 8); // an 8-byte bucket cap: several buckets in flight at once
  const c = tensor(Float32Array.from([rank, 1]), [2]);
  allReduce([c], 'avg');
  const d = tensor(Float32Array.from([rank, -rank]), [2]);
  allReduce([d], 'max');
  const e = tensor(Float32Array.from([rank, rank, rank, rank]), [2, 2]);
  broadcast([e], worldSize - 1);
  barrier();
  Object.assign(out, { a: a.toArray(), b: b.toArray(), c: c.toArray(), d: d.toArray(), e: e.toArray() });
} else if (scenario === 'die' || scenario === 'stuck') {
  barrier();
  if (scenario === 'die' && rank === 1) process.exit(7);
  if (scenario === 'stuck' && rank === 1) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3 * timeoutMs);
  const t1 = Date.now();
  try {
    allReduce([tensor(Float32Array.from([1]), [1])]);
    out['error'] = null;
  } catch (e) {
    Object.assign(out, { error: (e as Error & { code: string }).code, message: (e as Error).message, ms: Date.now() - t1 });
  }
}
shutdownProcessGroup();
console.log(JSON.stringify(out));
