#!/usr/bin/env python3
"""Writes test/fixtures/wild-op-grads.json: PyTorch's forward outputs and gradients for issue 33's differentiable ops.

Each case is one ONNX node (op type, attributes, opset) with its inputs; PyTorch computes what the node means, in
float64, and the gradients of  L = sum_k sum(out_k * w_k)  with respect to every float input (test/helpers/fixtures.ts
conventions: w_k[i] = (((7 i + 3 + 5 k) mod 11) - 5) / 4, inputs randn rounded to 4 decimals). Recurrent nodes take
ONNX-layout W, R, B (gates iofc for LSTM, zrh for GRU) as the leaves; the reference builds PyTorch's nn.LSTM/GRU/RNN
weights from them (gates reordered) so autograd carries the gradients back to the ONNX tensors. PyTorch has no GRU
with linear_before_reset=0, so that case's reference is the ONNX formula written in torch ops.
Run:  /usr/bin/python3 scripts/gen-wild-op-fixtures.py   (Debian's python3-torch 1.13; deterministic)
"""
import json
import os

import torch
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'wild-op-grads.json')
torch.set_num_threads(1)
GEN = torch.Generator().manual_seed(33)


def randn(*shape):
    return torch.round(torch.randn(*shape, generator=GEN, dtype=torch.float64) * 1e4) / 1e4


def weight(k, n):
    return torch.tensor([(((7 * i + 3 + 5 * k) % 11) - 5) / 4 for i in range(n)], dtype=torch.float64)


def enc(t):
    t = t.detach()
    dtype = {torch.float64: 'float64', torch.int64: 'int64', torch.int32: 'int32', torch.bool: 'bool'}[t.dtype]
    data = [float(f'{v:.12g}') for v in t.flatten().tolist()] if t.dtype == torch.float64 else [int(v) for v in t.flatten().tolist()]
    return {'shape': list(t.shape), 'dtype': dtype, 'data': data}


CASES = []


def case(name, op, attrs, inputs, fn, opset=18):
    """inputs: tensors (float ones become leaves) or None; fn(*inputs) -> list of outputs."""
    leaves = [t.clone().requires_grad_(True) if t is not None and t.dtype == torch.float64 else t for t in inputs]
    outs = fn(*leaves)
    loss = sum((o * weight(k, o.numel()).reshape(o.shape)).sum() for k, o in enumerate(outs))
    floats = [t for t in leaves if t is not None and t.requires_grad]
    grads = iter(torch.autograd.grad(loss, floats))
    CASES.append({
        'name': name, 'op': op, 'attrs': attrs, 'opset': opset,
        'inputs': [None if t is None else enc(t) for t in inputs],
        'outputs': [enc(o) for o in outs],
        'grads': [enc(next(grads)) if t is not None and t.requires_grad else None for t in leaves],
    })


def A(kind, value):
    return {'kind': kind, 'value': value}


# --- recurrent nodes ------------------------------------------------------------------------------------------
GATES = {'RNN': 1, 'GRU': 3, 'LSTM': 4}
ORDER = {'RNN': [0], 'GRU': [1, 0, 2], 'LSTM': [0, 2, 3, 1]}  # PyTorch's gate order as ONNX chunk positions


def torch_gates(t, cell, h):
    return torch.cat([t[k * h:(k + 1) * h] for k in ORDER[cell]], 0)


def module_run(cell, dirs, h, x, W, R, B, h0, c0, lens, batch_first):
    """The node through PyTorch's own nn module functional path (torch._VF), packed when lens is given."""
    params = []
    for d in range(dirs):
        params += [torch_gates(W[d], cell, h), torch_gates(R[d], cell, h)]
        if B is not None:
            g = GATES[cell] * h
            params += [torch_gates(B[d][:g], cell, h), torch_gates(B[d][g:], cell, h)]
    fn = {'LSTM': torch._VF.lstm, 'GRU': torch._VF.gru, 'RNN': torch._VF.rnn_tanh}[cell]
    hx = (h0, c0) if cell == 'LSTM' else h0
    if lens is None:
        out = fn(x, hx, params, B is not None, 1, 0.0, True, dirs == 2, batch_first)
        y = out[0]
    else:
        packed = pack_padded_sequence(x, lens, batch_first=batch_first, enforce_sorted=False)
        if cell == 'LSTM':
            hx = (h0.index_select(1, packed.sorted_indices), c0.index_select(1, packed.sorted_indices))
        else:
            hx = h0.index_select(1, packed.sorted_indices)
        out = fn(packed.data, packed.batch_sizes, hx, params, B is not None, 1, 0.0, True, dirs == 2)
        y, _ = pad_packed_sequence(torch.nn.utils.rnn.PackedSequence(out[0], packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices), batch_first=batch_first, total_length=x.shape[1 if batch_first else 0])
        out = [y] + [o.index_select(1, packed.unsorted_indices) for o in out[1:]]
    t_dim = 1 if batch_first else 0
    steps, batch = x.shape[t_dim], x.shape[1 - t_dim]
    y = y.reshape(batch, steps, dirs, h) if batch_first else y.reshape(steps, batch, dirs, h).permute(0, 2, 1, 3)
    states = [o.transpose(0, 1) if batch_first else o for o in out[1:]]
    return [y] + states


def gru_formula(x, W, R, B, h0, lbr, reverse):
    """ONNX's GRU equations, one direction, sequence-first."""
    h = h0[0]
    H = h.shape[-1]
    wb, rb = B[0][:3 * H], B[0][3 * H:]
    ys = [None] * x.shape[0]
    for t in (reversed(range(x.shape[0])) if reverse else range(x.shape[0])):
        xg = x[t] @ W[0].T + wb
        hg = h @ R[0].T + rb
        z = torch.sigmoid(xg[:, :H] + hg[:, :H])
        r = torch.sigmoid(xg[:, H:2 * H] + hg[:, H:2 * H])
        if lbr:
            n = torch.tanh(xg[:, 2 * H:] + r * hg[:, 2 * H:])
        else:
            n = torch.tanh(xg[:, 2 * H:] + (r * h) @ R[0][2 * H:].T + rb[2 * H:])
        h = (1 - z) * n + z * h
        ys[t] = h
    return [torch.stack(ys, 0).unsqueeze(1), h.unsqueeze(0)]


def rnn_case(name, cell, direction, T=4, N=3, I=5, H=4, bias=True, init=True, lens=None, layout=0, lbr=1):
    dirs = 2 if direction == 'bidirectional' else 1
    G = GATES[cell]
    x = randn(N, T, I) if layout else randn(T, N, I)
    W, R = randn(dirs, G * H, I) * 0.5, randn(dirs, G * H, H) * 0.5
    B = randn(dirs, 2 * G * H) * 0.5 if bias else None
    state = (lambda: randn(N, dirs, H)) if layout else (lambda: randn(dirs, N, H))
    h0 = state() if init else None
    c0 = state() if init and cell == 'LSTM' else None
    seq = torch.tensor(lens, dtype=torch.int32) if lens is not None else None
    attrs = {'hidden_size': A('int', H), 'direction': A('string', direction), 'layout': A('int', layout)}
    if cell == 'GRU':
        attrs['linear_before_reset'] = A('int', lbr)
    inputs = [x, W, R, B, seq, h0] + ([c0] if cell == 'LSTM' else [])

    def run(x, W, R, B, seq, h0, *rest):
        c = rest[0] if rest else None
        first = lambda t: t.transpose(0, 1) if layout and t is not None else t
        zero = torch.zeros(dirs, N, H, dtype=torch.float64)
        hh = first(h0) if h0 is not None else zero
        cc = first(c) if c is not None else zero
        if cell == 'GRU' and not lbr:
            return gru_formula(x, W, R, B, hh, False, direction == 'reverse')
        if direction == 'reverse':
            assert lens is None
            xs = x.flip(1 if layout else 0)
            outs = module_run(cell, 1, H, xs, W, R, B, hh, cc, None, bool(layout))
            return [outs[0].flip(1 if layout else 0)] + outs[1:]
        return module_run(cell, dirs, H, x, W, R, B, hh, cc, lens, bool(layout))

    case(name, cell, attrs, inputs, run, opset=14)


rnn_case('GRU bidirectional, linear_before_reset=1 (fused)', 'GRU', 'bidirectional')
rnn_case('GRU reverse, linear_before_reset=1, no B or initial_h (fused)', 'GRU', 'reverse', bias=False, init=False)
rnn_case('GRU forward, linear_before_reset=0 (loop)', 'GRU', 'forward', lbr=0)
rnn_case('GRU reverse, linear_before_reset=0 (loop)', 'GRU', 'reverse', lbr=0)
rnn_case('GRU bidirectional, sequence_lens (loop)', 'GRU', 'bidirectional', lens=[4, 2, 3])
rnn_case('LSTM bidirectional (fused)', 'LSTM', 'bidirectional')
rnn_case('LSTM reverse, layout=1 (fused)', 'LSTM', 'reverse', layout=1)
rnn_case('LSTM bidirectional, sequence_lens (loop)', 'LSTM', 'bidirectional', lens=[1, 4, 3])
rnn_case('RNN bidirectional, layout=1 (fused)', 'RNN', 'bidirectional', layout=1)

# --- convolutions and pools of other ranks -----------------------------------------------------------------------
ints = lambda v: A('ints', v)
case('Conv 1-D, stride 2, dilation 2, groups 2, asymmetric pads', 'Conv',
     {'strides': ints([2]), 'dilations': ints([2]), 'group': A('int', 2), 'pads': ints([1, 2])},
     [randn(2, 4, 9), randn(6, 2, 3), randn(6)],
     lambda x, w, b: [F.conv1d(F.pad(x, (1, 2)), w, b, stride=2, dilation=2, groups=2)])
case('Conv 3-D, pads 1', 'Conv', {'pads': ints([1, 1, 1, 1, 1, 1])},
     [randn(1, 2, 4, 3, 5), randn(3, 2, 3, 3, 3), randn(3)],
     lambda x, w, b: [F.conv3d(x, w, b, padding=1)])
case('ConvTranspose 1-D, stride 2, output_padding 1', 'ConvTranspose', {'strides': ints([2]), 'output_padding': ints([1])},
     [randn(1, 3, 5), randn(3, 2, 3), randn(2)],
     lambda x, w, b: [F.conv_transpose1d(x, w, b, stride=2, output_padding=1)])
case('ConvTranspose 3-D, pads 1', 'ConvTranspose', {'pads': ints([1, 1, 1, 1, 1, 1])},
     [randn(1, 2, 3, 3, 3), randn(2, 2, 3, 3, 3), None],
     lambda x, w, b: [F.conv_transpose3d(x, w, padding=1)])
case('MaxPool 1-D, kernel 3, stride 2, pads 1', 'MaxPool', {'kernel_shape': ints([3]), 'strides': ints([2]), 'pads': ints([1, 1])},
     [randn(2, 3, 9)], lambda x: [F.max_pool1d(x, 3, 2, 1)])
case('AveragePool 3-D, kernel 2, count_include_pad=0', 'AveragePool', {'kernel_shape': ints([2, 2, 2]), 'pads': ints([1, 1, 1, 1, 1, 1]), 'count_include_pad': A('int', 0)},
     [randn(1, 2, 3, 4, 3)], lambda x: [F.avg_pool3d(x, 2, 1, 1, count_include_pad=False)])

# --- normalisation, activations, indexing --------------------------------------------------------------------------
case('LayerNormalization over the last two dims', 'LayerNormalization', {'axis': A('int', -2), 'epsilon': A('float', 1e-5)},
     [randn(2, 3, 4, 5), randn(4, 5), randn(4, 5)], lambda x, s, b: [F.layer_norm(x, (4, 5), s, b, 1e-5)], opset=17)
case('InstanceNormalization 1-D', 'InstanceNormalization', {'epsilon': A('float', 1e-5)},
     [randn(2, 3, 7), randn(3), randn(3)], lambda x, s, b: [F.instance_norm(x, weight=s, bias=b, eps=1e-5)])
case('GroupNormalization, scale per channel', 'GroupNormalization', {'num_groups': A('int', 2), 'epsilon': A('float', 1e-5)},
     [randn(2, 4, 3, 3), randn(4), randn(4)], lambda x, s, b: [F.group_norm(x, 2, s, b, 1e-5)])
case('Gelu, approximate none', 'Gelu', {}, [randn(3, 5)], lambda x: [F.gelu(x)], opset=20)
case('Gelu, approximate tanh', 'Gelu', {'approximate': A('string', 'tanh')}, [randn(3, 5)], lambda x: [F.gelu(x, approximate='tanh')], opset=20)
case('Erf', 'Erf', {}, [randn(4, 3)], lambda x: [torch.erf(x)])
case('Softplus', 'Softplus', {}, [randn(4, 3)], lambda x: [F.softplus(x)])
case('Mish', 'Mish', {}, [randn(4, 3)], lambda x: [F.mish(x)])
case('PRelu, per-channel slope', 'PRelu', {}, [randn(2, 3, 4), randn(3, 1)], lambda x, s: [F.prelu(x, s.reshape(3))])
case('Elu', 'Elu', {'alpha': A('float', 0.5)}, [randn(4, 3)], lambda x: [F.elu(x, 0.5)])
case('Selu', 'Selu', {}, [randn(4, 3)], lambda x: [F.selu(x)])
case('Softsign', 'Softsign', {}, [randn(4, 3)], lambda x: [F.softsign(x)])
case('DepthToSpace, CRD', 'DepthToSpace', {'blocksize': A('int', 2), 'mode': A('string', 'CRD')}, [randn(1, 8, 2, 3)], lambda x: [F.pixel_shuffle(x, 2)])
case('SpaceToDepth', 'SpaceToDepth', {'blocksize': A('int', 2)}, [randn(1, 2, 4, 6)],
     lambda x: [x.reshape(1, 2, 2, 2, 3, 2).permute(0, 3, 5, 1, 2, 4).reshape(1, 8, 2, 3)])
case('Einsum, attention scores', 'Einsum', {'equation': A('string', 'bhqd,bhkd->bhqk')},
     [randn(2, 2, 3, 4), randn(2, 2, 5, 4)], lambda q, k: [torch.einsum('bhqd,bhkd->bhqk', q, k)])
case('Einsum, diagonal and broadcast', 'Einsum', {'equation': A('string', '...ii ,i->...i')},
     [randn(2, 3, 3), randn(3)], lambda a, v: [torch.einsum('...ii,i->...i', a, v)])
idx = torch.tensor([[2, -1, 0], [0, 1, -3]], dtype=torch.int64)
case('GatherElements, axis 1, negative indices', 'GatherElements', {'axis': A('int', 1)},
     [randn(2, 4), idx], lambda x, i: [torch.gather(x, 1, torch.where(i < 0, i + 4, i))])
case('GatherND, batch_dims 1', 'GatherND', {'batch_dims': A('int', 1)},
     [randn(2, 3, 4), torch.tensor([[[1], [2]], [[0], [0]]])], lambda x, i: [torch.stack([x[b][i[b, :, 0]] for b in range(2)])])
case('CumSum, exclusive and reverse', 'CumSum', {'exclusive': A('int', 1), 'reverse': A('int', 1)},
     [randn(3, 5), torch.tensor(1)], lambda x, a: [x.flip(1).cumsum(1).flip(1) - x])
case('ScatterElements, add', 'ScatterElements', {'axis': A('int', 0), 'reduction': A('string', 'add')},
     [randn(3, 3), torch.tensor([[1, 0, 2], [0, 2, 1]]), randn(2, 3)], lambda x, i, u: [x.scatter_add(0, i, u)])
case('Where with a broadcast condition', 'Where', {},
     [torch.tensor([[True], [False]]), randn(2, 3), randn(3)], lambda c, a, b: [torch.where(c, a, b)])

with open(OUT, 'w') as f:
    json.dump({'meta': {'generatedBy': 'scripts/gen-wild-op-fixtures.py', 'torch': torch.__version__,
                        'outputWeights': 'w_k[i] = (((7*i + 3 + 5*k) % 11) - 5) / 4'}, 'cases': CASES}, f, separators=(',', ':'))
print(f'{OUT}: {len(CASES)} cases, {os.path.getsize(OUT)} bytes')
