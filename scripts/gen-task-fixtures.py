"""Writes test/fixtures/task-losses.json: each task's distillation losses (kl per pixel, channel-wise kl, normalised
MSE, 1 - cosine plus normalised MSE, BCE against the teacher's sigmoid) and the per-pixel cross-entropy with ignored
pixels, with their gradients w.r.t. the student, computed by PyTorch, for test/task/tasks.test.ts. Run with
/usr/bin/python3 (Debian's python3-torch)."""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(0)
T = 2.0


def nmse(s, t):
    return F.mse_loss(s, t) / (t.var(unbiased=False) + 1e-8)


def kl_rows(s, t):
    return F.kl_div(F.log_softmax(s / T, 1), F.softmax(t / T, 1), reduction='batchmean') * T * T


def rows(x):  # [N, K, H, W] -> [N*H*W, K]
    return x.permute(0, 2, 3, 1).reshape(-1, x.shape[1])


losses = {
    'kl': lambda s, t: kl_rows(rows(s), rows(t)),
    'cwd': lambda s, t: kl_rows(s.reshape(s.shape[0] * s.shape[1], -1), t.reshape(t.shape[0] * t.shape[1], -1)),
    'mse': nmse,
    'cosine': lambda s, t: 1 - F.cosine_similarity(s.flatten(1), t.flatten(1), 1, 1e-8).mean() + nmse(s, t),
    'bce': lambda s, t: F.binary_cross_entropy_with_logits(s, torch.sigmoid(t)),
}
cases = []
for name, f in losses.items():
    s = torch.randn(2, 3, 2, 2).double().requires_grad_(True)
    t = torch.randn(2, 3, 2, 2).mul(2).double()
    loss = f(s, t)
    loss.backward()
    cases.append({'loss': name, 'shape': [2, 3, 2, 2], 'student': s.detach().flatten().tolist(), 'teacher': t.flatten().tolist(),
                  'value': loss.item(), 'grad': s.grad.flatten().tolist()})
s = torch.randn(2, 3, 2, 2).double().requires_grad_(True)
y = torch.tensor([[[0, 1], [255, 2]], [[2, 2], [1, 255]]])
ce = F.cross_entropy(s, y, ignore_index=255)
ce.backward()
out = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'task-losses.json')
with open(out, 'w') as fh:
    json.dump({'temperature': T, 'cases': cases, 'segmentCe': {'student': s.detach().flatten().tolist(), 'labels': y.flatten().tolist(),
               'value': ce.item(), 'grad': s.grad.flatten().tolist()}}, fh)
