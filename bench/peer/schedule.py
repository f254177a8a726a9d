"""whittle's cosine schedule (src/optim/schedule.ts cosineSchedule, as the trainer sets it) for the PyTorch peers."""
import math

import torch


def whittle_cosine(opt, total, warmup=None):
    """A LambdaLR over `opt`'s lr: linear warmup over `warmup` batches (default min(100, ceil(5%))), then cosine to 0."""
    warm = min(100, math.ceil(total / 20)) if warmup is None else warmup
    span = max(1, total - warm)
    return torch.optim.lr_scheduler.LambdaLR(
        opt, lambda t: (t + 1) / warm if t < warm else 0.5 * (1 + math.cos(math.pi * min(1, (t - warm) / span))))
