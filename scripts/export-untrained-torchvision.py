#!/usr/bin/env python3
"""Exports torchvision classifiers as a user would before training them: default initialisation, eval mode,
torch.onnx.export's defaults (so BatchNorm is folded and equal tensors, such as the zero biases that folding gives,
are stored once and shared by several layers), at opsets 11 and 17, for scripts/check-exported-models.sh.

Run:  /usr/bin/python3 scripts/export-untrained-torchvision.py OUT   (Debian's python3-torch and python3-torchvision)
Writes OUT/<model>-o<opset>.onnx, 3 classes, 64x64 inputs with a dynamic batch.
"""
import os
import sys
import warnings

import torch
import torchvision

MODELS = ['mobilenet_v2', 'mobilenet_v3_small', 'resnet18', 'resnext50_32x4d', 'wide_resnet50_2', 'efficientnet_b0',
          'efficientnet_v2_s', 'shufflenet_v2_x0_5', 'densenet121', 'squeezenet1_0', 'mnasnet0_5', 'regnet_x_400mf',
          'regnet_y_400mf', 'googlenet', 'convnext_tiny']


def main(out):
    warnings.filterwarnings('ignore')
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    for name in MODELS:
        kw = {'num_classes': 3}
        if name == 'googlenet':
            kw.update(aux_logits=False, init_weights=True)
        model = getattr(torchvision.models, name)(**kw).eval()
        for opset in (11, 17):
            path = os.path.join(out, f'{name}-o{opset}.onnx')
            if not os.path.exists(path):
                torch.onnx.export(model, torch.randn(1, 3, 64, 64), path, input_names=['input'], output_names=['logits'],
                                  dynamic_axes={'input': {0: 'n'}, 'logits': {0: 'n'}}, opset_version=opset)
        print(name, flush=True)


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else '/tmp/whittle-untrained')
