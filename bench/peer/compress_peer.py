"""The progressive prune-and-distil loop of `whittle compress` written in plain PyTorch, for timing the whole run
side by side (bench/compress-vs-pytorch.sh). vgg-small only. It follows the whittle run whose report.json it is
given: the same steps cut to the same widths (each conv's output channels with the largest L1 norms kept, the
BatchNorm and the next layer's inputs cut with them), the same epochs, batch size, SGD (Nesterov momentum 0.9, weight
decay 5e-4), cosine schedule with min(100, 5%) warmup steps, Hinton's loss (T and alpha from the report), the
teacher's forward on every batch (or, with `cache`, its logits computed once as whittle's teacher cache does), each step's best epoch on validation kept, test accuracy after each
step, channels last, and the teacher evaluated first. Splits are its own seeded ones of the same sizes (validation carved from all training images, then
the training subset), so accuracies are comparable in size, not to the image.
Usage: /usr/bin/python3 bench/peer/compress_peer.py TEACHER.onnx REPORT.json THREADS [cache]
Prints one JSON line: seconds, per-step test accuracies and parameter counts."""
import copy
import json
import math
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

sys.path.insert(0, __file__.rsplit('/', 1)[0])
from zoo import VggSmall  # noqa: E402
from fashion_mnist import idx  # noqa: E402
from schedule import whittle_cosine  # noqa: E402

t0 = time.perf_counter()
teacher_path, report_path, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
use_cache = sys.argv[4:] == ['cache']
torch.set_num_threads(threads)
report = json.load(open(report_path))
cfg = report['config']
torch.manual_seed(cfg['seed'])

model = onnx.load(teacher_path)
meta = {p.key: p.value for p in model.metadata_props}
pre = json.loads(meta['whittle.preprocess'])


def prep(x):
    x = torch.tensor(x, dtype=torch.float32).unsqueeze(1) * pre['scale']
    return ((x - pre['mean'][0]) / pre['std'][0]).contiguous(memory_format=torch.channels_last)


xs, ys = idx('train-images-idx3-ubyte.gz'), idx('train-labels-idx1-ubyte.gz')
perm = torch.randperm(len(xs), generator=torch.Generator().manual_seed(cfg['seed'])).numpy()
# as whittle splits: validation carved from all training images (default min(5000, 10%)), --train-subset from the rest
v = cfg['valSize']
val_n = min(5000, len(xs) // 10) if v is None else round(len(xs) * v) if 0 < v < 1 else int(v)
val_i, train_i = perm[:val_n], perm[val_n:][:cfg['trainSubset'] or len(xs)]
X_train, Y_train = prep(xs[train_i]), torch.tensor(ys[train_i], dtype=torch.long)
X_val, Y_val = prep(xs[val_i]), torch.tensor(ys[val_i], dtype=torch.long)
X_test, Y_test = prep(idx('t10k-images-idx3-ubyte.gz')), torch.tensor(idx('t10k-labels-idx1-ubyte.gz'), dtype=torch.long)

teacher = VggSmall(1, 10)
state = {t.name: torch.tensor(numpy_helper.to_array(t).copy()) for t in model.graph.initializer}
missing = teacher.load_state_dict({k: state[k] for k in teacher.state_dict() if k in state}, strict=False).missing_keys
assert all(k.endswith('num_batches_tracked') for k in missing), missing
teacher = teacher.to(memory_format=torch.channels_last).eval()


def accuracy(m, x, y):
    m.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), 256):
            correct += (m(x[i:i + 256]).argmax(1) == y[i:i + 256]).sum().item()
    return correct / len(x)


def convs_bns(m):
    layers = list(m.features)
    return [(layers[i], layers[i + 1]) for i in range(len(layers) - 1) if isinstance(layers[i], torch.nn.Conv2d)]


def cut(m, widths):
    """A new VggSmall at `widths`, each conv keeping its output channels of largest L1 norm."""
    new = VggSmall(1, 10, tuple(widths))
    keep_in = torch.arange(1)
    for (c, b), (nc, nb), w in zip(convs_bns(m), convs_bns(new), widths):
        keep = c.weight.detach().abs().sum((1, 2, 3)).argsort(descending=True)[:w].sort().values
        nc.weight.data = c.weight.data[keep][:, keep_in].clone()
        for name in ('weight', 'bias', 'running_mean', 'running_var'):
            getattr(nb, name).data = getattr(b, name).data[keep].clone()
        keep_in = keep
    new.classifier.weight.data = m.classifier.weight.data[:, keep_in].clone()
    new.classifier.bias.data = m.classifier.bias.data.clone()
    return new.to(memory_format=torch.channels_last)


def kd_loss(s, t, y, T, alpha):
    soft = F.kl_div(F.log_softmax(s / T, 1), F.softmax(t / T, 1), reduction='batchmean') * T * T
    return alpha * soft + (1 - alpha) * F.cross_entropy(s, y)


teacher_val, teacher_test = accuracy(teacher, X_val, Y_val), accuracy(teacher, X_test, Y_test)
cached = None
if use_cache:
    with torch.no_grad():
        cached = torch.cat([teacher(X_train[i:i + 256]) for i in range(0, len(X_train), 256)])
student, steps = teacher, []
for k, step in enumerate(report['steps']):
    student = cut(student, [g['kept'] for g in step['groups']])
    epochs = cfg['epochsPerStep'][k] if k < len(cfg['epochsPerStep']) else cfg['epochsPerStep'][-1]
    per_epoch = math.ceil(len(X_train) / cfg['batchSize'])
    total = epochs * per_epoch
    opt = torch.optim.SGD(student.parameters(), lr=cfg['lr'], momentum=0.9, nesterov=True, weight_decay=cfg['weightDecay'])
    sched = whittle_cosine(opt, total, cfg['warmupSteps'])
    best, best_state = -1.0, None
    for epoch in range(epochs):
        student.train()
        order = torch.randperm(len(X_train))
        for i in range(0, len(X_train), cfg['batchSize']):
            j = order[i:i + cfg['batchSize']]
            x, y = X_train[j].contiguous(memory_format=torch.channels_last), Y_train[j]
            if cached is not None:
                t = cached[j]
            else:
                with torch.no_grad():
                    t = teacher(x)
            loss = kd_loss(student(x), t, y, cfg['temperature'], cfg['alpha'])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        v = accuracy(student, X_val, Y_val)
        if v > best:
            best, best_state = v, copy.deepcopy(student.state_dict())
    student.load_state_dict(best_state)
    steps.append({'params': sum(p.numel() for p in student.parameters()), 'valAccuracy': best, 'testAccuracy': accuracy(student, X_test, Y_test)})
print(json.dumps({'seconds': time.perf_counter() - t0, 'teacher': {'valAccuracy': teacher_val, 'testAccuracy': teacher_test}, 'steps': steps}))
