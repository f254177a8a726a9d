#!/usr/bin/env python3
"""A text classifier with two inputs, for the tests of models with several inputs (issue 35), exported by PyTorch.

Writes test/fixtures/multi-input/text-masked.onnx (opset 13, inputs 'input_ids' int64 [N, 12] and 'attention_mask'
int64 [N, 12], 1 for a token and 0 for padding; output 'logits' [N, 3]): token embedding plus a learned position
embedding, a 2-layer TransformerEncoder (d 16, 4 heads, MLP 32) that attends to the tokens only (the mask turned into
an additive -10000 on the padded keys, as Hugging Face's BERT does), then the mean over the tokens the mask keeps and a
Linear. Weights are seeded, so the file is reproducible.
Run: /usr/bin/python3 scripts/gen-multi-input-fixtures.py (Debian's python3-torch 1.13).
"""
import os
import warnings

import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'multi-input')


class MaskedTextClassifier(nn.Module):
    def __init__(self, vocab=50, length=12, d=16, heads=4, classes=3):
        super().__init__()
        self.heads = heads
        self.emb = nn.Embedding(vocab, d)
        self.pos = nn.Parameter(torch.randn(1, length, d) * 0.1)
        layer = nn.TransformerEncoderLayer(d, heads, 32, dropout=0.0, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.fc = nn.Linear(d, classes)

    def forward(self, input_ids, attention_mask):
        keep = attention_mask.to(torch.float32)
        h = self.emb(input_ids) + self.pos
        # [N, L] -> [N * heads, L, L] additive mask: -10000 on padded keys
        bias = ((1.0 - keep) * -10000.0)[:, None, None, :].expand(-1, self.heads, keep.shape[1], -1)
        h = self.enc(h, mask=bias.reshape(-1, keep.shape[1], keep.shape[1]))
        pooled = (h * keep[:, :, None]).sum(1) / keep.sum(1, keepdim=True).clamp(min=1.0)
        return self.fc(pooled)


def main():
    torch.manual_seed(35)
    model = MaskedTextClassifier().eval()
    ids = torch.randint(0, 50, (2, 12))
    mask = torch.ones(2, 12, dtype=torch.int64)
    mask[1, 8:] = 0
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, 'text-masked.onnx')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        torch.onnx.export(model, (ids, mask), path, opset_version=13, input_names=['input_ids', 'attention_mask'],
                          output_names=['logits'], dynamic_axes={'input_ids': {0: 'N'}, 'attention_mask': {0: 'N'}, 'logits': {0: 'N'}})
    print(path, os.path.getsize(path), 'bytes; logits', model(ids, mask).detach().numpy().round(4).tolist())


if __name__ == '__main__':
    main()
