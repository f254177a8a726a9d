"""Writes test/fixtures/hint.json: the hint (feature distillation) term MSE(conv1x1(s), t) / mean(t^2) and its
gradients w.r.t. the student map and the adapter, computed by PyTorch, for test/distill/hint.test.ts. Run with
/usr/bin/python3 (Debian's python3-torch)."""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(0)
cases = []
for n, cs, ct, h in [(2, 3, 5, 4), (3, 6, 4, 3)]:
    s = torch.randn(n, cs, h, h).double().requires_grad_(True)
    t = torch.randn(n, ct, h, h).relu().double()
    w = (torch.randn(ct, cs, 1, 1) * 0.5).double().requires_grad_(True)
    b = (torch.randn(ct) * 0.1).double().requires_grad_(True)
    loss = F.mse_loss(F.conv2d(s, w, b), t) / (t.pow(2).mean() + 1e-8)
    loss.backward()
    flat = lambda x: {'shape': list(x.shape), 'data': x.detach().flatten().tolist()}
    cases.append({'s': flat(s), 't': flat(t), 'weight': flat(w), 'bias': flat(b), 'loss': loss.item(),
                  'gradS': flat(s.grad), 'gradWeight': flat(w.grad), 'gradBias': flat(b.grad)})
out = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'hint.json')
with open(out, 'w') as f:
    json.dump({'cases': cases}, f)
