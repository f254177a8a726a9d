/** Static post-training quantization on the graph IR: calibration on whittle's engine, then QDQ in the form
 * onnxruntime fuses into int8 kernels (see docs/quantize.md). */
export { ACTIVATION_TYPES, activationParams, quantizeWeight, quantizeBias, sqnrDb, type ActivationType, type QParams } from './qparams.js';
export { METHODS, BINS, PERCENTILE, entropyThresholdBin, rangeOf, type Method, type TensorStats } from './ranges.js';
export { planQuantization, hasWeights, isQuantized, parametersWithQuantized, type Plan, type PlannedLayer } from './plan.js';
export { insertQdq, dequantizedName, type QuantizedLayer, type ZeroPadded } from './qdq.js';
export { calibrate } from './calibrate.js';
export { foldedCopy, quantizedCopy, qdqOpset } from './build.js';
export { withFakeQuantize, withoutFakeQuantize } from './fake.js';
