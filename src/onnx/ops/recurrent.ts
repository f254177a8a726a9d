import { int, string, type Node } from '../../graph/index.js';
import { OnnxError } from '../errors.js';
import { dropAttrs, fail, getInt, where, withDefaults, type ExportContext, type ImportContext, type OpMapping } from './op.js';

const GATES: Readonly<Record<string, number>> = { RNN: 1, GRU: 3, LSTM: 4 };
const DEFAULT_ACTIVATIONS: Readonly<Record<string, readonly string[]>> = { RNN: ['Tanh'], GRU: ['Sigmoid', 'Tanh'], LSTM: ['Sigmoid', 'Tanh', 'Tanh'] };

/**
 * RNN, GRU and LSTM (7, 14): direction, layout (from 14), linear_before_reset (GRU), input_forget (LSTM) and
 * hidden_size (from W's shape when it is an initializer) filled in. Activations other than the defaults (or Relu for
 * RNN) are refused here, by name, rather than when the model first runs.
 */
function importRecurrent(node: Node, ctx: ImportContext): Node {
  const op = node.opType;
  if (node.inputs.length < 3 || !node.inputs[1] || !node.inputs[2]) fail(node, ctx, 'needs inputs X, W and R');
  const w = ctx.initShape(node.inputs[1]);
  const extra = op === 'GRU' ? { linear_before_reset: int(0) } : op === 'LSTM' ? { input_forget: int(0) } : {};
  let n = withDefaults(node, ctx, { direction: string('forward'), ...(ctx.opset >= 14 ? { layout: int(0) } : {}), ...extra });
  if (w?.length === 3 && getInt(n, 'hidden_size') === undefined) n = withDefaults(n, ctx, { hidden_size: int(w[1]! / GATES[op]!) });
  const hidden = getInt(n, 'hidden_size');
  const dirs = n.attrs['direction']?.value === 'bidirectional' ? 2 : 1;
  if (w && hidden !== undefined && (w.length !== 3 || w[0] !== dirs || w[1] !== GATES[op]! * hidden)) {
    fail(n, ctx, `W has shape [${w.join(', ')}], expected [${dirs}, ${GATES[op]! * hidden}, input_size] (${dirs} direction(s), hidden_size ${hidden})`);
  }
  const a = n.attrs['activations'];
  if (a) {
    const acts = a.kind === 'strings' ? a.value : [];
    const defaults = DEFAULT_ACTIVATIONS[op]!;
    const relu = op === 'RNN' && acts.length === dirs && acts.every((s) => s === 'Relu');
    const plain = acts.length === defaults.length * dirs && acts.every((s, i) => s === defaults[i % defaults.length]);
    if (!relu && !plain) fail(n, ctx, `activations [${acts.join(', ')}] are not supported (only the defaults [${defaults.join(', ')}]${op === 'RNN' ? ' or Relu' : ''}; re-export with the standard cell)`);
  }
  return n;
}

/** Below opset 14 there is no layout attribute: layout 0 is dropped, layout 1 cannot be written. */
function exportRecurrent(node: Node, ctx: ExportContext): Node[] {
  if (ctx.to >= 14 || !node.attrs['layout']) return [node];
  if (getInt(node, 'layout') !== 0) throw new OnnxError(`node '${node.name}' (${node.opType}): layout=1 exists from opset 14; cannot write it at opset ${ctx.to}`, where(node, ctx));
  return [dropAttrs(node, 'layout')];
}

export const recurrentOps: OpMapping[] = ['RNN', 'GRU', 'LSTM'].map((opType) => ({ opType, since: 7, import: importRecurrent, export: exportRecurrent }));
