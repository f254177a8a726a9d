import { toDevice, type Tensor } from '../../tensor/index.js';

/** `t` (made from JS values, so on the CPU) on the device of `ref`, so that a kernel never mixes devices. */
export function onDeviceOf(t: Tensor, ref: Tensor): Tensor {
  const d = ref.device;
  return d === t.device ? t : toDevice(t, d);
}
