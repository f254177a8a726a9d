/** Networks built in code on the tensor API: modules, layers and the zoo. */
export { Module, Sequential } from './module.js';
export { Conv2d, BatchNorm2d, Linear, ReLU, MaxPool2d, Flatten, GlobalAvgPoolFlatten } from './layers.js';
export { ARCHS, buildZoo, mlp, lenet5, vggSmall, resnetSmall, type Arch, type ZooSpec } from './zoo.js';
