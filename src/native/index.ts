export { loadAddon, tryLoadAddon, AddonNotBuiltError } from './load.js';
export type { NativeBinding, Handle, OpArg, OpResult, NativeTensorInfo } from './binding.js';
