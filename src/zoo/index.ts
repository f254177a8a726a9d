/** The model zoo as graph IR models: mlp, lenet5, vgg-small, resnet-small, mobilenetv2-small, resnet20, resnet56 (classifiers), unet-small (segmentation). */
export { ZOO, SEGMENT_ZOO, ALL_ZOO, buildZooGraph, type ZooArch, type ZooSpec } from './zoo.js';
