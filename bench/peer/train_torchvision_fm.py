"""Trains a torchvision classifier on Fashion-MNIST as a user would bring one to whittle, and exports it to ONNX:
images resized to 32x32 with PIL's bilinear filter (torchvision's Resize), repeated over RGB (Grayscale(3)),
normalised with Fashion-MNIST's mean and std; SGD (Nesterov momentum 0.9, weight decay 5e-4) with a one-cycle
schedule peaking at 0.1, batch 128, on all 60,000 training images; torch.onnx.export at opset 13 in eval mode
(BatchNorm folded), dynamic batch. Prints the test accuracy after each epoch.
Usage: /usr/bin/python3 bench/peer/train_torchvision_fm.py NAME EPOCHS OUT.onnx [THREADS]   (e.g. mobilenet_v2 2
teacher.onnx; THREADS default 2). Then: whittle eval OUT.onnx --data fashion-mnist --image-size 32 (the same test
accuracy). EPOCHS 0 exports the untrained network (torchvision's initialisation, seed 0), for whittle train-teacher
--model OUT.onnx --init fresh to train side by side. CHANNELS_LAST=1 trains in channels-last memory format;
SCHEDULE=cosine LR=X uses train-teacher's schedule instead (linear warmup over min(100, 5%) of the batches, then
cosine to 0, peak X; bench/peer/schedule.py). AS_EXPORTED=1 trains the network as its eval-mode ONNX export shows
it: no Dropout, and every BatchNorm with PyTorch's default momentum 0.1 and eps 1e-5 (what whittle re-inserts where
the export folded them); DEFAULT_INIT=1 starts every layer as a new PyTorch layer does (reset_parameters) instead of torchvision's
initialisation, as train-teacher --init fresh does; SEED=N seeds torch (default 0)."""
import os
import sys
import time

import numpy as np
import torch
import torchvision
from PIL import Image

sys.path.insert(0, __file__.rsplit('/', 1)[0])
from fashion_mnist import idx  # noqa: E402
from schedule import whittle_cosine  # noqa: E402

torch.manual_seed(int(os.environ.get('SEED', '0')))
name, epochs, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
torch.set_num_threads(int(sys.argv[4]) if len(sys.argv) > 4 else 2)


def prep(x):
    resized = np.stack([np.asarray(Image.fromarray(i).resize((32, 32), Image.BILINEAR)) for i in x])
    return torch.from_numpy((resized.astype(np.float32) / 255 - 0.2860) / 0.3530)[:, None].repeat(1, 3, 1, 1)


Xtr, Xte = prep(idx('train-images-idx3-ubyte.gz')), prep(idx('t10k-images-idx3-ubyte.gz'))
Ytr = torch.from_numpy(idx('train-labels-idx1-ubyte.gz').astype(np.int64))
Yte = torch.from_numpy(idx('t10k-labels-idx1-ubyte.gz').astype(np.int64))
m = getattr(torchvision.models, name)(num_classes=10)
if os.environ.get('DEFAULT_INIT') == '1':
    for mod in m.modules():
        if mod is not m and hasattr(mod, 'reset_parameters'):
            mod.reset_parameters()
if os.environ.get('AS_EXPORTED') == '1':
    for mod in m.modules():
        if isinstance(mod, torch.nn.Dropout):
            mod.p = 0.0
        if isinstance(mod, torch.nn.BatchNorm2d):
            mod.momentum, mod.eps = 0.1, 1e-5
layout = torch.channels_last if os.environ.get('CHANNELS_LAST') == '1' else torch.contiguous_format
m = m.to(memory_format=layout)
opt = torch.optim.SGD(m.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4, nesterov=True)
per_epoch = 60000 // 128
total = max(1, epochs) * per_epoch
if os.environ.get('SCHEDULE') == 'cosine':
    for g in opt.param_groups:
        g['lr'] = float(os.environ.get('LR', '0.05'))
    sched = whittle_cosine(opt, total)
else:
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 0.1, total_steps=total)
start = time.time()
for e in range(epochs):
    m.train()
    perm = torch.randperm(60000)
    t = time.time()
    for i in range(per_epoch):
        b = perm[i * 128:(i + 1) * 128]
        loss = torch.nn.functional.cross_entropy(m(Xtr[b].contiguous(memory_format=layout)), Ytr[b])
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    m.eval()
    with torch.no_grad():
        acc = sum((m(Xte[i:i + 500]).argmax(1) == Yte[i:i + 500]).sum().item() for i in range(0, 10000, 500)) / 100
    print(f'epoch {e + 1}: loss {loss.item():.3f} test {acc:.2f}% {time.time() - t:.0f}s', flush=True)
if epochs:
    print(f'trained in {time.time() - start:.0f}s', flush=True)
m.eval()
m = m.to(memory_format=torch.contiguous_format)
torch.onnx.export(m, Xte[:1], out, opset_version=13, input_names=['input'], output_names=['output'],
                  dynamic_axes={'input': {0: 'N'}, 'output': {0: 'N'}})
