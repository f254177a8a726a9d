#!/usr/bin/env python3
"""Sequence classifiers for the pruning tests of recurrent hidden units (issue 34), exported by PyTorch.

Writes test/fixtures/prune-seq/<name>-<fixed|dynamic>.onnx (opset 13, input 'input' [N, 16, 6], output 'output'):
  convgru   Conv1d(6 -> 16, k 3) + ReLU over time, then a bidirectional GRU (hidden 24, batch_first) whose last
            step feeds a Linear: the GRU's input features are the conv's channels, so both are cut together
  lstmlast  a unidirectional LSTM (hidden 20) whose final hidden state h_n[-1] feeds a Linear (Y_h, not Y)
  rnnlast   a unidirectional tanh RNN (hidden 16) whose last step y[:, -1] feeds a Linear (Y through Squeeze)
  stacked   a 2-layer bidirectional GRU (hidden 12): the second layer's input features are the first's [fwd | bwd]
'fixed' is the exporter's default (batch 1 baked in), 'dynamic' names dim 0 'N'. Weights are seeded, so the files are
reproducible.

It also writes test/fixtures/seq-npy/: a synthetic sequence dataset as an `npy:` folder (x_*.npy float32 [N, 16, 6],
y_*.npy uint8; class k is a sine of frequency k + 1 on feature k plus noise) and teacher.onnx, the convgru model
(dynamic batch) trained on it for the end-to-end compress test.
Run: /usr/bin/python3 scripts/gen-seq-prune-models.py (Debian's python3-torch 1.13).
"""
import os
import warnings

import numpy as np
import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'prune-seq')


class ConvGru(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(6, 16, 3, padding=1)
        self.rnn = nn.GRU(16, 24, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(48, 4)

    def forward(self, x):  # x [N, T, F]
        h = torch.relu(self.conv(x.transpose(1, 2))).transpose(1, 2)
        y, _ = self.rnn(h)
        return self.fc(y[:, -1])


class LstmLast(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(6, 20, batch_first=True)
        self.fc = nn.Linear(20, 4)

    def forward(self, x):
        _, (h, _) = self.rnn(x)
        return self.fc(h[-1])


class RnnLast(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.RNN(6, 16, batch_first=True)
        self.fc = nn.Linear(16, 4)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.fc(y[:, -1])


class Stacked(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(6, 12, num_layers=2, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(24, 4)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.fc(y[:, -1])


def main():
    os.makedirs(OUT, exist_ok=True)
    warnings.filterwarnings('ignore')
    for i, (name, make) in enumerate([('convgru', ConvGru), ('lstmlast', LstmLast), ('rnnlast', RnnLast), ('stacked', Stacked)]):
        torch.manual_seed(34 + i)
        model = make().eval()
        x = torch.randn(1, 16, 6)
        for batch in ('fixed', 'dynamic'):
            path = os.path.join(OUT, f'{name}-{batch}.onnx')
            extra = {'dynamic_axes': {'input': {0: 'N'}, 'output': {0: 'N'}}} if batch == 'dynamic' else {}
            torch.onnx.export(model, x, path, opset_version=13, input_names=['input'], output_names=['output'], **extra)
            print(f'{path}: {os.path.getsize(path) // 1024} KB')


def sequences(n, g):
    """n sequences [16, 6] and their classes: class k is a sine of frequency k + 1 on feature k, plus noise."""
    y = g.integers(0, 4, n)
    t = np.arange(16)
    x = 0.5 * g.standard_normal((n, 16, 6))
    for i, k in enumerate(y):
        x[i, :, k] += np.sin(2 * np.pi * (k + 1) * t / 16 + g.uniform(0, 2 * np.pi))
    return x.astype(np.float32), y.astype(np.uint8)


def dataset_and_teacher():
    out = os.path.join(os.path.dirname(OUT), 'seq-npy')
    os.makedirs(out, exist_ok=True)
    g = np.random.default_rng(34)
    data = {'train': sequences(160, g), 'test': sequences(80, g)}
    for split, (x, y) in data.items():
        np.save(os.path.join(out, f'x_{split}.npy'), x)
        np.save(os.path.join(out, f'y_{split}.npy'), y)
    torch.manual_seed(34)
    model = ConvGru()
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    x, y = torch.from_numpy(data['train'][0]), torch.from_numpy(data['train'][1]).long()
    for _ in range(60):
        for i in range(0, len(x), 32):
            opt.zero_grad()
            nn.functional.cross_entropy(model(x[i:i + 32]), y[i:i + 32]).backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        xt, yt = torch.from_numpy(data['test'][0]), torch.from_numpy(data['test'][1]).long()
        acc = (model(xt).argmax(1) == yt).float().mean().item()
    path = os.path.join(out, 'teacher.onnx')
    torch.onnx.export(model, x[:1], path, opset_version=13, input_names=['input'], output_names=['output'],
                      dynamic_axes={'input': {0: 'N'}, 'output': {0: 'N'}})
    print(f'{path}: test accuracy {acc:.3f}')


if __name__ == '__main__':
    main()
    dataset_and_teacher()
