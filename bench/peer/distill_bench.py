"""PyTorch peer of `whittle bench distill --serve`: the same distillation step (teacher forward in eval mode under
no_grad, or cached logits; student forward in train mode; Hinton's loss with T=4, alpha=0.9; SGD momentum 0.9,
weight decay 5e-4), channels-last, on one random batch; with --precision bf16 the forward passes run under autocast
and the loss on float32 logits, as whittle computes it. Reads "N" lines on stdin, answers one JSON line each."""
import argparse
import copy

import torch
import torch.nn.functional as F

from serve import serve
from zoo import build

p = argparse.ArgumentParser()
p.add_argument('--arch', default='vgg-small')
p.add_argument('--input', default='1x28x28')
p.add_argument('--classes', type=int, default=10)
p.add_argument('--batch', type=int, default=128)
p.add_argument('--threads', type=int, default=2)
p.add_argument('--seed', type=int, default=0)
p.add_argument('--teacher-cache', action='store_true')
p.add_argument('--student-widths', default=None, help='the student\'s channel widths, e.g. 24,24,48,48,88')
p.add_argument('--precision', default='fp32', choices=['fp32', 'bf16'], help="bf16: forward passes under torch.autocast('cpu', dtype=torch.bfloat16)")
p.add_argument('--serve', action='store_true')
a = p.parse_args()

torch.set_num_threads(a.threads)
torch.manual_seed(a.seed)
c, h, w = map(int, a.input.split('x'))
teacher = build(a.arch, c, a.classes).to(memory_format=torch.channels_last).eval()
if a.student_widths:
    student = build(a.arch, c, a.classes, [int(v) for v in a.student_widths.split(',')]).to(memory_format=torch.channels_last).train()
else:
    student = copy.deepcopy(teacher).train()
x = torch.randn(a.batch, c, h, w).contiguous(memory_format=torch.channels_last)
y = torch.randint(a.classes, (a.batch,))
bf16 = a.precision == 'bf16'
with torch.no_grad(), torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
    cached = teacher(x) if a.teacher_cache else None
opt = torch.optim.SGD(student.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
T, alpha = 4.0, 0.9


def step():
    if cached is None:
        with torch.no_grad(), torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
            t = teacher(x).float()
    else:
        t = cached.float()
    with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
        s = student(x)
    s = s.float()
    kd = F.kl_div(F.log_softmax(s / T, 1), F.softmax(t / T, 1), reduction='batchmean')
    loss = alpha * T * T * kd + (1 - alpha) * F.cross_entropy(s, y)
    loss.backward()
    opt.step()
    opt.zero_grad(set_to_none=True)
    return loss.item()


for _ in range(3):
    step()
serve(step, a.batch)
