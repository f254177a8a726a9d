#!/usr/bin/env python3
"""Writes the PyTorch goldens that whittle's tests compare against (PyTorch is the oracle, STYLE.md 4 and 7.5).

What it writes (small, committed, deterministic: rerun after changing a case and commit the diff):
  test/fixtures/ops.json        one case per op and variant of src/tensor/ops: the inputs, the forward outputs and
                                the gradients of  L = sum_k sum(out_k * w_k)  with respect to every float input
                                that requires grad; plus torch.optim SGD/AdamW trajectories, LR schedules and
                                clip_grad_norm_ numbers (section "optim").
  test/fixtures/zoo-grads.json  vgg-small and resnet-small (bench/peer/zoo.py, same parameter names as
                                src/nn/zoo.ts) in train mode: the loss, and per parameter the gradient's L2 norm plus
                                32 entries at fixed indices; BatchNorm running stats after the step likewise; then eval-mode logits.
                                Computed in float64: a float32 result depends on the CPU's kernels (the same torch
                                on an AVX-512 machine differed from these by up to 5e-4 of a tensor's RMS), the
                                float64 one does not, and the test allows for whittle's float32 rounding.
Why: the tests must run without Python, and whittle must agree with PyTorch on every op, forward and backward.
Run:  /usr/bin/python3 scripts/gen-fixtures.py [ops] [zoo]   (both by default; Debian's python3-torch 1.13; 1 thread)

Conventions that test/helpers/fixtures.ts repeats (change both together):
  * Inputs are randn values rounded to 4 decimals and stored as decimals, so that both sides parse the same
    double and round it to the same float32. Values near the kinks of relu/abs/clip/hardswish are nudged away,
    so that finite differences (test/tensor/gradcheck.test.ts) are valid on the same inputs.
  * Output weights: w_k[i] = (((7 i + 3 + 5 k) mod 11) - 5) / 4 for output k, flat row-major index i (exact in
    floating point, so no transcendental function has to agree across languages).
  * Floats are written with 7 significant digits.
  * Zoo weights: parameter number k (its position in the file's `names`), flat index i:
      rank >= 2:            sin(0.37 i + k) * sqrt(3 / fan_in),  fan_in = numel / shape[0]
      rank 1, '*.weight':   1 + 0.1 sin(0.37 i + k)       (BatchNorm scale)
      rank 1, '*.bias':     0.1 cos(0.37 i + k)
    input x[i] = sin(0.05 i) + 0.5 cos(0.37 i) over [N, C, H, W];  target[n] = (3 n + 1) mod classes.
"""
import json
import math
import os
import sys
import warnings

import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'bench', 'peer'))
import zoo  # noqa: E402  (the PyTorch twins of src/nn/zoo.ts)

torch.set_num_threads(1)
warnings.simplefilter('ignore')
GEN = torch.Generator().manual_seed(20240607)
KINKS = (0.0, 0.2, 0.3, 0.5, 0.7, 1.0, 3.0, 6.0)


def fmt(v):
    """A float with 7 significant digits (ints stay ints)."""
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    if math.isnan(v) or math.isinf(v):
        raise ValueError('non-finite value in a fixture')
    return float(f'{v:.7g}')


def nudge(v):
    for k in KINKS:
        for s in (k, -k):
            if abs(v - s) < 2e-3:
                v = s + 0.0071
    return round(v, 4)


def r(*shape, scale=1.0, offset=0.0, positive=False, dtype=torch.float32):
    """Random input: randn * scale + offset, 4 decimals, away from kinks (positive: |v| + 0.25)."""
    raw = torch.randn(shape, generator=GEN, dtype=torch.float64).flatten().tolist()
    vals = [nudge(abs(v * scale) + 0.25 if positive else v * scale + offset) for v in raw]
    return torch.tensor(vals, dtype=dtype).reshape(shape)


def ri(high, *shape):
    return torch.randint(0, high, shape, generator=GEN, dtype=torch.int64)


def weights(n, k, dtype):
    return torch.tensor([(((7 * i + 3 + 5 * k) % 11) - 5) / 4 for i in range(n)], dtype=dtype)


def enc(t, decimals=None):
    t = t.detach()
    data = t.flatten().tolist()
    if t.dtype == torch.bool:
        data = [int(v) for v in data]
    elif decimals is not None:
        data = [round(v, decimals) for v in data]
    else:
        data = [fmt(v) for v in data]
    return {'shape': list(t.shape), 'dtype': str(t.dtype).replace('torch.', ''), 'data': data}


CASES = []


def case(name, op, inputs, fn, args=None, gradcheck=True):
    """inputs: dict name -> (tensor, requires_grad); fn(inputs, args) -> tensor or list of tensors."""
    args = args or {}
    leaves = {}
    enc_inputs = []
    for key, (t, grad) in inputs.items():
        e = enc(t, 4 if t.dtype.is_floating_point else None)
        e.update(name=key, grad=bool(grad))
        enc_inputs.append(e)
        # rebuilt from what the file holds, so both sides start from the very same values
        leaves[key] = torch.tensor(e['data'], dtype=t.dtype).reshape(t.shape).requires_grad_(bool(grad))
    out = fn(leaves, args)
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    enc_outs = []
    loss = None
    for k, o in enumerate(outs):
        e = enc(o)
        e['diff'] = bool(o.requires_grad)
        enc_outs.append(e)
        if o.requires_grad:
            term = (o * weights(o.numel(), k, o.dtype).reshape(o.shape)).sum()
            loss = term if loss is None else loss + term
    grads = []
    if loss is not None:
        loss.backward()
    for key, (t, grad) in inputs.items():
        g = leaves[key].grad
        grads.append(None if not grad else enc(g if g is not None else torch.zeros_like(t)))
    CASES.append({'name': f'{op}/{name}', 'op': op, 'args': args, 'inputs': enc_inputs, 'outputs': enc_outs,
                  'grads': grads, 'gradcheck': bool(gradcheck and loss is not None)})


def unary(op, fn, shapes=((2, 6),), variants=(('basic', {}),), **rk):
    for shape in shapes:
        for vname, args in variants:
            case(f'{vname}-{"x".join(map(str, shape))}', op, {'x': (r(*shape, **rk), True)}, lambda i, a: fn(i['x'], a), args)


def pair(v):
    return tuple(v) if isinstance(v, list) else v


# ---- nn ---------------------------------------------------------------------------------------------------
def conv(i, a):
    return F.conv2d(i['x'], i['w'], i.get('b'), stride=pair(a.get('stride', 1)), padding=pair(a.get('padding', 0)),
                    dilation=pair(a.get('dilation', 1)), groups=a.get('groups', 1))


case('basic', 'conv2d', {'x': (r(1, 3, 5, 5), 1), 'w': (r(4, 3, 3, 3), 1), 'b': (r(4), 1)}, conv)
case('stride2-pad1', 'conv2d', {'x': (r(1, 2, 5, 5), 1), 'w': (r(3, 2, 3, 3), 1), 'b': (r(3), 1)}, conv, {'stride': 2, 'padding': 1})
case('stride21-pad10', 'conv2d', {'x': (r(1, 2, 5, 4), 1), 'w': (r(2, 2, 3, 3), 1)}, conv, {'stride': [2, 1], 'padding': [1, 0]})
case('dilation2', 'conv2d', {'x': (r(1, 2, 6, 6), 1), 'w': (r(2, 2, 3, 3), 1), 'b': (r(2), 1)}, conv, {'dilation': 2, 'padding': 2})
case('groups2', 'conv2d', {'x': (r(1, 4, 4, 4), 1), 'w': (r(4, 2, 3, 3), 1), 'b': (r(4), 1)}, conv, {'groups': 2, 'padding': 1})
case('depthwise', 'conv2d', {'x': (r(1, 3, 5, 5), 1), 'w': (r(3, 1, 3, 3), 1)}, conv, {'groups': 3, 'padding': 1})
case('batch2-1x1-nobias', 'conv2d', {'x': (r(2, 3, 3, 3), 1), 'w': (r(2, 3, 1, 1), 1)}, conv)


def bn(i, a):
    rm, rv = i.get('runningMean'), i.get('runningVar')
    y = F.batch_norm(i['x'], rm, rv, i.get('weight'), i.get('bias'), training=a['training'], momentum=a.get('momentum', 0.1), eps=a.get('eps', 1e-5))
    return [y] + [t for t in (rm, rv) if t is not None]


def bn_inputs(c=2, affine=True, stats=True):
    d = {'x': (r(3, c, 2, 2, scale=1.5, offset=0.3), 1)}
    if affine:
        d.update(weight=(r(c, offset=1.0), 1), bias=(r(c), 1))
    if stats:
        d.update(runningMean=(r(c), 0), runningVar=(r(c, positive=True), 0))
    return d


case('train', 'batchNorm', bn_inputs(), bn, {'training': True})
case('train-momentum0.3-eps1e-3', 'batchNorm', bn_inputs(), bn, {'training': True, 'momentum': 0.3, 'eps': 1e-3})
case('train-no-affine', 'batchNorm', bn_inputs(affine=False), bn, {'training': True})
case('train-no-stats', 'batchNorm', bn_inputs(stats=False), bn, {'training': True})
case('eval', 'batchNorm', bn_inputs(3), bn, {'training': False})


def ln(i, a):
    return F.layer_norm(i['x'], a['shape'], i.get('weight'), i.get('bias'), a.get('eps', 1e-5))


case('last-affine', 'layerNorm', {'x': (r(2, 3, 4), 1), 'weight': (r(4, offset=1), 1), 'bias': (r(4), 1)}, ln, {'shape': [4]})
case('last2-plain', 'layerNorm', {'x': (r(2, 3, 4), 1)}, ln, {'shape': [3, 4], 'eps': 1e-3})

case('3d', 'linear', {'x': (r(2, 3, 5), 1), 'w': (r(4, 5), 1), 'b': (r(4), 1)}, lambda i, a: F.linear(i['x'], i['w'], i.get('b')))
case('nobias', 'linear', {'x': (r(3, 5), 1), 'w': (r(2, 5), 1)}, lambda i, a: F.linear(i['x'], i['w'], i.get('b')))

unary('relu', lambda x, a: F.relu(x))
unary('relu6', lambda x, a: F.relu6(x), scale=4.0, offset=2.0)
case('spans-0-6', 'relu6', {'x': (torch.tensor([[-1.5, 0.25, 3.1], [5.9, 6.4, 7.25]]), 1)}, lambda i, a: F.relu6(i['x']))
unary('leakyRelu', lambda x, a: F.leaky_relu(x, a.get('slope', 0.01)), variants=(('default', {}), ('slope0.2', {'slope': 0.2})))
unary('clip', lambda x, a: torch.clamp(x, a['min'], a['max']),
      variants=(('both', {'min': -0.5, 'max': 0.7}), ('max-only', {'min': None, 'max': 0.3}), ('min-only', {'min': -0.2, 'max': None})))
unary('sigmoid', lambda x, a: torch.sigmoid(x), scale=2.0)
unary('hardsigmoid', lambda x, a: F.hardsigmoid(x), scale=4.0)
unary('hardswish', lambda x, a: F.hardswish(x), scale=4.0)
unary('silu', lambda x, a: F.silu(x), scale=2.0)
unary('gelu', lambda x, a: F.gelu(x, approximate=a.get('approximate', 'none')), variants=(('none', {}), ('tanh', {'approximate': 'tanh'})), scale=2.0)
unary('tanh', lambda x, a: torch.tanh(x), scale=2.0)
unary('softmax', lambda x, a: F.softmax(x, a['dim']), shapes=((2, 3, 4),), variants=(('last', {'dim': -1}), ('dim0', {'dim': 0})))
unary('logSoftmax', lambda x, a: F.log_softmax(x, a['dim']), shapes=((2, 3, 4),), variants=(('dim1', {'dim': 1}), ('last', {'dim': -1})))
unary('dropout', lambda x, a: F.dropout(x, a['p'], a['training']), variants=(('p0-train', {'p': 0.0, 'training': True}), ('p0.5-eval', {'p': 0.5, 'training': False})))


def mp(i, a):
    return F.max_pool2d(i['x'], pair(a['kernel']), pair(a.get('stride', a['kernel'])), pair(a.get('padding', 0)), pair(a.get('dilation', 1)), a.get('ceilMode', False))


def ap(i, a):
    return F.avg_pool2d(i['x'], pair(a['kernel']), pair(a.get('stride', a['kernel'])), pair(a.get('padding', 0)), a.get('ceilMode', False), a.get('countIncludePad', True))


for vname, args in (('k2', {'kernel': 2}), ('k3-s2-p1', {'kernel': 3, 'stride': 2, 'padding': 1}), ('k2-ceil', {'kernel': 2, 'ceilMode': True}),
                    ('k2-dil2', {'kernel': 2, 'stride': 1, 'dilation': 2}), ('k32-s12', {'kernel': [3, 2], 'stride': [1, 2]})):
    case(vname, 'maxPool2d', {'x': (r(1, 2, 5, 5), 1)}, mp, args)
for vname, args in (('k2', {'kernel': 2}), ('k3-s2-p1-incl', {'kernel': 3, 'stride': 2, 'padding': 1}),
                    ('k3-s2-p1-excl', {'kernel': 3, 'stride': 2, 'padding': 1, 'countIncludePad': False}),
                    ('k2-ceil', {'kernel': 2, 'ceilMode': True}), ('k3-s2-p1-ceil-excl', {'kernel': 3, 'stride': 2, 'padding': 1, 'ceilMode': True, 'countIncludePad': False})):
    case(vname, 'avgPool2d', {'x': (r(1, 2, 5, 5), 1)}, ap, args)
for vname, args in (('2', {'size': 2}), ('3x1', {'size': [3, 1]}), ('1', {'size': 1})):
    case(vname, 'adaptiveAvgPool2d', {'x': (r(1, 2, 5, 5), 1)}, lambda i, a: F.adaptive_avg_pool2d(i['x'], pair(a['size'])), args)
case('basic', 'globalAvgPool', {'x': (r(2, 3, 3, 3), 1)}, lambda i, a: i['x'].mean((2, 3), keepdim=True))

# ---- math -------------------------------------------------------------------------------------------------
def binop(op, tfn, positive_b=False, alpha=False):
    shapes = (('same', (2, 3), (2, 3)), ('bcast-row', (2, 3), (3,)), ('bcast-both', (2, 1, 3), (4, 1)))
    for vname, sa, sb in shapes:
        case(vname, op, {'a': (r(*sa), 1), 'b': (r(*sb, positive=positive_b), 1)}, lambda i, a: tfn(i['a'], i['b'], a))
    case('scalar', op, {'a': (r(2, 3), 1)}, lambda i, a: tfn(i['a'], a['b'], a), {'b': 1.75})
    if alpha:
        case('alpha', op, {'a': (r(2, 3), 1), 'b': (r(3), 1)}, lambda i, a: tfn(i['a'], i['b'], a), {'alpha': 0.5})
        case('scalar-alpha', op, {'a': (r(2, 3), 1)}, lambda i, a: tfn(i['a'], a['b'], a), {'b': 1.5, 'alpha': 2})


binop('add', lambda x, y, a: torch.add(x, y, alpha=a.get('alpha', 1)), alpha=True)
binop('sub', lambda x, y, a: torch.sub(x, y, alpha=a.get('alpha', 1)), alpha=True)
binop('mul', lambda x, y, a: torch.mul(x, y))
binop('div', lambda x, y, a: torch.div(x, y), positive_b=True)
case('float64', 'add', {'a': (r(2, 3, dtype=torch.float64), 1), 'b': (r(3, dtype=torch.float64), 1)}, lambda i, a: torch.add(i['a'], i['b']))
case('int64-promote', 'mul', {'a': (r(2, 3), 1), 'b': (ri(5, 3), 0)}, lambda i, a: torch.mul(i['a'], i['b']))

case('scalar2', 'pow', {'a': (r(2, 3), 1)}, lambda i, a: torch.pow(i['a'], a['e']), {'e': 2})
case('scalar3', 'pow', {'a': (r(2, 3), 1)}, lambda i, a: torch.pow(i['a'], a['e']), {'e': 3})
case('scalar0.5', 'pow', {'a': (r(2, 3, positive=True), 1)}, lambda i, a: torch.pow(i['a'], a['e']), {'e': 0.5})
case('tensor', 'pow', {'a': (r(2, 3, positive=True), 1), 'e': (r(3), 1)}, lambda i, a: torch.pow(i['a'], i['e']))
unary('sqrt', lambda x, a: torch.sqrt(x), positive=True)
unary('abs', lambda x, a: torch.abs(x))
unary('exp', lambda x, a: torch.exp(x))
unary('log', lambda x, a: torch.log(x), positive=True)
unary('neg', lambda x, a: torch.neg(x))
unary('square', lambda x, a: torch.square(x))
unary('erf', lambda x, a: torch.erf(x))
unary('sign', lambda x, a: torch.sign(x))
case('basic', 'maximum', {'a': (r(2, 3), 1), 'b': (r(3), 1)}, lambda i, a: torch.maximum(i['a'], i['b']))
case('basic', 'minimum', {'a': (r(2, 3), 1), 'b': (r(3), 1)}, lambda i, a: torch.minimum(i['a'], i['b']))
case('basic', 'where', {'c': (r(2, 3), 0), 'a': (r(2, 3), 1), 'b': (r(3), 1)}, lambda i, a: torch.where(i['c'] > 0, i['a'], i['b']))
for op, f in (('eq', torch.eq), ('gt', torch.gt), ('lt', torch.lt)):
    a0 = r(2, 3)
    b0 = a0.clone()
    b0[0, 1] += 0.5
    b0[1, 2] -= 0.5
    case('tensor', op, {'a': (a0, 0), 'b': (b0, 0)}, lambda i, a, f=f: f(i['a'], i['b']))
    case('scalar', op, {'a': (a0, 0)}, lambda i, a, f=f: f(i['a'], a['b']), {'b': round(float(a0[0, 0]), 4)})
case('basic', 'isfinite', {'a': (r(2, 3), 0)}, lambda i, a: torch.isfinite(i['a'] / torch.tensor([1.0, 0.0, 1.0])))
case('2x3@3x4', 'matmul', {'a': (r(2, 3), 1), 'b': (r(3, 4), 1)}, lambda i, a: i['a'] @ i['b'])
case('batched', 'matmul', {'a': (r(2, 3, 4), 1), 'b': (r(4, 2), 1)}, lambda i, a: i['a'] @ i['b'])
case('vec-mat', 'matmul', {'a': (r(4), 1), 'b': (r(4, 3), 1)}, lambda i, a: i['a'] @ i['b'])
case('bcast-batch', 'matmul', {'a': (r(2, 1, 2, 3), 1), 'b': (r(3, 3, 2), 1)}, lambda i, a: i['a'] @ i['b'])
case('beta-alpha', 'addmm', {'self': (r(3, 2), 1), 'm1': (r(3, 4), 1), 'm2': (r(4, 2), 1)}, lambda i, a: torch.addmm(i['self'], i['m1'], i['m2'], beta=a['beta'], alpha=a['alpha']), {'beta': 0.5, 'alpha': 2})
case('bcast-bias', 'addmm', {'self': (r(2), 1), 'm1': (r(3, 4), 1), 'm2': (r(4, 2), 1)}, lambda i, a: torch.addmm(i['self'], i['m1'], i['m2']))

RED = (('all', {}), ('dim1', {'dim': 1}), ('dims02-keep', {'dim': [0, 2], 'keepdim': True}), ('neg-dim', {'dim': -1}))
unary('sum', lambda x, a: x.sum() if 'dim' not in a else x.sum(a['dim'], keepdim=a.get('keepdim', False)), shapes=((2, 3, 2),), variants=RED)
unary('mean', lambda x, a: x.mean() if 'dim' not in a else x.mean(a['dim'], keepdim=a.get('keepdim', False)), shapes=((2, 3, 2),), variants=RED)
unary('norm', lambda x, a: torch.linalg.vector_norm(x, a.get('p', 2), a.get('dim'), a.get('keepdim', False)), shapes=((2, 3, 2),),
      variants=(('p2-all', {}), ('p1-dim1', {'p': 1, 'dim': 1}), ('p3-dims02-keep', {'p': 3, 'dim': [0, 2], 'keepdim': True})))
unary('std', lambda x, a: torch.std(x, a.get('dim'), unbiased=a.get('unbiased', True), keepdim=a.get('keepdim', False)), shapes=((2, 3, 2),),
      variants=(('all', {}), ('dim1-biased-keep', {'dim': 1, 'unbiased': False, 'keepdim': True}), ('dims01', {'dim': [0, 1]})))
unary('amax', lambda x, a: torch.amax(x, a['dim'], a.get('keepdim', False)), shapes=((2, 3, 2),), variants=(('dim1', {'dim': 1}), ('dims02-keep', {'dim': [0, 2], 'keepdim': True})))
case('all', 'argmax', {'x': (r(3, 4), 0)}, lambda i, a: torch.argmax(i['x']))
case('dim1-keep', 'argmax', {'x': (r(3, 4), 0)}, lambda i, a: torch.argmax(i['x'], a['dim'], keepdim=a['keepdim']), {'dim': 1, 'keepdim': True})
case('k2-last', 'topk', {'x': (r(3, 4), 1)}, lambda i, a: list(torch.topk(i['x'], a['k'])), {'k': 2})
case('k2-dim0-smallest', 'topk', {'x': (r(3, 4), 1)}, lambda i, a: list(torch.topk(i['x'], a['k'], a['dim'], largest=False)), {'k': 2, 'dim': 0, 'largest': False})
case('to-float64', 'cast', {'x': (r(2, 3), 1)}, lambda i, a: i['x'].to(torch.float64), {'dtype': 'float64'})
case('to-int32', 'cast', {'x': (r(2, 3, scale=3.0), 0)}, lambda i, a: i['x'].to(torch.int32), {'dtype': 'int32'})

# ---- shape ------------------------------------------------------------------------------------------------
case('dim0', 'cat', {'a': (r(2, 3), 1), 'b': (r(1, 3), 1)}, lambda i, a: torch.cat([i['a'], i['b']], 0), {'dim': 0})
case('dim1-three', 'cat', {'a': (r(2, 1), 1), 'b': (r(2, 3), 1), 'c': (r(2, 2), 1)}, lambda i, a: torch.cat([i['a'], i['b'], i['c']], 1), {'dim': 1})
case('dim1', 'stack', {'a': (r(2, 3), 1), 'b': (r(2, 3), 1)}, lambda i, a: torch.stack([i['a'], i['b']], 1), {'dim': 1})
case('size2-dim0', 'split', {'x': (r(5, 3), 1)}, lambda i, a: list(torch.split(i['x'], a['size'], a['dim'])), {'size': 2, 'dim': 0})
case('sizes13-dim1', 'split', {'x': (r(2, 4), 1)}, lambda i, a: list(torch.split(i['x'], a['size'], a['dim'])), {'size': [1, 3], 'dim': 1})
case('2x6-3x4', 'reshape', {'x': (r(2, 6), 1)}, lambda i, a: i['x'].reshape(a['shape']), {'shape': [3, 4]})
case('infer', 'reshape', {'x': (r(2, 6), 1)}, lambda i, a: i['x'].reshape(a['shape']), {'shape': [-1, 2]})
case('start1', 'flatten', {'x': (r(2, 3, 2, 2), 1)}, lambda i, a: torch.flatten(i['x'], 1), {'start': 1})
case('start0-end1', 'flatten', {'x': (r(2, 3, 2), 1)}, lambda i, a: torch.flatten(i['x'], 0, 1), {'start': 0, 'end': 1})
case('0-2', 'transpose', {'x': (r(2, 3, 4), 1)}, lambda i, a: i['x'].transpose(0, 2), {'d0': 0, 'd1': 2})
case('201', 'permute', {'x': (r(2, 3, 4), 1)}, lambda i, a: i['x'].permute(2, 0, 1), {'dims': [2, 0, 1]})
case('dim1', 'unsqueeze', {'x': (r(2, 3), 1)}, lambda i, a: i['x'].unsqueeze(1), {'dim': 1})
case('dim1', 'squeeze', {'x': (r(2, 1, 3), 1)}, lambda i, a: i['x'].squeeze(1), {'dim': 1})
case('3x1-3x4', 'expand', {'x': (r(3, 1), 1)}, lambda i, a: i['x'].expand(3, 4), {'shape': [3, 4]})
case('dim0-repeat', 'indexSelect', {'x': (r(4, 3), 1), 'idx': (torch.tensor([3, 0, 0]), 0)}, lambda i, a: torch.index_select(i['x'], 0, i['idx']), {'dim': 0})
case('dim1', 'indexSelect', {'x': (r(2, 4, 2), 1), 'idx': (torch.tensor([2, 0]), 0)}, lambda i, a: torch.index_select(i['x'], 1, i['idx']), {'dim': 1})
case('dim1-step2', 'slice', {'x': (r(2, 5), 1)}, lambda i, a: i['x'][:, 1::2], {'dim': 1, 'start': 1, 'end': None, 'step': 2})
case('negative', 'slice', {'x': (r(2, 5), 1)}, lambda i, a: i['x'][:, -3:-1], {'dim': 1, 'start': -3, 'end': -1})
case('dim0-head', 'slice', {'x': (r(4, 2), 1)}, lambda i, a: i['x'][:2], {'dim': 0, 'start': None, 'end': 2})
case('dim1', 'narrow', {'x': (r(2, 4), 1)}, lambda i, a: i['x'].narrow(1, 1, 2), {'dim': 1, 'start': 1, 'length': 2})
case('dim1', 'gather', {'x': (r(3, 4), 1), 'idx': (torch.tensor([[3, 0], [1, 1], [2, 0]]), 0)}, lambda i, a: torch.gather(i['x'], 1, i['idx']), {'dim': 1})
case('constant-1d', 'pad', {'x': (r(2, 3), 1)}, lambda i, a: F.pad(i['x'], a['widths'], value=a['value']), {'widths': [1, 2], 'value': 0.5})
case('constant-2d', 'pad', {'x': (r(1, 1, 3, 3), 1)}, lambda i, a: F.pad(i['x'], a['widths']), {'widths': [1, 1, 2, 0]})
case('reflect', 'pad', {'x': (r(1, 2, 3, 3), 1)}, lambda i, a: F.pad(i['x'], a['widths'], mode='reflect'), {'widths': [1, 1, 1, 1], 'mode': 'reflect'})
case('replicate', 'pad', {'x': (r(1, 2, 4), 1)}, lambda i, a: F.pad(i['x'], a['widths'], mode='replicate'), {'widths': [2, 1], 'mode': 'replicate'})
case('of-transpose', 'contiguous', {'x': (r(2, 3), 1)}, lambda i, a: i['x'].t().contiguous())
case('basic', 'clone', {'x': (r(2, 3), 1)}, lambda i, a: i['x'].clone())
case('basic', 'detach', {'x': (r(2, 3), 1)}, lambda i, a: i['x'].detach(), gradcheck=False)

# ---- loss -------------------------------------------------------------------------------------------------
def ce(i, a):
    return F.cross_entropy(i['logits'], i['target'], reduction=a.get('reduction', 'mean'), label_smoothing=a.get('labelSmoothing', 0.0))


for vname, args in (('mean', {}), ('smooth0.1', {'labelSmoothing': 0.1}), ('sum', {'reduction': 'sum'}), ('none', {'reduction': 'none'}),
                    ('smooth0.2-sum', {'labelSmoothing': 0.2, 'reduction': 'sum'})):
    case(vname, 'crossEntropy', {'logits': (r(4, 5, scale=2.0), 1), 'target': (ri(5, 4), 0)}, ce, args)


def kl(i, a):
    return F.kl_div(i['input'], i['target'], reduction=a.get('reduction', 'batchmean'), log_target=a.get('logTarget', False))


def kl_inputs(log_target=False):
    inp = torch.round(F.log_softmax(r(3, 4), 1) * 1e4) / 1e4
    tgt = F.softmax(r(3, 4), 1)
    tgt = torch.round((tgt.log() if log_target else tgt) * 1e4) / 1e4
    return {'input': (inp, 1), 'target': (tgt, 1)}


for vname, args in (('batchmean', {}), ('sum', {'reduction': 'sum'}), ('mean', {'reduction': 'mean'}), ('none', {'reduction': 'none'}),
                    ('batchmean-logtarget', {'logTarget': True})):
    case(vname, 'klDiv', kl_inputs(args.get('logTarget', False)), kl, args)
for red in ('mean', 'sum', 'none'):
    case(red, 'mse', {'input': (r(2, 3), 1), 'target': (r(2, 3), 1)}, lambda i, a: F.mse_loss(i['input'], i['target'], reduction=a['reduction']), {'reduction': red})

# ---- create (forward only; seeded factories use libtorch's default generator, as manualSeed does) ------------
case('zeros', 'create', {}, lambda i, a: torch.zeros(2, 3), {'fn': 'zeros', 'shape': [2, 3]})
case('ones-int64', 'create', {}, lambda i, a: torch.ones(2, 2, dtype=torch.int64), {'fn': 'ones', 'shape': [2, 2], 'dtype': 'int64'})
case('full', 'create', {}, lambda i, a: torch.full((2, 2), 2.5), {'fn': 'full', 'shape': [2, 2], 'value': 2.5})
case('arange-float', 'create', {}, lambda i, a: torch.arange(1.0, 2.0, 0.25), {'fn': 'arange', 'start': 1, 'end': 2, 'step': 0.25, 'dtype': 'float32'})
case('arange-int', 'create', {}, lambda i, a: torch.arange(0, 5, 1), {'fn': 'arange', 'start': 0, 'end': 5, 'step': 1})
case('randn-seed7', 'create', {}, lambda i, a: (torch.manual_seed(7), torch.randn(6))[1], {'fn': 'randn', 'shape': [6], 'seed': 7})
case('rand-seed7', 'create', {}, lambda i, a: (torch.manual_seed(7), torch.rand(2, 3))[1], {'fn': 'rand', 'shape': [2, 3], 'seed': 7})
case('randint-seed7', 'create', {}, lambda i, a: (torch.manual_seed(7), torch.randint(10, (6,)))[1], {'fn': 'randint', 'high': 10, 'shape': [6], 'seed': 7})
case('randperm-seed7', 'create', {}, lambda i, a: (torch.manual_seed(7), torch.randperm(6))[1], {'fn': 'randperm', 'n': 6, 'seed': 7})
case('zerosLike-onesLike', 'create', {'x': (r(2, 2, dtype=torch.float64), 0)}, lambda i, a: [torch.zeros_like(i['x']), torch.ones_like(i['x'])], {'fn': 'likes'})

# ---- inplace (forward only; optimizer math) --------------------------------------------------------------
INPLACE = (
    ('addInto', lambda i, a: i['t'].add_(i['o'], alpha=a['alpha']), {'alpha': -0.5}, ('o',)),
    ('mulInto', lambda i, a: i['t'].mul_(a['s']), {'s': 0.9}, ()),
    ('addcmulInto', lambda i, a: i['t'].addcmul_(i['a'], i['b'], value=a['value']), {'value': 0.3}, ('a', 'b')),
    ('addcdivInto', lambda i, a: i['t'].addcdiv_(i['a'], i['b'], value=a['value']), {'value': -0.2}, ('a', 'b')),
    ('lerpInto', lambda i, a: i['t'].lerp_(i['o'], a['w']), {'w': 0.1}, ('o',)),
    ('copyInto', lambda i, a: i['t'].copy_(i['o']), {}, ('o',)),
    ('zeroInto', lambda i, a: i['t'].zero_(), {}, ()),
    ('fillInto', lambda i, a: i['t'].fill_(a['v']), {'v': -1.5}, ()),
    ('addScalarInto', lambda i, a: i['t'].add_(a['s']), {'s': 1e-3}, ()),
)
for op, fn, args, extra in INPLACE:
    ins = {'t': (r(2, 3), 0)}
    for k in extra:
        ins[k] = (r(2, 3, positive=(k == 'b')), 0)
    case('basic', op, ins, fn, args)


# ---- optim ------------------------------------------------------------------------------------------------
def optim_fixture():
    """Parameters p [2,3] and q [3] with loss sum(a*p^2 + b*p) + sum(c*q^2), and u [2] unused (grad stays None)."""
    start = {'p': r(2, 3), 'q': r(3), 'u': r(2)}
    coef = {'a': r(2, 3, positive=True), 'b': r(2, 3), 'c': r(3, positive=True)}
    lrs = [0.1, 0.1, 0.05, 0.05, 0.02]
    runs = []
    for kind, name, opts in (
        ('sgd', 'plain', {'lr': 0.1}),
        ('sgd', 'momentum', {'lr': 0.1, 'momentum': 0.9}),
        ('sgd', 'momentum-dampening', {'lr': 0.1, 'momentum': 0.8, 'dampening': 0.3}),
        ('sgd', 'nesterov-wd', {'lr': 0.1, 'momentum': 0.9, 'nesterov': True, 'weightDecay': 5e-2}),
        ('sgd', 'momentum-wd', {'lr': 0.1, 'momentum': 0.9, 'weightDecay': 1e-2}),
        ('adamw', 'default', {'lr': 0.1}),
        ('adamw', 'betas-eps-wd', {'lr': 0.1, 'betas': [0.8, 0.99], 'eps': 1e-6, 'weightDecay': 0.1}),
    ):
        ps = {k: v.clone().requires_grad_(True) for k, v in start.items()}
        params = [ps['p'], ps['q'], ps['u']]
        if kind == 'sgd':
            opt = torch.optim.SGD(params, lr=opts['lr'], momentum=opts.get('momentum', 0), dampening=opts.get('dampening', 0),
                                  weight_decay=opts.get('weightDecay', 0), nesterov=opts.get('nesterov', False))
        else:
            opt = torch.optim.AdamW(params, lr=opts['lr'], betas=tuple(opts.get('betas', (0.9, 0.999))), eps=opts.get('eps', 1e-8),
                                    weight_decay=opts.get('weightDecay', 0.01))
        steps = []
        for lr in lrs:
            for g in opt.param_groups:
                g['lr'] = lr
            opt.zero_grad(set_to_none=True)
            loss = (coef['a'] * ps['p'] ** 2 + coef['b'] * ps['p']).sum() + (coef['c'] * ps['q'] ** 2).sum()
            loss.backward()
            opt.step()
            steps.append({k: enc(v)['data'] for k, v in ps.items()})
        runs.append({'kind': kind, 'name': name, 'options': opts, 'steps': steps})
    return {'start': {k: enc(v, 4) for k, v in start.items()}, 'coef': {k: enc(v, 4) for k, v in coef.items()}, 'lrs': lrs, 'runs': runs}


def schedules():
    from torch.optim.lr_scheduler import CosineAnnealingLR, LinearLR, SequentialLR, StepLR
    out = []
    for kind, o in (('cosine', {'lr': 0.1, 'total': 12, 'warmup': 3, 'minLr': 0.01}), ('cosine', {'lr': 0.5, 'total': 10}),
                    ('step', {'lr': 0.1, 'stepSize': 3, 'gamma': 0.5}), ('step', {'lr': 0.2, 'stepSize': 4, 'warmup': 2})):
        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=o['lr'])
        w = o.get('warmup', 0)
        total = o.get('total', 12)
        main = (CosineAnnealingLR(opt, total - w, eta_min=o.get('minLr', 0)) if kind == 'cosine'
                else StepLR(opt, o['stepSize'], o.get('gamma', 0.1)))
        if w:
            warm = LinearLR(opt, 1 / w, 1.0, total_iters=w - 1)
            main = SequentialLR(opt, [warm, main], milestones=[w])
        lrs = []
        for _ in range(total):
            lrs.append(opt.param_groups[0]['lr'])
            opt.step()
            main.step()
        out.append({'kind': kind, 'options': o, 'lrs': lrs})
    return out


def clip_cases():
    out = []
    for max_norm in (0.5, 100.0):
        grads = [r(2, 3), r(4), r(1, 2, 2)]
        ps = [torch.nn.Parameter(torch.zeros_like(g)) for g in grads] + [torch.nn.Parameter(torch.zeros(2))]
        for p, g in zip(ps, grads):
            p.grad = g.clone()
        total = torch.nn.utils.clip_grad_norm_(ps, max_norm)
        out.append({'maxNorm': max_norm, 'grads': [enc(g, 4) for g in grads], 'total': fmt(float(total)),
                    'after': [enc(p.grad)['data'] for p in ps[:3]]})
    return out


# ---- zoo --------------------------------------------------------------------------------------------------
def zoo_value(name, shape, k, i):
    numel = math.prod(shape)
    if len(shape) >= 2:
        return math.sin(0.37 * i + k) * math.sqrt(3 / (numel / shape[0]))
    if name.endswith('weight'):
        return 1 + 0.1 * math.sin(0.37 * i + k)
    return 0.1 * math.cos(0.37 * i + k)


def sample_indices(n, count=32):
    if n <= count:
        return list(range(n))
    return sorted({(j * 7919 + 13) % n for j in range(count)} | {0, n - 1})[:count]


def zoo_fixture(arch, batch, input_chw=(1, 28, 28), classes=10):
    torch.manual_seed(0)
    model = zoo.build(arch, input_chw[0], classes).double()
    names = [n for n, _ in model.named_parameters()]
    with torch.no_grad():
        for k, (n, p) in enumerate(model.named_parameters()):
            vals = [zoo_value(n, list(p.shape), k, i) for i in range(p.numel())]
            p.copy_(torch.tensor(vals, dtype=torch.float64).reshape(p.shape))
    numel = batch * math.prod(input_chw)
    # rounded to float32 as whittle's input is, then widened
    x = torch.tensor([math.sin(0.05 * i) + 0.5 * math.cos(0.37 * i) for i in range(numel)], dtype=torch.float64).float().double().reshape(batch, *input_chw)
    y = torch.tensor([(3 * n + 1) % classes for n in range(batch)])
    model.train()
    logits = model(x)
    loss = F.cross_entropy(logits, y)
    loss.backward()

    def summary(t):
        flat = t.detach().flatten()
        idx = sample_indices(flat.numel())
        return {'shape': list(t.shape), 'norm': fmt(float(flat.double().norm())), 'idx': idx, 'val': [fmt(float(flat[j])) for j in idx]}

    buffers = {n: summary(b) for n, b in model.named_buffers() if n.endswith(('running_mean', 'running_var'))}
    model.eval()
    with torch.no_grad():
        eval_logits = model(x)
    return {'arch': arch, 'batch': batch, 'input': list(input_chw), 'classes': classes, 'names': names, 'loss': fmt(float(loss)),
            'logits': enc(logits)['data'], 'evalLogits': enc(eval_logits)['data'], 'grads': {n: summary(p.grad) for n, p in model.named_parameters()}, 'buffers': buffers}


def write(rel, obj):
    path = os.path.join(ROOT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    text = json.dumps(obj, separators=(',', ':'))
    with open(path, 'w') as f:
        f.write(text + '\n')
    print(f'{rel}: {len(text) / 1024:.1f} KB')


META = {'generatedBy': 'scripts/gen-fixtures.py', 'torch': torch.__version__,
        'outputWeights': 'w_k[i] = (((7*i + 3 + 5*k) % 11) - 5) / 4'}
if __name__ == '__main__':
    which = set(sys.argv[1:]) or {'ops', 'zoo'}
    if not which <= {'ops', 'zoo'}:
        sys.exit(f'gen-fixtures: unknown fixture {sorted(which - {"ops", "zoo"})}; choose from ops, zoo')
    if 'ops' in which:
        optim = {'sgdAdamw': optim_fixture(), 'schedules': schedules(), 'clip': clip_cases()}
        write('test/fixtures/ops.json', {'meta': META, 'ops': CASES, 'optim': optim})
        print(f'{len(CASES)} op cases')
    if 'zoo' in which:
        write('test/fixtures/zoo-grads.json', {'meta': {**META, 'weights': 'see the header of scripts/gen-fixtures.py', 'dtype': 'float64'},
                                               'models': [zoo_fixture(a, b) for a in ('vgg-small', 'resnet-small') for b in (1, 4)]})
