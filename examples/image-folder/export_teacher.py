#!/usr/bin/env python3
"""Trains a small CNN in PyTorch on the stripes image folder and exports it as teacher.onnx (the "teacher exported
from PyTorch" that compress-image-folder.ts compresses).

What it writes: examples/image-folder/teacher.onnx (committed; about 100 KB), a model taking [N, 3, 32, 32] images
normalised as whittle normalises folder datasets: pixel / 255, minus the per-channel mean, over the per-channel
(population) standard deviation of all training images.
Run (after `npm run build`):
  node dist/examples/image-folder/make-images.js /tmp/stripes
  /usr/bin/python3 examples/image-folder/export_teacher.py /tmp/stripes
Needs Debian's python3-torch (1.13) and python3-pil.
"""
import os
import sys

import numpy as np
import torch
from PIL import Image
from torch import nn

CLASSES = ['diagonal', 'horizontal', 'vertical']  # sorted, as whittle orders class folders


def load(split_dir):
    xs, ys = [], []
    for label, name in enumerate(CLASSES):
        folder = os.path.join(split_dir, name)
        for f in sorted(os.listdir(folder)):
            xs.append(np.asarray(Image.open(os.path.join(folder, f)).convert('RGB'), dtype=np.float32) / 255)
            ys.append(label)
    return np.stack(xs).transpose(0, 3, 1, 2), np.array(ys)


def main(data_dir):
    torch.manual_seed(0)
    x_train, y_train = load(os.path.join(data_dir, 'train'))
    x_test, y_test = load(os.path.join(data_dir, 'test'))
    mean = x_train.mean(axis=(0, 2, 3), keepdims=True)
    std = x_train.std(axis=(0, 2, 3), keepdims=True)
    x_train, x_test = [torch.tensor((x - mean) / std) for x in (x_train, x_test)]
    y_train, y_test = torch.tensor(y_train), torch.tensor(y_test)

    def block(cin, cout):
        return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]
    model = nn.Sequential(*block(3, 16), nn.MaxPool2d(2), *block(16, 32), nn.MaxPool2d(2), *block(32, 64),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, len(CLASSES)))
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    for epoch in range(30):
        model.train()
        perm = torch.randperm(len(x_train))
        for i in range(0, len(perm), 32):
            idx = perm[i:i + 32]
            opt.zero_grad()
            nn.functional.cross_entropy(model(x_train[idx]), y_train[idx]).backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        acc = (model(x_test).argmax(1) == y_test).float().mean().item()
    print(f'test accuracy {acc:.4f}')
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'teacher.onnx')
    torch.onnx.export(model, x_test[:1], out, opset_version=13, input_names=['images'], output_names=['logits'],
                      dynamic_axes={'images': {0: 'N'}, 'logits': {0: 'N'}})
    print(f'wrote {out} ({os.path.getsize(out)} bytes)')


if __name__ == '__main__':
    main(sys.argv[1])
