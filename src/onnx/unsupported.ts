import type { Node } from '../graph/index.js';

/** Why a whole domain is refused, for the one-line message. */
const DOMAIN_NOTES: Record<string, string> = {
  'com.microsoft': "onnxruntime's contrib ops, written by its graph optimiser: give whittle the model as exported, before optimisation",
  'ai.onnx.ml': 'classical machine-learning ops (trees, scalers, encoders), not network layers',
  'ai.onnx.preview.training': 'training ops of the preview domain',
};

/**
 * The message for ops no kernel runs, each with its domain and the first node that uses it, e.g.
 * `op not supported: FusedConv (domain com.microsoft, node 'Conv_0'; onnxruntime's contrib ops, ...)`.
 */
export function describeUnsupported(missing: readonly { opType: string; node: string }[], nodes: readonly Node[]): { message: string; issues: string[] } {
  const domainOf = new Map(nodes.map((n) => [n.name, n.domain]));
  const issues = missing.map(({ opType, node }) => {
    const domain = domainOf.get(node) || 'ai.onnx';
    const note = DOMAIN_NOTES[domain];
    return `${opType} (domain ${domain}, node '${node}'${note ? `; ${note}` : ''})`;
  });
  return { message: `${missing.length === 1 ? 'op' : `${missing.length} ops`} not supported: ${issues.join(', ')}`, issues };
}
