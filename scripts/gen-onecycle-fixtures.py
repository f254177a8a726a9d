#!/usr/bin/env python3
"""torch.optim.lr_scheduler.OneCycleLR as whittle's `--schedule onecycle` follows it: the lr and momentum (SGD's, or
AdamW's beta1) at every step for a few lengths, and SGD (Nesterov, weight decay) and AdamW trajectories under it on
the quadratic of ops.json's optim section, for test/optim/onecycle.test.ts.

Run:  /usr/bin/python3 scripts/gen-onecycle-fixtures.py   (Debian's python3-torch)   Writes test/fixtures/onecycle.json.
"""
import json
import os

import torch
from torch.optim.lr_scheduler import OneCycleLR

torch.manual_seed(0)


def schedule(lr, total):
    sgd = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr, momentum=0.9, nesterov=True)
    adam = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    s1, s2 = OneCycleLR(sgd, lr, total_steps=total), OneCycleLR(adam, lr, total_steps=total)
    rows = []
    for _ in range(total):
        rows.append({'lr': sgd.param_groups[0]['lr'], 'momentum': sgd.param_groups[0]['momentum'],
                     'adamLr': adam.param_groups[0]['lr'], 'beta1': adam.param_groups[0]['betas'][0]})
        sgd.step(), adam.step()
        s1.step(), s2.step()
    return {'lr': lr, 'total': total, 'steps': rows}


def trajectory(kind, steps):
    start = {'p': torch.randn(2, 3), 'q': torch.randn(3)}
    coef = {'a': torch.rand(2, 3) + 0.5, 'b': torch.randn(2, 3), 'c': torch.rand(3) + 0.5}
    ps = {k: v.clone().requires_grad_(True) for k, v in start.items()}
    if kind == 'sgd':
        opt = torch.optim.SGD(ps.values(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-2)
    else:
        opt = torch.optim.AdamW(ps.values(), lr=0.1, weight_decay=0.1)
    sched = OneCycleLR(opt, 0.1, total_steps=steps)
    out = []
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        loss = (coef['a'] * ps['p'] ** 2 + coef['b'] * ps['p']).sum() + (coef['c'] * ps['q'] ** 2).sum()
        loss.backward()
        opt.step()
        sched.step()
        out.append({k: v.detach().flatten().tolist() for k, v in ps.items()})
    flat = lambda d: {k: {'shape': list(v.shape), 'data': v.flatten().tolist()} for k, v in d.items()}
    return {'kind': kind, 'start': flat(start), 'coef': flat(coef), 'steps': out}


fixture = {
    'schedules': [schedule(0.1, 20), schedule(0.05, 7), schedule(0.02, 3), schedule(0.1, 1)],
    'trajectories': [trajectory('sgd', 8), trajectory('adamw', 8)],
}
path = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'onecycle.json')
with open(path, 'w') as f:
    json.dump(fixture, f)
print(f'wrote {path}')
