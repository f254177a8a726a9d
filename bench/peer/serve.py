"""The --serve protocol of the bench peers: print a ready line, then for each "N" line on stdin run N steps and
answer one JSON line with images/s, so that a driver can interleave short runs of two peers."""
import json
import sys
import time


def serve(step, batch):
    print(json.dumps({'ready': True}), flush=True)
    for line in sys.stdin:
        n = int(line)
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(n):
            loss = step()
        sec, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(json.dumps({'imagesPerSec': batch * n / sec, 'seconds': sec, 'cpuSeconds': cpu, 'loss': loss}), flush=True)
