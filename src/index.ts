/** whittle-nn: the public entry point. */
export * from './tensor/index.js';
export * from './nn/index.js';
export * from './optim/index.js';
export * from './errors.js';
