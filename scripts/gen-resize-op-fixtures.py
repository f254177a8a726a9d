"""Writes test/fixtures/resize-op.json: PyTorch's F.interpolate (torch 1.13, Debian's python3-torch) on small seeded
inputs, with the gradient of sum(y * w) for a seeded w, for test/exec/resize.test.ts. Each case names the ONNX Resize
attributes that mean the same thing (how torch.onnx exports it), so the test checks whittle's Resize kernel, both on
libtorch's upsampling kernels and on its spec-exact taps, forward and backward. Run with /usr/bin/python3."""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(0)
cases = []


def r(t):
    return [float('%.7g' % v) for v in t.detach().flatten().tolist()]


def case(name, shape, size, torch_kw, onnx):
    # Inputs rounded to what the JSON holds, so the outputs are those of the stored values.
    x = torch.tensor(r(torch.randn(*shape)), dtype=torch.float64).reshape(shape).requires_grad_(True)
    y = F.interpolate(x, size=size, **torch_kw)
    w = torch.tensor(r(torch.randn(*y.shape)), dtype=torch.float64).reshape(y.shape)
    (y * w).sum().backward()
    cases.append({'name': name, 'shape': list(shape), 'sizes': list(shape[:2]) + list(size), 'onnx': onnx,
                  'x': r(x), 'w': r(w), 'y': r(y), 'dx': r(x.grad), 'yShape': list(y.shape)})


case('nearest up', (2, 3, 5, 7), (8, 10), {'mode': 'nearest'}, {'mode': 'nearest', 'coordinate_transformation_mode': 'asymmetric', 'nearest_mode': 'floor'})
case('nearest down', (2, 3, 5, 7), (3, 4), {'mode': 'nearest'}, {'mode': 'nearest', 'coordinate_transformation_mode': 'asymmetric', 'nearest_mode': 'floor'})
case('nearest-exact', (2, 3, 5, 7), (9, 4), {'mode': 'nearest-exact'}, {'mode': 'nearest', 'coordinate_transformation_mode': 'half_pixel', 'nearest_mode': 'round_prefer_ceil'})
case('bilinear', (2, 3, 5, 7), (9, 12), {'mode': 'bilinear', 'align_corners': False}, {'mode': 'linear', 'coordinate_transformation_mode': 'pytorch_half_pixel'})
case('bilinear down', (2, 3, 5, 7), (3, 4), {'mode': 'bilinear', 'align_corners': False}, {'mode': 'linear', 'coordinate_transformation_mode': 'half_pixel'})
case('bilinear align_corners', (2, 3, 5, 7), (7, 10), {'mode': 'bilinear', 'align_corners': True}, {'mode': 'linear', 'coordinate_transformation_mode': 'align_corners'})
case('bicubic', (2, 3, 5, 7), (8, 9), {'mode': 'bicubic', 'align_corners': False}, {'mode': 'cubic', 'coordinate_transformation_mode': 'pytorch_half_pixel'})
case('bicubic align_corners down', (2, 3, 5, 7), (4, 5), {'mode': 'bicubic', 'align_corners': True}, {'mode': 'cubic', 'coordinate_transformation_mode': 'align_corners'})
case('linear 1-D', (2, 3, 7), (11,), {'mode': 'linear', 'align_corners': False}, {'mode': 'linear', 'coordinate_transformation_mode': 'half_pixel'})
case('trilinear', (1, 2, 3, 4, 5), (5, 6, 7), {'mode': 'trilinear', 'align_corners': False}, {'mode': 'linear', 'coordinate_transformation_mode': 'half_pixel'})
case('nearest 3-D', (1, 2, 3, 4, 5), (6, 5, 9), {'mode': 'nearest'}, {'mode': 'nearest', 'coordinate_transformation_mode': 'asymmetric', 'nearest_mode': 'floor'})
case('bilinear antialias down', (2, 3, 9, 11), (4, 5), {'mode': 'bilinear', 'align_corners': False, 'antialias': True},
     {'mode': 'linear', 'coordinate_transformation_mode': 'half_pixel', 'antialias': 1, 'exclude_outside': 1})
case('bicubic antialias down', (2, 3, 9, 11), (4, 5), {'mode': 'bicubic', 'align_corners': False, 'antialias': True},
     {'mode': 'cubic', 'coordinate_transformation_mode': 'half_pixel', 'antialias': 1, 'cubic_coeff_a': -0.5, 'exclude_outside': 1})

out = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'resize-op.json')
with open(out, 'w') as f:
    json.dump({'torch': torch.__version__, 'cases': cases}, f, separators=(',', ':'))
print('wrote', out, len(cases), 'cases')
