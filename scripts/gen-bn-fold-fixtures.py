"""Writes test/fixtures/bn-fold.json: Conv followed by BatchNorm in eval mode, its output, and the conv that PyTorch's
torch.nn.utils.fusion.fuse_conv_bn_eval folds it into, for test/distill/reinsert-bn.test.ts (whittle's foldBatchNorm
must give the same weights and bias). Cases: no conv bias, a conv bias, a depthwise conv. Run with /usr/bin/python3
(Debian's python3-torch)."""
import json
import os

import torch
from torch.nn.utils.fusion import fuse_conv_bn_eval

torch.manual_seed(0)
cases = []
for name, cin, cout, groups, bias in [('plain', 3, 4, 1, False), ('bias', 2, 5, 1, True), ('depthwise', 4, 4, 4, False)]:
    conv = torch.nn.Conv2d(cin, cout, 3, padding=1, groups=groups, bias=bias)
    bn = torch.nn.BatchNorm2d(cout, eps=1e-3)
    with torch.no_grad():
        bn.weight.uniform_(0.5, 2.0)
        bn.bias.uniform_(-1, 1)
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.2, 3.0)
    conv.eval()
    bn.eval()
    x = torch.randn(2, cin, 5, 5)
    with torch.no_grad():
        y = bn(conv(x))
    fused = fuse_conv_bn_eval(conv, bn)
    flat = lambda t: {'shape': list(t.shape), 'data': t.detach().flatten().tolist()}
    cases.append({'name': name, 'groups': groups, 'eps': bn.eps, 'x': flat(x), 'weight': flat(conv.weight),
                  'bias': flat(conv.bias) if bias else None, 'bn': {k: flat(getattr(bn, k)) for k in ['weight', 'bias', 'running_mean', 'running_var']},
                  'output': flat(y), 'fusedWeight': flat(fused.weight), 'fusedBias': flat(fused.bias)})
out = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'bn-fold.json')
with open(out, 'w') as f:
    json.dump({'cases': cases}, f)
