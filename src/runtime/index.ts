/** The runtimes models are measured in and shipped to, behind one interface (see runtime.ts). */
import { RUNTIMES, RuntimeError, type Runtime, type RuntimeName } from './runtime.js';
import { onnxruntimeNode } from './node.js';
import { onnxruntimeWeb } from './web.js';

export { RUNTIMES, RuntimeError, type Runtime, type RuntimeName, type RuntimeSession, type RuntimeTensor, type SessionOptions, type ProfiledNode } from './runtime.js';
export { byOpType, readTrace } from './trace.js';
export { timeRuns, timeAlternating, type Timing } from './latency.js';
export { cpuFeatures, type CpuFeatures } from './cpu.js';
export { WEB_VERSION } from './web.js';

/** The runtime of that name. */
export function runtimeNamed(name: RuntimeName): Runtime {
  if (name === 'onnxruntime-node') return onnxruntimeNode;
  if (name === 'onnxruntime-web') return onnxruntimeWeb;
  throw new RuntimeError(`unknown runtime '${String(name)}'; expected one of ${RUNTIMES.join(', ')}`);
}
