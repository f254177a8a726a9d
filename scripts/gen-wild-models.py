#!/usr/bin/env python3
"""Exports the "models from the wild" of issue 33 to ONNX, with PyTorch's outputs and gradients as the oracle.

For each model, opset and batch mode it writes OUT/<model>-op<opset>-<fixed|dynamic>/:
  model.onnx    torch.onnx.export in eval mode, input(s) 'input', output 'output'; 'fixed' is the exporter's default
                (the example's batch of 1 baked into the file), 'dynamic' gives dim 0 of inputs and output the
                symbol 'N' (dynamic_axes)
  x1.npy y1.npy an input at batch 1 and PyTorch's eval-mode output for it
  x3.npy y3.npy the same at batch 3
  r3.npy        a fixed random tensor shaped like y3: the training step's loss is sum(y3 * r3)
  grads.npy     that loss's gradients for every ONNX initializer that holds a PyTorch parameter (found by value,
                as it is or transposed; a GRU's or LSTM's W, R and B rebuilt from its parameters), flattened and concatenated; grads.json lists [initializer, shape, offset,
                parameter] for each, in order
  meta.json     model, opset, batch mode, input dtype, what the file's ops are, and the tolerance rule
A variant that PyTorch cannot export (e.g. opset 11 for a model whose ops need a newer one) is skipped with a line
saying why. Conv followed by BatchNorm inside a Sequential is fused in PyTorch before export (the eval export fuses
it anyway), so every parameter of the file has a PyTorch gradient.

With --fixtures, the op13-fixed and op17-fixed variants whose folder stays under --max-kb (default 450) are copied to
test/fixtures/wild/ (swin_tiny: its op17-fixed variant only, up to 700 KB; committed, test/onnx/wild-fixtures.test.ts
reads them). The large ones (swin_t) stay in OUT, which scripts/check-wild-models.sh checks (WHITTLE_WILD_DIR).

Run:  /usr/bin/python3 scripts/gen-wild-models.py [OUT] [--models a,b] [--opsets 11,13,17] [--fixtures] [--force]
      (Debian's python3-torch 1.13 and python3-torchvision 0.14; OUT defaults to /tmp/whittle-wild)
"""
import argparse
import json
import os
import shutil
import sys
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

GENERATOR_VERSION = 3
# The variants --fixtures copies (one fixed-batch file per current opset; the rest are checked from OUT).
FIXTURE_VARIANTS = ('op13-fixed', 'op17-fixed')
# Models whose graph alone is large (swin_tiny: 1,600 nodes, 650 KB a folder): one variant, under its own limit in KB.
FIXTURE_ONE = {'swin_tiny': ('op17-fixed', 700)}
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'wild')


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 6, 5)
        self.c2 = nn.Conv2d(6, 16, 5)
        self.f1 = nn.Linear(400, 120)
        self.f2 = nn.Linear(120, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        x = x.view(x.size(0), -1)
        return self.f2(F.relu(self.f1(x)))


class TextClassifier(nn.Module):
    """Token ids (int64) -> embedding -> 2-layer TransformerEncoder -> mean over tokens -> logits."""

    def __init__(self, vocab=100, d=16, heads=4, classes=3):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        layer = nn.TransformerEncoderLayer(d, heads, 32, dropout=0.0, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.fc = nn.Linear(d, classes)

    def forward(self, t):
        return self.fc(self.enc(self.emb(t)).mean(1))


class UNet(nn.Module):
    """Two down steps, one bilinear and one nearest up step, skip connections by concatenation."""

    def __init__(self, c=8, classes=3):
        super().__init__()
        self.e1 = nn.Sequential(nn.Conv2d(3, c, 3, padding=1), nn.ReLU())
        self.e2 = nn.Sequential(nn.Conv2d(c, 2 * c, 3, padding=1), nn.ReLU())
        self.mid = nn.Sequential(nn.Conv2d(2 * c, 2 * c, 3, padding=1), nn.ReLU())
        self.up1 = nn.Upsample(scale_factor=2, mode='bilinear', align_corners=False)
        self.d1 = nn.Sequential(nn.Conv2d(4 * c, c, 3, padding=1), nn.ReLU())
        self.up2 = nn.Upsample(scale_factor=2, mode='nearest')
        self.d2 = nn.Conv2d(2 * c, classes, 1)

    def forward(self, x):
        a = self.e1(x)
        b = self.e2(F.max_pool2d(a, 2))
        m = self.mid(F.max_pool2d(b, 2))
        u = self.d1(torch.cat([self.up1(m), b], 1))
        return self.d2(torch.cat([self.up2(u), a], 1))


class Conv1dNet(nn.Module):
    def __init__(self, classes=5):
        super().__init__()
        self.f = nn.Sequential(nn.Conv1d(2, 8, 5, padding=2), nn.BatchNorm1d(8), nn.ReLU(), nn.MaxPool1d(2),
                               nn.Conv1d(8, 16, 3, stride=2), nn.ReLU(), nn.AdaptiveAvgPool1d(1))
        self.fc = nn.Linear(16, classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.f(x), 1))


class Conv3dNet(nn.Module):
    def __init__(self, classes=4):
        super().__init__()
        self.f = nn.Sequential(nn.Conv3d(1, 4, 3, padding=1), nn.BatchNorm3d(4), nn.ReLU(), nn.MaxPool3d(2),
                               nn.Conv3d(4, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool3d(1))
        self.fc = nn.Linear(8, classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.f(x), 1))


class RnnClassifier(nn.Module):
    def __init__(self, kind, classes=4):
        super().__init__()
        self.rnn = (nn.GRU if kind == 'gru' else nn.LSTM)(6, 12, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(24, classes)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.fc(y[:, -1])


def tiny_shufflenet():
    return torchvision.models.ShuffleNetV2([2, 2, 2], [8, 16, 32, 64, 128], num_classes=10)


def small_vit():
    return torchvision.models.VisionTransformer(image_size=32, patch_size=4, num_layers=2, num_heads=4, hidden_dim=32,
                                               mlp_dim=64, num_classes=10)


def small_swin():
    """swin_t's blocks at a fixture's size: shifted 4x4 windows with their attention mask and relative position bias,
    one patch merging."""
    return torchvision.models.SwinTransformer(patch_size=[4, 4], embed_dim=16, depths=[2, 2], num_heads=[2, 4],
                                              window_size=[4, 4], stochastic_depth_prob=0.0, num_classes=10)


# name: (constructor, input shape without the batch, input kind: 'float' or ('tokens', vocab))
MODELS = {
    'lenet': (LeNet, (1, 32, 32), 'float'),
    'shufflenet_tiny': (tiny_shufflenet, (3, 32, 32), 'float'),
    'shufflenet_v2_x0_5': (lambda: torchvision.models.shufflenet_v2_x0_5(weights=None), (3, 64, 64), 'float'),
    'vit': (small_vit, (3, 32, 32), 'float'),
    'swin_tiny': (small_swin, (3, 32, 32), 'float'),
    'swin_t': (lambda: torchvision.models.swin_t(weights=None), (3, 64, 64), 'float'),
    'text_transformer': (TextClassifier, (12,), ('tokens', 100)),
    'unet': (UNet, (3, 16, 16), 'float'),
    'conv1d': (Conv1dNet, (2, 32), 'float'),
    'conv3d': (Conv3dNet, (1, 8, 8, 8), 'float'),
    'gru': (lambda: RnnClassifier('gru'), (7, 6), 'float'),
    'lstm': (lambda: RnnClassifier('lstm'), (7, 6), 'float'),
}


def seed_of(name):
    return sum((i + 1) * ord(c) for i, c in enumerate(name))


def fuse_conv_bn(model):
    """Conv followed by BatchNorm in a Sequential: one Conv with the BatchNorm folded in (as the eval export does)."""
    from torch.nn.utils.fusion import fuse_conv_bn_eval
    for mod in list(model.modules()):
        if not isinstance(mod, nn.Sequential):
            continue
        keys = list(mod._modules.keys())
        for a, b in zip(keys, keys[1:]):
            conv, bn = mod._modules[a], mod._modules[b]
            if isinstance(conv, (nn.Conv1d, nn.Conv2d, nn.Conv3d)) and isinstance(bn, nn.modules.batchnorm._BatchNorm):
                mod._modules[a] = fuse_conv_bn_eval(conv, bn)
                mod._modules[b] = nn.Identity()


def randomize(model, g):
    """Random norms, biases and tokens (torchvision zero-initialises ViT's head and class token): no two equal
    tensors (the exporter would merge them) and outputs that are not all zero."""
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, nn.modules.batchnorm._BatchNorm):
                mod.running_mean.copy_(torch.randn(mod.running_mean.shape, generator=g) * 0.1)
                mod.running_var.copy_(torch.rand(mod.running_var.shape, generator=g) + 0.5)
        for p in model.parameters():
            if p.numel() == 1 or bool((p == p.flatten()[0]).all()):
                p.copy_(torch.randn(p.shape, generator=g) * 0.1 + (1.0 if p.dim() == 1 and float(p.flatten()[0]) == 1.0 else 0.0))
            else:
                # Cloned layers (nn.TransformerEncoder deep-copies one) would start equal and share an initializer.
                p.add_(torch.randn(p.shape, generator=g) * 0.1 * float(p.std()))


def make_input(kind, shape, batch, g):
    if kind == 'float':
        return torch.randn((batch,) + shape, generator=g)
    return torch.randint(0, kind[1], (batch,) + shape, generator=g)


def param_map(model, onnx_model):
    """ONNX initializer name -> (PyTorch parameter name, transposed?) for initializers holding a parameter."""
    from onnx import numpy_helper
    params = {n: p.detach().numpy() for n, p in model.named_parameters()}
    out = {}
    for t in onnx_model.graph.initializer:
        a = numpy_helper.to_array(t)
        if a.dtype != np.float32:
            continue
        for n, p in params.items():
            if p.shape == a.shape and np.array_equal(p, a):
                out[t.name] = (n, False)
                break
            if p.ndim == 2 and p.T.shape == a.shape and np.array_equal(p.T, a):
                out[t.name] = (n, True)
                break
    return out


def rnn_tensors(model, value):
    """For every nn.GRU/nn.LSTM: its ONNX W, R and B (gates reordered, directions stacked, the two biases joined)
    built from value(parameter) (the parameter itself, or its gradient), named like the module's parameters."""
    out = []
    for mname, mod in model.named_modules():
        if not isinstance(mod, (nn.GRU, nn.LSTM)):
            continue
        h = mod.hidden_size
        # PyTorch's gate order to ONNX's: GRU r,z,n -> z,r,h; LSTM i,f,g,o -> i,o,f,c.
        order = [1, 0, 2] if isinstance(mod, nn.GRU) else [0, 3, 1, 2]

        def gates(t):
            return np.concatenate([t[k * h:(k + 1) * h] for k in order], 0)
        for layer in range(mod.num_layers):
            sfx = [f'_l{layer}'] + ([f'_l{layer}_reverse'] if mod.bidirectional else [])
            get = lambda n: value(getattr(mod, n)).detach().numpy()  # noqa: E731
            w = np.stack([gates(get('weight_ih' + s_)) for s_ in sfx])
            r = np.stack([gates(get('weight_hh' + s_)) for s_ in sfx])
            b = np.stack([np.concatenate([gates(get('bias_ih' + s_)), gates(get('bias_hh' + s_))]) for s_ in sfx])
            for kind, arr in (('W', w), ('R', r), ('B', b)):
                out.append((f'{mname}.{kind}_l{layer}', arr))
    return out


def export(model, x, path, opset, dynamic):
    names = {'input_names': ['input'], 'output_names': ['output']}
    if dynamic:
        names['dynamic_axes'] = {'input': {0: 'N'}, 'output': {0: 'N'}}
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        torch.onnx.export(model, x, path, opset_version=opset, **names)


def generate(name, opset, dynamic, out_root, force):
    import onnx
    make, shape, kind = MODELS[name]
    d = os.path.join(out_root, f"{name}-op{opset}-{'dynamic' if dynamic else 'fixed'}")
    meta_path = os.path.join(d, 'meta.json')
    if not force and os.path.exists(meta_path):
        with open(meta_path) as f:
            if json.load(f).get('generator_version') == GENERATOR_VERSION:
                print(f'{os.path.basename(d)}: up to date', flush=True)
                return d
    seed = seed_of(name)
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    model = make()
    randomize(model, g)
    model.eval()
    fuse_conv_bn(model)
    x1 = make_input(kind, shape, 1, g)
    x3 = make_input(kind, shape, 3, g)
    os.makedirs(d, exist_ok=True)
    tmp = os.path.join(d, 'model.onnx.tmp')
    try:
        export(model, x1, tmp, opset, dynamic)
    except Exception as e:  # noqa: BLE001 - the exporter raises many kinds
        shutil.rmtree(d, ignore_errors=True)
        print(f'{os.path.basename(d)}: not exported ({str(e).splitlines()[0][:160]})', flush=True)
        return None
    os.replace(tmp, os.path.join(d, 'model.onnx'))
    m = onnx.load(os.path.join(d, 'model.onnx'))
    with torch.no_grad():
        y1 = model(x1)
    y3 = model(x3)
    r3 = torch.randn(y3.shape, generator=g)
    model.zero_grad()
    (y3 * r3).sum().backward()
    grads = dict(model.named_parameters())
    rows, flat, offset = [], [], 0
    for init, (pname, transposed) in param_map(model, m).items():
        gr = grads[pname].grad
        if gr is None:
            continue
        gr = (gr.t() if transposed else gr).detach().numpy().astype(np.float32)
        rows.append([init, list(gr.shape), offset, pname])
        flat.append(gr.ravel())
        offset += gr.size
    from onnx import numpy_helper
    inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    for (pname, value), (_, grad) in zip(rnn_tensors(model, lambda p: p), rnn_tensors(model, lambda p: p.grad)):
        init = next((n for n, a in inits.items() if a.shape == value.shape and np.array_equal(a, value)), None)
        if init is not None:
            rows.append([init, list(grad.shape), offset, pname])
            flat.append(grad.astype(np.float32).ravel())
            offset += grad.size
    np.save(os.path.join(d, 'x1.npy'), x1.numpy())
    np.save(os.path.join(d, 'y1.npy'), y1.numpy().astype(np.float32))
    np.save(os.path.join(d, 'x3.npy'), x3.numpy())
    np.save(os.path.join(d, 'y3.npy'), y3.detach().numpy().astype(np.float32))
    np.save(os.path.join(d, 'r3.npy'), r3.numpy().astype(np.float32))
    np.save(os.path.join(d, 'grads.npy'), np.concatenate(flat) if flat else np.zeros(0, np.float32))
    with open(os.path.join(d, 'grads.json'), 'w') as f:
        json.dump(rows, f, indent=0)
    meta = {
        'generator_version': GENERATOR_VERSION, 'torch': torch.__version__, 'torchvision': torchvision.__version__,
        'model': name, 'opset': opset, 'batch': 'dynamic' if dynamic else 'fixed',
        'input_dtype': 'float32' if kind == 'float' else 'int64',
        'ops': sorted({n.op_type for n in m.graph.node}),
        'params': sum(p.numel() for p in model.parameters()), 'params_with_grads': len(rows),
        'tolerance': '|d| <= 1e-4 + 1e-3 * max|ref|',
    }
    with open(meta_path, 'w') as f:
        json.dump(meta, f, indent=1)
    kb = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d)) / 1024
    print(f"{os.path.basename(d)}: {kb:.0f} KB, {len(m.graph.node)} nodes, {len(rows)} params with gradients", flush=True)
    return d


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('out', nargs='?', default='/tmp/whittle-wild')
    p.add_argument('--models', default=','.join(MODELS))
    p.add_argument('--opsets', default='11,13,17')
    p.add_argument('--fixtures', action='store_true', help='copy the small variants to test/fixtures/wild/')
    p.add_argument('--max-kb', type=float, default=450)
    p.add_argument('--force', action='store_true')
    a = p.parse_args()
    names = [n for n in a.models.split(',') if n]
    bad = [n for n in names if n not in MODELS]
    if bad:
        sys.exit(f"unknown model(s): {', '.join(bad)}; known: {', '.join(MODELS)}")
    torch.set_num_threads(2)
    os.makedirs(a.out, exist_ok=True)
    for n in names:
        for opset in [int(o) for o in a.opsets.split(',')]:
            for dynamic in (False, True):
                d = generate(n, opset, dynamic, a.out, a.force)
                if not d or not a.fixtures:
                    continue
                kb = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d)) / 1024
                variant = os.path.basename(d).split('-', 1)[1]
                one = FIXTURE_ONE.get(n)
                if (variant == one[0] and kb <= one[1]) if one else (kb <= a.max_kb and variant in FIXTURE_VARIANTS):
                    dst = os.path.join(FIXTURES, os.path.basename(d))
                    shutil.rmtree(dst, ignore_errors=True)
                    shutil.copytree(d, dst)


if __name__ == '__main__':
    main()
