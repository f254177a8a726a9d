#!/usr/bin/env python3
"""Writes the small ONNX models that test/onnx/ imports, runs and round-trips (PyTorch is the oracle).

What it writes (small, committed, deterministic: rerun after changing a case and commit the diff):
  test/fixtures/onnx/<case>/model.onnx   exported by torch.onnx.export (random weights, random BatchNorm statistics)
  test/fixtures/onnx/<case>/input.npy    float32 input, batch 2 (the rewritten cases share convbn_eval's: 'data')
  test/fixtures/onnx/<case>/output.npy   PyTorch's eval-mode output for that input
  test/fixtures/onnx/manifest.json       per case: opset, the PyTorch parameter count (when the ONNX file keeps every
                                         parameter, i.e. no BatchNorm was folded) and the MACs of one sample counted
                                         as thop does (one multiply-add = 1 MAC, Conv and Linear only), plus what the
                                         case exercises.
Cases: conv+BN exported in training mode (BN kept, with its extra outputs) and in eval mode (BN folded into the
conv), a residual block (opset 11), an inverted residual with a depthwise conv and ReLU6 (Clip), squeeze-excite
with ReduceMean pooling, HardSwish/SiLU at opset 17 and HardSwish/HardSigmoid at opset 13, GELU (Erf), a
view(N, -1) flatten (Shape->Gather->Unsqueeze->Concat->Reshape), a Slice whose bounds come from Shape, and the
patterns case (chunk, decomposed LayerNorm, zero Pad + AveragePool, channels-last flatten), and an untrained network
(merged_inits: the exporter stores its folded convs' equal, all-zero biases as one initializer; merged_bn_stats: its
unfolded BatchNorms' unit scales and variances as one, zero shifts and means as another). Four cases
rewrite convbn_eval the way other exporters write files: Constant nodes, weights through Identity, initializers
listed as graph inputs (IR version 3), and external data in a side file.
Why: the tests must run without Python; these are the patterns real exporters leave in files.
Run:  /usr/bin/python3 scripts/gen-onnx-models.py   (Debian's python3-torch 1.13 and python3-onnx 1.12)
"""
import copy
import io
import json
import os
import shutil
import warnings

import numpy as np
import onnx
from onnx import helper, numpy_helper
import torch
import torch.nn as nn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'onnx')
torch.set_num_threads(1)
warnings.filterwarnings('ignore')


def randomize(m: nn.Module, seed: int) -> None:
    """Random weights and BatchNorm statistics, so that folding and mean/var mix-ups show in the outputs."""
    g = torch.Generator().manual_seed(seed)
    for mod in m.modules():
        if isinstance(mod, nn.BatchNorm2d):
            with torch.no_grad():
                mod.weight.copy_(torch.rand(mod.num_features, generator=g) + 0.5)
                mod.bias.copy_(torch.rand(mod.num_features, generator=g) - 0.5)
                mod.running_mean.copy_(torch.rand(mod.num_features, generator=g) - 0.5)
                mod.running_var.copy_(torch.rand(mod.num_features, generator=g) + 0.5)


def count_macs(m: nn.Module, x: torch.Tensor) -> int:
    """thop's convention for one sample: Conv = out elements x (in/groups x kh x kw), Linear = out x in."""
    total = [0]

    def hook(mod, _inp, out):
        per = out.numel() // out.shape[0]
        if isinstance(mod, nn.Conv2d):
            total[0] += per * (mod.in_channels // mod.groups) * mod.kernel_size[0] * mod.kernel_size[1]
        elif isinstance(mod, nn.Linear):
            total[0] += per * mod.in_features
    hs = [mod.register_forward_hook(hook) for mod in m.modules() if isinstance(mod, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        m(x)
    for h in hs:
        h.remove()
    return total[0]


def conv_bn(cin, cout, k=3, s=1, groups=1, act=True):
    layers = [nn.Conv2d(cin, cout, k, s, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    if act:
        layers.append(nn.ReLU())
    return layers


class ConvBn(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(*conv_bn(3, 8), nn.MaxPool2d(2, ceil_mode=True), *conv_bn(8, 16, s=2), nn.AdaptiveAvgPool2d(1))
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.features(x), 1))


class Untrained(nn.Module):
    """Exported as initialised: each folded conv's bias is all zeros, and the exporter stores equal tensors once."""
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(*conv_bn(3, 8), *conv_bn(8, 8), *conv_bn(8, 8), nn.AdaptiveAvgPool2d(1))
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        return self.fc(torch.flatten(self.features(x), 1))


class UntrainedPreAct(nn.Module):
    """Exported as initialised, with BatchNorms before their convs (DenseNet's order), which the exporter keeps: it
    stores equal tensors once and reads them through Identity nodes, so the unit scales and unit running variances of
    both BatchNorms are one tensor, and the zero shifts and zero running means another."""
    def __init__(self):
        super().__init__()
        pre = lambda: [nn.BatchNorm2d(8), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1, bias=False), nn.ReLU()]
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), *pre(), *pre(), nn.AdaptiveAvgPool2d(1))
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        return self.fc(torch.flatten(self.features(x), 1))


class ResBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(*conv_bn(3, 8))
        self.conv1 = nn.Sequential(*conv_bn(8, 16, s=2))
        self.conv2 = nn.Sequential(*conv_bn(16, 16, act=False))
        self.down = nn.Sequential(*conv_bn(8, 16, k=1, s=2, act=False))
        self.fc = nn.Linear(16, 5)

    def forward(self, x):
        x = self.stem(x)
        y = torch.relu(self.conv2(self.conv1(x)) + self.down(x))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(y, 1), 1))


class InvertedResidual(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, 1, 1), nn.ReLU6())
        self.expand = nn.Sequential(nn.Conv2d(8, 24, 1, bias=False), nn.BatchNorm2d(24), nn.ReLU6())
        self.dw = nn.Sequential(nn.Conv2d(24, 24, 3, 1, 1, groups=24, bias=False), nn.BatchNorm2d(24), nn.ReLU6())
        self.project = nn.Sequential(nn.Conv2d(24, 8, 1, bias=False), nn.BatchNorm2d(8))
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        x = self.stem(x)
        x = x + self.project(self.dw(self.expand(x)))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


class SqueezeExcite(nn.Module):
    def __init__(self, gate):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1), nn.ReLU())
        self.reduce = nn.Conv2d(16, 4, 1)
        self.expand = nn.Conv2d(4, 16, 1)
        self.gate = gate
        self.fc = nn.Linear(16, 6)

    def forward(self, x):
        x = self.conv(x)
        s = x.mean((2, 3), keepdim=True)
        x = x * self.gate(self.expand(torch.relu(self.reduce(s))))
        return self.fc(x.mean((2, 3)))


class Activations(nn.Module):
    def __init__(self, act2):
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 3, 1, 1)
        self.c2 = nn.Conv2d(8, 8, 3, 2, 1)
        self.act2 = act2
        self.fc = nn.Linear(8, 3)

    def forward(self, x):
        x = self.act2(self.c2(nn.functional.hardswish(self.c1(x))))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


class Gelu(nn.Module):
    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(3, 8, 3, 2, 1)
        self.fc = nn.Linear(8, 3)

    def forward(self, x):
        return self.fc(nn.functional.gelu(self.c(x)).mean((2, 3)))


class FlattenGemm(nn.Module):
    """x.view(x.size(0), -1) with a dynamic batch exports as Shape->Gather->Unsqueeze->Concat->Reshape."""

    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(3, 4, 3, 2, 1)
        self.fc1 = nn.Linear(4 * 4 * 4, 12)
        self.fc2 = nn.Linear(12, 5)

    def forward(self, x):
        x = torch.relu(self.c(x))
        x = x.view(x.size(0), -1)
        return self.fc2(torch.relu(self.fc1(x)))


class ShapeSlice(nn.Module):
    """Slice bounds computed from a shape: the first half of the channels, x[:, : x.size(1) // 2]."""

    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(3, 8, 3, 2, 1)
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        x = self.c(x)
        x = x[:, : x.size(1) // 2]
        return self.fc(x.mean((2, 3)))


class Patterns(nn.Module):
    """chunk as Slice, LayerNorm as ReduceMean/Sub/Pow/Sqrt/Div, a zero Pad before AveragePool, Keras-style
    Transpose->Flatten->Gemm."""

    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(3, 8, 3, 1, 1)
        self.norm = nn.LayerNorm(4)
        self.pool = nn.AvgPool2d(3, 2)
        self.fc = nn.Linear(4 * 4 * 4, 3)

    def forward(self, x):
        a, b = self.c(x).chunk(2, dim=1)
        x = torch.relu(a) * torch.sigmoid(b)
        x = self.norm(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        x = self.pool(nn.functional.pad(x, (1, 1, 1, 1)))
        return self.fc(torch.flatten(x.permute(0, 2, 3, 1), 1))


def export(name, make, shape, opset, *, train=False, dynamic=True, params_exact=False, covers='', random_weights=True):
    torch.manual_seed(sum(map(ord, name)))
    model = make()
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    if random_weights:
        randomize(model, len(name))
    x = torch.randn(*shape)
    f = io.BytesIO()
    kw = dict(input_names=['input'], output_names=['output'], opset_version=opset)
    if dynamic:
        kw['dynamic_axes'] = {'input': {0: 'N'}, 'output': {0: 'N'}}
    if train:
        # Tracing in training mode updates the BatchNorm statistics: read back what the file holds.
        kw['training'] = torch.onnx.TrainingMode.TRAINING
        kw['do_constant_folding'] = False
        model.train()
    else:
        model.eval()
    torch.onnx.export(model, x, f, **kw)
    m = onnx.load_from_string(f.getvalue())
    if train:
        inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
        with torch.no_grad():
            for k, v in model.state_dict().items():
                if k in inits:
                    v.copy_(torch.from_numpy(inits[k].copy()))
    model.eval()
    with torch.no_grad():
        y = model(x)
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(d, 'model.onnx'))
    np.save(os.path.join(d, 'input.npy'), x.numpy().astype(np.float32))
    np.save(os.path.join(d, 'output.npy'), y.numpy().astype(np.float32))
    entry = {'opset': opset, 'macs': count_macs(model, x[:1]), 'covers': covers}
    if params_exact:
        entry['params'] = sum(p.numel() for p in model.parameters())
    return entry


def rewrite(src, name, fn, covers, external=False):
    """Copies case `src` to `name` after fn(model) rewrites the ONNX graph the way another exporter would."""
    d = os.path.join(OUT, name)
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)
    m = onnx.load(os.path.join(OUT, src, 'model.onnx'))
    fn(m)
    if external:
        onnx.save_model(m, os.path.join(d, 'model.onnx'), save_as_external_data=True, all_tensors_to_one_file=True, location='weights.bin', size_threshold=0)
    else:
        onnx.save(m, os.path.join(d, 'model.onnx'))
    return covers


def constants_as_nodes(m):
    """Every rank-0/1 initializer (the biases here) becomes a Constant node, as exporters without constant folding write them."""
    g = m.graph
    keep, nodes = [], []
    for init in g.initializer:
        if len(init.dims) <= 1:
            nodes.append(helper.make_node('Constant', [], [init.name], value=init))
        else:
            keep.append(init)
    del g.initializer[:]
    g.initializer.extend(keep)
    old = list(g.node)
    del g.node[:]
    g.node.extend(nodes + old)


def weights_through_identity(m):
    g = m.graph
    ids = []
    for n in g.node:
        if n.op_type in ('Conv', 'Gemm'):
            w = n.input[1]
            ids.append(helper.make_node('Identity', [w], [w + '_id'], name=''))
            n.input[1] = w + '_id'
    old = list(g.node)
    del g.node[:]
    g.node.extend(ids + old)


def initializers_as_inputs(m):
    m.ir_version = 3
    for init in m.graph.initializer:
        m.graph.input.append(helper.make_tensor_value_info(init.name, init.data_type, list(init.dims)))
    for n in m.graph.node:
        n.name = ''


def main():
    os.makedirs(OUT, exist_ok=True)
    man = {}
    man['convbn_train'] = export('convbn_train', lambda: ConvBn(), (2, 3, 15, 15), 13, train=True, params_exact=True,
                                 covers='BatchNormalization kept (training-mode outputs), MaxPool ceil_mode, GlobalAveragePool, Flatten, Gemm')
    man['convbn_eval'] = export('convbn_eval', lambda: ConvBn(), (2, 3, 15, 15), 13, covers='BN folded into Conv by eval export')
    man['resblock'] = export('resblock', lambda: ResBlock(), (2, 3, 16, 16), 11, covers='residual Add with a strided 1x1 downsample, opset 11')
    man['depthwise'] = export('depthwise', lambda: InvertedResidual(), (2, 3, 12, 12), 13, covers='depthwise Conv (group = channels), ReLU6 as Clip with constant inputs, inverted residual')
    man['squeeze_excite'] = export('squeeze_excite', lambda: SqueezeExcite(nn.Sigmoid()), (2, 3, 16, 16), 13, params_exact=True,
                                   covers='squeeze-excite scaling (Mul broadcast), global pooling as ReduceMean over axes 2,3')
    man['hardswish13'] = export('hardswish13', lambda: Activations(nn.Hardsigmoid()), (2, 3, 12, 12), 13, params_exact=True,
                                covers='HardSwish as x*HardSigmoid(x) at opset 13, HardSigmoid')
    man['activations17'] = export('activations17', lambda: Activations(nn.SiLU()), (2, 3, 12, 12), 17, params_exact=True,
                                  covers='HardSwish op at opset 17, SiLU as x*Sigmoid(x)')
    man['gelu'] = export('gelu', lambda: Gelu(), (2, 3, 12, 12), 13, params_exact=True, covers='GELU as the Erf pattern')
    man['flatten_gemm'] = export('flatten_gemm', lambda: FlattenGemm(), (2, 3, 8, 8), 13, params_exact=True,
                                 covers='view(N, -1): Shape->Gather->Unsqueeze->Concat->Reshape folded, Gemm')
    man['shape_slice'] = export('shape_slice', lambda: ShapeSlice(), (2, 3, 8, 8), 13, params_exact=True,
                                covers='Slice whose bounds come from Shape->Gather->Div')
    man['patterns'] = export('patterns', lambda: Patterns(), (2, 3, 8, 8), 13, params_exact=True,
                             covers='chunk as Slice, LayerNorm as a ReduceMean/Sub/Pow/Sqrt/Div chain, zero Pad before AveragePool, Transpose->Flatten->Gemm')
    man['merged_inits'] = export('merged_inits', lambda: Untrained(), (2, 3, 8, 8), 13, random_weights=False,
                                 covers='an untrained network: the folded convs\' all-zero biases stored once, one initializer read by unrelated layers')
    man['merged_bn_stats'] = export('merged_bn_stats', lambda: UntrainedPreAct(), (2, 3, 8, 8), 13, random_weights=False,
                                    covers='an untrained network with BatchNorms before convs: scale and running variance one tensor, shift and running mean another, shared by two BatchNorms')
    for name, fn, covers, ext in [
        ('const_nodes', constants_as_nodes, 'Constant nodes instead of initializers', False),
        ('identity_weights', weights_through_identity, 'Conv/Gemm weights through Identity', False),
        ('init_inputs', initializers_as_inputs, 'IR version 3: initializers also listed as graph inputs, nodes unnamed', False),
        ('external_data', lambda m: None, 'initializers in an external data file (weights.bin)', True),
    ]:
        rewrite('convbn_eval', name, fn, covers, ext)
        man[name] = {**man['convbn_eval'], 'covers': covers, 'data': 'convbn_eval'}
    with open(os.path.join(OUT, 'manifest.json'), 'w') as f:
        json.dump(man, f, indent=1, sort_keys=True)
        f.write('\n')


if __name__ == '__main__':
    main()
