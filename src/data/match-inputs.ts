import { ConfigError } from '../errors.js';
import type { InputInfo } from './dataset.js';

/**
 * Which of a dataset's inputs feeds each of a model's inputs: a set with one input feeds a model's only input
 * whatever their names; several are matched by name, and every model input must have one (a ConfigError names
 * the missing ones and what the data has). Returns model input name -> dataset input name.
 */
export function matchInputs(modelInputs: readonly string[], data: readonly InputInfo[], spec: string): Map<string, string> {
  if (data.length === 1 && modelInputs.length === 1) return new Map([[modelInputs[0]!, data[0]!.name]]);
  const have = new Set(data.map((d) => d.name));
  const missing = modelInputs.filter((m) => !have.has(m));
  if (missing.length > 0) {
    throw new ConfigError('data', `the model's input${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} ${missing.length > 1 ? 'have' : 'has'} no file in ${spec} (it has ${data.map((d) => d.name).join(', ')})`, 'save one NAME.npy per model input, named as the model names them');
  }
  return new Map(modelInputs.map((m) => [m, m]));
}
