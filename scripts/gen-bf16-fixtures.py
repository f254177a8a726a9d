#!/usr/bin/env python3
"""Writes test/fixtures/zoo-bf16.json: vgg-small and resnet-small trained one step under PyTorch's CPU autocast in
bfloat16, the oracle for whittle's `precision: 'bf16'` (test/distill/bf16.test.ts).

Per model (bench/peer/zoo.py, channels-last model and input as whittle's trainer lays them out, batch 4, train mode):
  * under torch.autocast('cpu', dtype=torch.bfloat16): the logits (as float32), the cross-entropy of the float32
    logits, per parameter the gradient's L2 norm plus 32 entries at fixed indices, the BatchNorm running statistics
    after the step, then the eval-mode logits under autocast;
  * the same forward in float32 (logits, loss, gradient norms): how far bf16 lands from fp32, so that the test can
    check it measures the bf16 path and not the fp32 one.
Weights, input and target are those of scripts/gen-fixtures.py's zoo fixture (its header), rounded to float32.
Run:  /usr/bin/python3 scripts/gen-bf16-fixtures.py   (Debian's python3-torch 1.13 on a CPU with AVX512-BF16 or AMX:
oneDNN's bf16 kernels; elsewhere PyTorch emulates them and the numbers may differ in the last bf16 bit)
"""
import json
import math
import os
import sys

import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'bench', 'peer'))
sys.path.insert(0, os.path.join(ROOT, 'scripts'))
import zoo  # noqa: E402
from importlib import import_module  # noqa: E402

gen = import_module('gen-fixtures')
torch.set_num_threads(1)
CL = torch.channels_last


def build(arch, batch, input_chw=(1, 28, 28), classes=10):
    torch.manual_seed(0)
    model = zoo.build(arch, input_chw[0], classes)
    with torch.no_grad():
        for k, (n, p) in enumerate(model.named_parameters()):
            vals = [gen.zoo_value(n, list(p.shape), k, i) for i in range(p.numel())]
            p.copy_(torch.tensor(vals, dtype=torch.float64).float().reshape(p.shape))
    numel = batch * math.prod(input_chw)
    x = torch.tensor([math.sin(0.05 * i) + 0.5 * math.cos(0.37 * i) for i in range(numel)], dtype=torch.float64).float().reshape(batch, *input_chw)
    y = torch.tensor([(3 * n + 1) % classes for n in range(batch)])
    return model.to(memory_format=CL), x.contiguous(memory_format=CL), y


def summary(t):
    flat = t.detach().float().flatten()
    idx = gen.sample_indices(flat.numel())
    return {'shape': list(t.shape), 'norm': gen.fmt(float(flat.double().norm())), 'idx': idx, 'val': [gen.fmt(float(flat[j])) for j in idx]}


def step(arch, batch, bf16):
    model, x, y = build(arch, batch)
    model.train()
    with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
        logits = model(x)
    logits = logits.float()
    loss = F.cross_entropy(logits, y)
    loss.backward()
    model.eval()
    with torch.no_grad(), torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
        eval_logits = model(x).float()
    return model, logits, loss, eval_logits


def fixture(arch, batch):
    model, logits, loss, eval_logits = step(arch, batch, True)
    ref, ref_logits, ref_loss, _ = step(arch, batch, False)
    assert logits.dtype == torch.float32
    return {
        'arch': arch, 'batch': batch, 'input': [1, 28, 28], 'classes': 10, 'names': [n for n, _ in model.named_parameters()],
        'loss': gen.fmt(float(loss)), 'logits': [gen.fmt(v) for v in logits.flatten().tolist()], 'evalLogits': [gen.fmt(v) for v in eval_logits.flatten().tolist()],
        'grads': {n: summary(p.grad) for n, p in model.named_parameters()},
        'buffers': {n: summary(b) for n, b in model.named_buffers() if n.endswith(('running_mean', 'running_var'))},
        'fp32': {'loss': gen.fmt(float(ref_loss)), 'logits': [gen.fmt(v) for v in ref_logits.flatten().tolist()],
                 'gradNorms': {n: gen.fmt(float(p.grad.double().norm())) for n, p in ref.named_parameters()}},
    }


if __name__ == '__main__':
    flags = open('/proc/cpuinfo').read()
    gen.write('test/fixtures/zoo-bf16.json', {
        'meta': {'generatedBy': 'scripts/gen-bf16-fixtures.py', 'torch': torch.__version__, 'autocast': "torch.autocast('cpu', dtype=torch.bfloat16)",
                 'cpuBf16': 'avx512_bf16' in flags or 'amx_bf16' in flags, 'weights': 'scripts/gen-fixtures.py zoo weights, rounded to float32'},
        'models': [fixture(a, 4) for a in ('vgg-small', 'resnet-small')],
    })
