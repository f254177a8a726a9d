import { apiNaming, checkOptions, profileSpec, type ProfileOptions } from '../options/index.js';
import { profileModel, type ProfileReport } from '../pipeline/profile.js';

export type { ProfileReport } from '../pipeline/profile.js';

/** Latency and per-op-type time of an ONNX file in onnxruntime-node or onnxruntime-web (see docs/quantize.md). */
export async function profile(model: string, options: ProfileOptions = {}): Promise<ProfileReport> {
  const o = checkOptions(profileSpec, options, apiNaming);
  return profileModel(model, o);
}
