"""PyTorch peer of `whittle bench train`: the same SGD loop on one random batch; prints one JSON line."""
import argparse
import json
import sys
import time

import torch
import torch.nn.functional as F

from serve import serve
from zoo import build

p = argparse.ArgumentParser()
p.add_argument('--arch', default='vgg-small')
p.add_argument('--input', default='1x28x28')
p.add_argument('--classes', type=int, default=10)
p.add_argument('--batch', type=int, default=128)
p.add_argument('--iters', type=int, default=30)
p.add_argument('--warmup', type=int, default=5)
p.add_argument('--threads', type=int, default=2)
p.add_argument('--memory-format', default='channels_last')
p.add_argument('--precision', default='fp32', choices=['fp32', 'bf16'], help="bf16: the forward and loss under torch.autocast('cpu', dtype=torch.bfloat16)")
p.add_argument('--serve', action='store_true', help='read "N" lines on stdin, run N steps each, answer one JSON line each')
a = p.parse_args()

torch.set_num_threads(a.threads)
torch.manual_seed(0)
c, h, w = map(int, a.input.split('x'))
fmt = torch.channels_last if a.memory_format == 'channels_last' else torch.contiguous_format
model = build(a.arch, c, a.classes).to(memory_format=fmt)
x = torch.randn(a.batch, c, h, w).contiguous(memory_format=fmt)
y = torch.randint(a.classes, (a.batch,))
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
model.train()


def step():
    with torch.autocast('cpu', dtype=torch.bfloat16, enabled=a.precision == 'bf16'):
        loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    opt.zero_grad(set_to_none=True)
    return loss.item()


for _ in range(a.warmup):
    step()
if a.serve:
    serve(step, a.batch)
    sys.exit(0)
t0 = time.perf_counter()
n = a.iters
for _ in range(n):
    loss = step()
sec = time.perf_counter() - t0
print(json.dumps({'peer': 'pytorch', 'torch': torch.__version__, 'arch': a.arch, 'batch': a.batch, 'iters': n,
                  'memoryFormat': a.memory_format, 'threads': a.threads, 'precision': a.precision, 'imagesPerSec': a.batch * n / sec,
                  'msPerIter': 1000 * sec / n, 'finalLoss': loss}))
