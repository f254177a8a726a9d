import type { OpMapping } from './op.js';
import { Conv } from './conv.js';
import { ConvTranspose } from './conv-transpose.js';
import { AveragePool, MaxPool } from './pool.js';
import { BatchNormalization } from './batch-normalization.js';
import { Gemm } from './gemm.js';
import { Hardmax, LogSoftmax, Softmax } from './softmax.js';
import { reduceOps } from './reduce.js';
import { Squeeze, Unsqueeze } from './squeeze.js';
import { Split } from './split.js';
import { Dropout } from './dropout.js';
import { HardSwish } from './hard-swish.js';
import { simpleOps } from './simple.js';
import { recurrentOps } from './recurrent.js';
import { Scatter } from './wild-rows.js';
import { Resize } from './resize.js';
import { CHANGED_OPS, guardChanges } from './changed-at.js';

/** The op mappings by ONNX op type (ops without an entry pass through unchanged). */
const registry = new Map<string, OpMapping>(
  [Conv, ConvTranspose, MaxPool, AveragePool, BatchNormalization, Gemm, Softmax, LogSoftmax, ...reduceOps, Squeeze, Unsqueeze, Split, Dropout, HardSwish, ...simpleOps, ...recurrentOps, Scatter].map((m) => [m.opType, m]),
);
for (const m of [Resize, Hardmax]) registry.set(m.opType, m);
for (const op of CHANGED_OPS) registry.set(op, guardChanges(registry.get(op), op)!);

export function mappingFor(opType: string): OpMapping | undefined {
  return registry.get(opType);
}

export type { OpMapping, ImportContext, ExportContext } from './op.js';
export { int64s } from './op.js';
