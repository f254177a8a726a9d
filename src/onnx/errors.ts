import { WhittleError } from '../errors.js';

/** Where in a model a problem sits; every field optional. */
export type OnnxWhere = { opType?: string; opset?: number; nodeName?: string; issues?: readonly string[] };

/** A model file whittle cannot read, or a graph it cannot write as ONNX (code E_ONNX). */
export class OnnxError extends WhittleError {
  readonly opType: string | undefined;
  readonly opset: number | undefined;
  readonly nodeName: string | undefined;
  readonly issues: readonly string[];
  constructor(message: string, where: OnnxWhere = {}, hint?: string) {
    const details: Record<string, unknown> = { ...where };
    super('E_ONNX', oneLine(message), hint === undefined ? { details } : { hint, details });
    this.opType = where.opType;
    this.opset = where.opset;
    this.nodeName = where.nodeName;
    this.issues = where.issues ?? [message];
  }
}

/** Names read from a file may hold anything: messages stay one printable line of bounded length. */
function oneLine(s: string): string {
  const clean = s.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return clean.length > 600 ? `${clean.slice(0, 597)}...` : clean;
}
