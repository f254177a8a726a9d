"""Fashion-MNIST from Debian's dataset-fashion-mnist, for the PyTorch peers."""
import gzip

import numpy as np

D = '/usr/share/datasets/fashion-mnist/'


def idx(f):
    """One IDX file of the dataset (e.g. 'train-images-idx3-ubyte.gz') as a uint8 array."""
    b = gzip.open(D + f).read()
    nd = b[3]
    dims = [int.from_bytes(b[4 + 4 * i:8 + 4 * i], 'big') for i in range(nd)]
    return np.frombuffer(b, np.uint8, offset=4 + 4 * nd).reshape(dims)
