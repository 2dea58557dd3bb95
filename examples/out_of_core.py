"""
Out-of-core training with partial_fit on a memory-mapped file
=============================================================

A data set larger than memory can still train a ``NormRegMLPRegressor``: ``partial_fit`` takes
one chunk of rows at a time, so only that chunk needs to be in memory. This example writes a
regression data set to a ``numpy.memmap`` on disk, then trains chunk by chunk for a few passes
and follows the R2 on held-out rows as the model sees more data.

Run it from the command line with::

    python examples/out_of_core.py [--quick] [--output DIR]

``--quick`` writes a small file and makes two passes. With ``--output DIR`` the figure is saved
as ``out_of_core.png`` in DIR (when matplotlib is installed); without it, it is shown. The data
file lives in a temporary folder that is removed at the end.
"""

import argparse
import tempfile
from pathlib import Path

import numpy as np
from sklearn.datasets import make_friedman1

from sklearn_normreg import NormRegMLPRegressor

parser = argparse.ArgumentParser(description="partial_fit on chunks of a memmap.")
parser.add_argument("--quick", action="store_true", help="a small file and two passes")
parser.add_argument("--output", type=Path, help="folder for the figure (default: show it)")
args = parser.parse_args()
n_samples, chunk, passes = (20_000, 2_000, 2) if args.quick else (400_000, 20_000, 5)

# %%
# Write the data to disk
# ----------------------
# The Friedman #1 problem (10 features, one target), generated and written chunk by chunk into a
# single float64 ``.npy`` file, then opened again read-only as a memory map: indexing it reads
# only the rows asked for.
folder = tempfile.TemporaryDirectory()
path = Path(folder.name) / "friedman.npy"
data = np.lib.format.open_memmap(path, mode="w+", dtype=np.float64, shape=(n_samples, 11))
for start in range(0, n_samples, chunk):
    stop = min(start + chunk, n_samples)
    X, y = make_friedman1(n_samples=stop - start, noise=0.5, random_state=start)
    data[start:stop, :10], data[start:stop, 10] = X, y
data.flush()
del data
data = np.load(path, mmap_mode="r")
print(f"memmap: {data.shape[0]:,} rows in {data.nbytes / 2**20:.0f} MiB on disk, chunks of {chunk:,}")

# %%
# Train chunk by chunk
# --------------------
# ``partial_fit`` makes one pass of Adam steps over the chunk it is given. The features and the
# target are scaled with constants known up front (the features are uniform on [0, 1], the
# targets lie in [0, 30]), since a scaler fitted on the whole file would need a pass over it
# first. The last chunk is held out and scored after every chunk.
model = NormRegMLPRegressor(
    hidden_layer_sizes=(64,),
    loss="huber",
    penalty="l2",
    alpha=1e-5,
    learning_rate_init=1e-3,
    random_state=0,
)
held_out = slice(n_samples - chunk, n_samples)
test = np.asarray(data[held_out])
center, scale = 14.0, 5.0
X_test, y_test = (test[:, :10] - 0.5) / 0.29, (test[:, 10] - center) / scale
scores = []
for epoch in range(passes):
    for start in range(0, n_samples - chunk, chunk):
        block = np.asarray(data[start : start + chunk])  # one chunk in memory
        model.partial_fit((block[:, :10] - 0.5) / 0.29, (block[:, 10] - center) / scale)
        scores.append(model.score(X_test, y_test))
    score = scores[-1]
    print(f"pass {epoch + 1}: held-out R2 {score:.3f}")
del data, block
folder.cleanup()

# %%
# The learning curve
# ------------------
# The held-out R2 after every chunk: most of the progress comes within the first pass, further
# passes refine it. (matplotlib is optional here: without it, the printed numbers are the result.)
try:
    import matplotlib
except ImportError:
    matplotlib = None
    print("matplotlib is not installed: no figure.")

if matplotlib is not None:
    if args.output is not None:
        matplotlib.use("Agg")  # only a file is written: no window
    import matplotlib.pyplot as plt

    chunks_per_pass = len(scores) // passes
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.plot(np.arange(1, len(scores) + 1), scores, ".-")
    for epoch in range(1, passes):
        ax.axvline(epoch * chunks_per_pass + 0.5, color="grey", linestyle=":")
    ax.set_xlabel(f"chunks of {chunk:,} rows seen (dotted: a new pass over the file)")
    ax.set_ylabel("held-out R2")
    ax.set_ylim(max(min(scores) - 0.05, -0.5), 1)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_title("partial_fit on a memory-mapped file")
    fig.tight_layout()
    if args.output is None:
        plt.show()
    else:
        path = args.output / "out_of_core.png"
        fig.savefig(path, dpi=80)
        plt.close(fig)
        print(f"figure: {path}")
