"""Writes test/fixtures/distill.json: Hinton's distillation loss and its gradient w.r.t. the student logits, computed
by PyTorch, for test/distill/losses.test.ts. Run with /usr/bin/python3 (Debian's python3-torch)."""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(0)
cases = []
for T, alpha in [(1.0, 0.5), (4.0, 0.9), (2.0, 1.0), (3.0, 0.0)]:
    s = torch.randn(5, 7).mul(2).double().requires_grad_(True)
    t = torch.randn(5, 7).mul(3).double()
    y = torch.randint(7, (5,))
    kl = F.kl_div(F.log_softmax(s / T, 1), F.softmax(t / T, 1), reduction='batchmean')
    loss = alpha * T * T * kl + (1 - alpha) * F.cross_entropy(s, y)
    loss.backward()
    cases.append({'temperature': T, 'alpha': alpha, 'student': s.detach().flatten().tolist(), 'teacher': t.flatten().tolist(),
                  'labels': y.tolist(), 'shape': [5, 7], 'loss': loss.item(), 'grad': s.grad.flatten().tolist()})
out = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'distill.json')
with open(out, 'w') as f:
    json.dump({'cases': cases}, f)
