"""Data sets for matrix models: scikit-learn's bundled digits, and blobs.

Nothing is downloaded: the digits come with scikit-learn (the ``data``
extra), the blobs are generated from a seed. Each loader returns
``(train, test)``, column name → array with samples in rows.
"""

from __future__ import annotations

import numpy as np

from .errors import ToolMissingError

SPLIT_SEED = 0
TEST_SHARE = 0.25


def _split(X, Y, seed=SPLIT_SEED):
    order = np.random.default_rng(seed).permutation(len(X))
    cut = int(round(len(X) * (1 - TEST_SHARE)))
    train, test = order[:cut], order[cut:]
    return {"X": X[train], "Y": Y[train]}, {"X": X[test], "Y": Y[test]}


def digits():
    """scikit-learn's 8×8 digits: 1797 images, pixels scaled to [0, 1], one-hot labels."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ToolMissingError("the digits data set comes with scikit-learn; install it with "
                               "pip install 'derive[data]'") from None
    bunch = load_digits()
    X = bunch.data.astype(np.float64) / 16.0
    Y = np.eye(10)[bunch.target]
    return _split(X, Y)


def blobs(inputs: int, classes: int, samples: int = 600, seed: int = SPLIT_SEED):
    """Gaussian clusters (unit spread), one per class, in ``inputs`` dimensions,
    the closest two centres 4 apart; one-hot labels (0/1 for one output)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, 1.0, (max(classes, 2), inputs))
    # scale so that the closest two centres are 4 standard deviations apart
    gaps = [np.linalg.norm(a - b) for k, a in enumerate(centres) for b in centres[k + 1:]]
    centres *= 4.0 / max(min(gaps), 1e-9)
    labels = rng.integers(0, classes, samples)
    X = centres[labels] + rng.normal(size=(samples, inputs))
    Y = np.eye(classes)[labels] if classes > 1 else (labels[:, None] % 2).astype(float)
    return _split(X, Y, seed)


def mlp_datasets(widths) -> dict:
    """The data sets an MLP of these widths can train on, by name."""
    out = {"blobs": lambda: blobs(widths[0], widths[-1])}
    if widths[0] == 64 and widths[-1] == 10:
        out = {"digits": digits, **out}
    return out
