"""The --serve protocol of the bench peers: print a ready line, then for each "N" line on stdin run N steps and
answer one JSON line with images/s, so that a driver can interleave short runs of two peers."""
import json
import sys
import time


def serve(step, batch):
    print(json.dumps({'ready': True}), flush=True)
    for line in sys.stdin:
        n = int(line)
        t0 = time.perf_counter()
        for _ in range(n):
            loss = step()
        sec = time.perf_counter() - t0
        print(json.dumps({'imagesPerSec': batch * n / sec, 'seconds': sec, 'loss': loss}), flush=True)
