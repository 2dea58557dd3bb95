"""Out-of-core training: partial_fit on chunks of a numpy.memmap.

Writes a regression data set to a memory-mapped file on disk, then trains a
NormRegMLPRegressor chunk by chunk with partial_fit, never holding more than one
chunk in memory, and reports the R2 on held-out data.

    python examples/out_of_core.py [--quick]
"""

import argparse
import tempfile
from pathlib import Path

import numpy as np
from sklearn.datasets import make_friedman1

from sklearn_normreg import NormRegMLPRegressor


def write_memmap(path, n_samples, chunk, random_state=0):
    """Write X (n_samples x 10) and y to one float64 memmap, chunk by chunk."""
    data = np.lib.format.open_memmap(path, mode="w+", dtype=np.float64, shape=(n_samples, 11))
    for start in range(0, n_samples, chunk):
        stop = min(start + chunk, n_samples)
        X, y = make_friedman1(n_samples=stop - start, noise=0.5, random_state=random_state + start)
        data[start:stop, :10], data[start:stop, 10] = X, y
    data.flush()
    return np.load(path, mmap_mode="r")


def main(argv=None):
    parser = argparse.ArgumentParser(description="partial_fit on chunks of a memmap.")
    parser.add_argument("--quick", action="store_true", help="a small file and two passes")
    args = parser.parse_args(argv)
    n_samples, chunk, passes = (20_000, 2_000, 2) if args.quick else (400_000, 20_000, 5)

    with tempfile.TemporaryDirectory() as folder:
        data = write_memmap(Path(folder) / "friedman.npy", n_samples, chunk)
        print(f"memmap: {data.shape[0]:,} rows in {data.nbytes / 2**20:.0f} MiB on disk, chunks of {chunk:,}")
        model = NormRegMLPRegressor(
            hidden_layer_sizes=(64,),
            loss="huber",
            penalty="l2",
            alpha=1e-5,
            learning_rate_init=1e-3,
            random_state=0,
        )
        held_out = slice(n_samples - chunk, n_samples)
        # the targets lie in [0, 30]: centre and scale them with constants known up front
        center, scale = 14.0, 5.0
        for epoch in range(passes):
            for start in range(0, n_samples - chunk, chunk):
                block = np.asarray(data[start : start + chunk])  # one chunk in memory
                model.partial_fit((block[:, :10] - 0.5) / 0.29, (block[:, 10] - center) / scale)
            test = np.asarray(data[held_out])
            score = model.score((test[:, :10] - 0.5) / 0.29, (test[:, 10] - center) / scale)
            print(f"pass {epoch + 1}: held-out R2 {score:.3f}")
        del data
    return score


if __name__ == "__main__":
    main()
