#!/usr/bin/env python3
"""Exports torchvision architectures to ONNX for test/models/torchvision.test.ts (PyTorch is the oracle).

For each model it writes, into OUT/<model>/ (OUT defaults to /tmp/whittle-torchvision; nothing here is committed,
the files are large, vgg11_bn alone is about 0.5 GB):
  model.onnx   torch.onnx.export, opset 13, eval mode (so BatchNorm after a Conv is folded into it), input 'input'
               and output 'output' with a dynamic batch dimension 'N', do_constant_folding on (the defaults)
  model-fixed.onnx  the same model exported the exporter's default way: without dynamic_axes, at batch 1 (the batch
               baked into the input shape and into shape constants such as Reshape targets), which whittle must run at
               batch 2 all the same
  input.npy    the float32 input, batch 2 (standard normal, seeded)
  output.npy   PyTorch's eval-mode output for that input
  output64.npy with --float64 only (slow, minutes): the same model run in float64 on the same input, to show the
               float32 rounding floor
  meta.json    the PyTorch parameter count (sum of numel of parameters()), the BatchNorm layers and which of them
               the exporter folds (a BatchNorm whose input is a Conv2d's output), the parameter count the ONNX file
               must then hold, and the MACs of one sample counted with forward hooks the way thop does (1 multiply-add
               = 1 MAC; Conv2d: output elements x in_channels/groups x kh x kw; Linear: output elements x
               in_features; biases, norms, activations and pooling not counted), the parameter elements that equal
               another parameter (which the exporter would merge; 0 here) and the float32 floor above

Weights are random but shaped like a trained network's: default torchvision init (seeded), then every norm layer's
affine weights, convnext's layer scales and every bias that torchvision initialises to zeros drawn at random (so no
two tensors are equal, which the exporter would merge into one initializer, and so folding errors show), BatchNorm
running statistics measured on random batches in train mode (so activations stay near unit scale through the
depth), and the last Conv2d/Linear scaled so that the largest output is 1 in absolute value (the test's tolerance
is an absolute 1e-4 on unit-scale outputs). Why the largest and not the standard deviation: deep networks in float32
are only about 1e-4 relative from exact (PyTorch's own float32 resnet50 output is 1.1-1.6e-4 from float64 when the
outputs have standard deviation 1, maximum about 3.5); with --float64, meta.json records that floor per model.

Input size: 64x64 for every model except vgg11_bn, whose AdaptiveAvgPool2d(7) exports only when the feature map
is a multiple of 7 (224x224 gives 7x7).

Run:  /usr/bin/python3 scripts/gen-torchvision-models.py [OUT] [--models a,b,...] [--force] [--float64]
      (Debian's python3-torch 1.13 and python3-torchvision 0.14; a model whose meta.json matches this generator's
      version is skipped unless --force.)
"""
import argparse
import copy
import json
import os
import sys
import time
import warnings

import numpy as np
import torch
import torch.nn as nn
import torchvision

GENERATOR_VERSION = 4
OPSET = 13
BATCH = 2
MODELS = {
    # name: (constructor, input H=W)
    'resnet18': (lambda: torchvision.models.resnet18(weights=None), 64),
    'resnet50': (lambda: torchvision.models.resnet50(weights=None), 64),
    'mobilenet_v2': (lambda: torchvision.models.mobilenet_v2(weights=None), 64),
    'mobilenet_v3_small': (lambda: torchvision.models.mobilenet_v3_small(weights=None), 64),
    'vgg11_bn': (lambda: torchvision.models.vgg11_bn(weights=None), 224),
    'squeezenet1_1': (lambda: torchvision.models.squeezenet1_1(weights=None), 64),
    'shufflenet_v2_x1_0': (lambda: torchvision.models.shufflenet_v2_x1_0(weights=None), 64),
    'densenet121': (lambda: torchvision.models.densenet121(weights=None), 64),
    'mnasnet1_0': (lambda: torchvision.models.mnasnet1_0(weights=None), 64),
    'efficientnet_b0': (lambda: torchvision.models.efficientnet_b0(weights=None), 64),
    'regnet_x_400mf': (lambda: torchvision.models.regnet_x_400mf(weights=None), 64),
    'googlenet': (lambda: torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=True), 64),
    'convnext_tiny': (lambda: torchvision.models.convnext_tiny(weights=None), 64),
}

NORMS = (nn.BatchNorm2d, nn.LayerNorm, nn.GroupNorm)


def seed_of(name: str) -> int:
    return sum((i + 1) * ord(c) for i, c in enumerate(name))


def randomize(model: nn.Module, g: torch.Generator) -> None:
    """Norm affine weights in [0.5, 1.5), biases in [-0.25, 0.25); convnext layer scales in [0.25, 0.75)."""
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, NORMS) and getattr(mod, 'weight', None) is not None:
                mod.weight.copy_(torch.rand(mod.weight.shape, generator=g) + 0.5)
                mod.bias.copy_((torch.rand(mod.bias.shape, generator=g) - 0.5) * 0.5)
            ls = getattr(mod, 'layer_scale', None)
            if isinstance(ls, nn.Parameter):
                ls.copy_(torch.rand(ls.shape, generator=g) * 0.5 + 0.25)
        # Biases that torchvision initialises to a constant (zeros): small random values instead.
        for p in model.parameters():
            if p.numel() > 1 and bool((p == p.flatten()[0]).all()):
                p.add_(torch.randn(p.shape, generator=g) * 0.05)


def duplicate_elements(model: nn.Module) -> int:
    """Elements of parameters equal in shape and value to an earlier one: torch.onnx.export keeps one initializer
    for such a group (_jit_pass_onnx_deduplicate_initializers), so the file holds fewer. 0 after randomize()."""
    seen = []
    dup = 0
    for p in model.parameters():
        if any(q.shape == p.shape and torch.equal(q, p) for q in seen):
            dup += p.numel()
        else:
            seen.append(p.detach())
    return dup


def calibrate(model: nn.Module, size: int, g: torch.Generator) -> None:
    """BatchNorm running statistics = the cumulative mean/var over a few random batches, in train mode."""
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not bns:
        return
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None
    model.train()
    n = 4 if size > 100 else 8
    with torch.no_grad():
        for _ in range(2):
            model(torch.randn(n, 3, size, size, generator=g))
    model.eval()


def last_affine(model: nn.Module) -> nn.Module:
    last = None
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            last = m
    return last


def count_macs_and_folds(model: nn.Module, x: torch.Tensor) -> dict:
    """thop-style MACs of one sample (forward hooks on Conv2d/Linear), and which BatchNorm2d layers read a Conv2d's
    output directly (those that the eval-mode exporter folds into that Conv)."""
    macs = [0]
    conv_out = {}  # id(tensor) -> (tensor, conv); the tensor is kept so that its id stays unique
    folds = []

    def hook(mod, _inp, out):
        per = out.numel() // out.shape[0]
        if isinstance(mod, nn.Conv2d):
            macs[0] += per * (mod.in_channels // mod.groups) * mod.kernel_size[0] * mod.kernel_size[1]
            conv_out[id(out)] = (out, mod)
        elif isinstance(mod, nn.Linear):
            macs[0] += per * mod.in_features

    def bn_pre(mod, inp):
        hit = conv_out.get(id(inp[0]))
        if hit is not None and hit[0] is inp[0]:
            folds.append((hit[1], mod))

    hs = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    hs += [m.register_forward_pre_hook(bn_pre) for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    with torch.no_grad():
        model(x)
    for h in hs:
        h.remove()
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    bn_params = sum(p.numel() for m in bns for p in m.parameters())
    folded_bn_params = sum(bn.weight.numel() + bn.bias.numel() for _, bn in folds)
    added_bias = sum(conv.out_channels for conv, _ in folds if conv.bias is None)
    return {
        'macs': macs[0],
        'bn_layers': len(bns),
        'bn_params': bn_params,
        'bn_folded': len(folds),
        'bn_folded_params': folded_bn_params,
        'folded_conv_bias_added': added_bias,
    }


def generate(name: str, out_root: str, force: bool, float64: bool) -> dict:
    make, size = MODELS[name]
    d = os.path.join(out_root, name)
    meta_path = os.path.join(d, 'meta.json')
    if not force and os.path.exists(meta_path) and os.path.exists(os.path.join(d, 'model.onnx')) and \
            os.path.exists(os.path.join(d, 'model-fixed.onnx')):
        with open(meta_path) as f:
            meta = json.load(f)
        if meta.get('generator_version') == GENERATOR_VERSION and meta.get('torch') == torch.__version__ and \
                (meta.get('pytorch_f32_vs_f64') is not None or not float64):
            print(f'{name}: up to date ({meta_path})', flush=True)
            return meta
    os.makedirs(d, exist_ok=True)
    t0 = time.time()
    seed = seed_of(name)
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    model = make()
    randomize(model, g)
    calibrate(model, size, g)
    model.eval()
    x = torch.randn(BATCH, 3, size, size, generator=g)
    with torch.no_grad():
        y = model(x)
        last = last_affine(model)
        s = float(y.abs().max())
        last.weight.mul_(1.0 / s)
        if last.bias is not None:
            last.bias.mul_(1.0 / s)
        y = model(x)
        # The float32 floor: how far PyTorch's own float32 output is from the same model run in float64 (slow:
        # PyTorch's float64 grouped convolutions take minutes on mobilenet_v2, so only with --float64).
        y64 = copy.deepcopy(model).double()(x.double()) if float64 else None
    counts = count_macs_and_folds(model, x[:1])
    pt_params = sum(p.numel() for p in model.parameters())
    dup = duplicate_elements(model)
    if dup:
        print(f'{name}: warning: {dup} parameter elements duplicate another parameter; the exporter merges them', flush=True)
    onnx_path = os.path.join(d, 'model.onnx')
    tmp = onnx_path + '.tmp'
    t1 = time.time()
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        torch.onnx.export(model, x, tmp, opset_version=OPSET, input_names=['input'], output_names=['output'],
                          dynamic_axes={'input': {0: 'N'}, 'output': {0: 'N'}})
    export_s = time.time() - t1
    os.replace(tmp, onnx_path)
    fixed_path = os.path.join(d, 'model-fixed.onnx')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        torch.onnx.export(model, x[:1], fixed_path + '.tmp', opset_version=OPSET, input_names=['input'], output_names=['output'])
    os.replace(fixed_path + '.tmp', fixed_path)
    np.save(os.path.join(d, 'input.npy'), x.numpy().astype(np.float32))
    np.save(os.path.join(d, 'output.npy'), y.numpy().astype(np.float32))
    p64 = os.path.join(d, 'output64.npy')
    if y64 is not None:
        np.save(p64, y64.numpy())
    elif os.path.exists(p64):
        os.remove(p64)
    meta = {
        'generator_version': GENERATOR_VERSION,
        'torch': torch.__version__,
        'torchvision': torchvision.__version__,
        'model': name,
        'seed': seed,
        'opset': OPSET,
        'input_shape': list(x.shape),
        'output_shape': list(y.shape),
        'output_std': float(y.std()),
        'output_max_abs': float(y.abs().max()),
        'pytorch_f32_vs_f64': None if y64 is None else float((y.double() - y64).abs().max()),
        'pytorch_params': pt_params,
        **counts,
        # What the eval-mode ONNX file must hold as parameters: a folded BatchNorm's weight and bias disappear and
        # its Conv gains a bias of out_channels elements if it had none; unfolded BatchNorms keep weight and bias.
        'duplicate_param_elements': dup,
        'expected_onnx_params': pt_params - counts['bn_folded_params'] + counts['folded_conv_bias_added'] - dup,
        'onnx_bytes': os.path.getsize(onnx_path),
        'pytorch_export_seconds': round(export_s, 3),
    }
    with open(meta_path, 'w') as f:
        json.dump(meta, f, indent=1)
    print(f"{name}: {meta['input_shape']} -> {meta['output_shape']}, {pt_params:,} params "
          f"({meta['bn_folded']}/{meta['bn_layers']} BatchNorm folded), {meta['macs']:,} MACs, "
          f"{meta['onnx_bytes'] / 1e6:.1f} MB, {time.time() - t0:.1f} s", flush=True)
    return meta


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('out', nargs='?', default='/tmp/whittle-torchvision', help='output folder (default %(default)s)')
    p.add_argument('--models', default=','.join(MODELS), help='comma-separated subset (default: all)')
    p.add_argument('--force', action='store_true', help='regenerate models that are up to date')
    p.add_argument('--float64', action='store_true', help='also run each model in float64 (output64.npy; slow)')
    a = p.parse_args()
    names = [n for n in a.models.split(',') if n]
    bad = [n for n in names if n not in MODELS]
    if bad:
        sys.exit(f"unknown model(s): {', '.join(bad)}; known: {', '.join(MODELS)}")
    torch.set_num_threads(2)
    os.makedirs(a.out, exist_ok=True)
    for n in names:
        generate(n, a.out, a.force, a.float64)


if __name__ == '__main__':
    main()
