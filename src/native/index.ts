export { loadAddon, tryLoadAddon, AddonNotBuiltError } from './load.js';
export type { NativeBinding, NativeDistInit, Handle, OpArg, OpResult, NativeTensorInfo } from './binding.js';
