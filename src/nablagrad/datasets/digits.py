"""The 1,797 8x8 handwritten digits that ship with scikit-learn, embedded in nablagrad.

The file ``data/digits.csv.gz`` is scikit-learn's copy of the UCI "Optical Recognition of
Handwritten Digits" test set (BSD-3-Clause, scikit-learn developers): 64 pixel values in 0..16
and the label per row.  It is parsed here, so training works offline on any machine.

Example:
    >>> from nablagrad.datasets import load_digits
    >>> X, y = load_digits()
    >>> X.shape, y.shape
    ((1797, 64), (1797,))
"""

from __future__ import annotations

import gzip
from importlib import resources

from ..backend import np

N_SAMPLES = 1797


def load_digits(*, scale: bool = True, images: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(X, y)``: float32 pixels (divided by 16 when ``scale``) and int64 labels 0..9.

    ``images=True`` gives X the shape (1797, 1, 8, 8) for convolutional models; otherwise
    (1797, 64).
    """
    path = resources.files("nablagrad.datasets").joinpath("data/digits.csv.gz")
    with path.open("rb") as raw, gzip.open(raw, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.float64)
    if table.shape != (N_SAMPLES, 65):
        raise RuntimeError(
            f"the embedded digits file is corrupt: expected a {N_SAMPLES}x65 table, got "
            f"{table.shape}; reinstall nablagrad"
        )
    X = table[:, :64].astype(np.float32)
    y = table[:, 64].astype(np.int64)
    if scale:
        X /= 16.0
    if images:
        X = X.reshape(-1, 1, 8, 8)
    return X, y
