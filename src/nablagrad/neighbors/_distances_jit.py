"""Compiled (Numba) reduced L_p distances for ``distances._elementwise``.

out[i, j] = sum_k |a_ik - b_jk| (L_1), max_k |a_ik - b_jk| (L_inf), sum_k |a_ik - b_jk|^p
(other p) or sum_k min(a_ik, b_jk) (the L_1 ranking identity), in one pass over the features
with no temporaries: the reference rows are taken in blocks that stay in the L2 cache while
every query row of the shard runs over them, and the feature loop vectorises (``fastmath``).
The kernel releases the GIL, so shards of queries run on the ``parallel`` threads.  Used when
``backend.jit_available()``; the NumPy blocks of ``distances._cpu_block`` are the fallback.
"""

from __future__ import annotations

from typing import Any

from ..backend import LazyKernel, prefer_wide_vectors

MODES = {1.0: 0, float("inf"): 1, "min": 3}  # anything else: 2 (general p)
_BLOCK_BYTES = 128 * 2**10  # reference rows per block: about this many bytes


def _lp(a, b, mode, p, block, out):  # pragma: no cover - compiled by Numba
    prefer_wide_vectors()
    n, d = a.shape
    m = b.shape[0]
    for j0 in range(0, m, block):
        j1 = min(j0 + block, m)
        for i in range(n):
            for j in range(j0, j1):
                s = a[i, 0] * 0  # the arrays' dtype (d >= 1 here)
                if mode == 0:
                    for k in range(d):
                        s += abs(a[i, k] - b[j, k])
                elif mode == 1:
                    for k in range(d):
                        s = max(s, abs(a[i, k] - b[j, k]))
                elif mode == 3:
                    for k in range(d):
                        s += min(a[i, k], b[j, k])
                else:
                    for k in range(d):
                        s += abs(a[i, k] - b[j, k]) ** p
                out[i, j] = s


_lp_kernel = LazyKernel(_lp)


def reduced(a: Any, b: Any, kind: float | str, out: Any) -> None:
    """out[:] = the reduced distances between the rows of a and b (C-contiguous NumPy arrays
    of one float dtype; out (n, m) of that dtype)."""
    if a.shape[1] == 0 or a.shape[0] == 0 or b.shape[0] == 0:
        out[...] = 0
        return
    mode = MODES.get(kind, 2)
    p = float(kind) if mode == 2 else 1.0
    block = max(_BLOCK_BYTES // max(a.shape[1] * a.dtype.itemsize, 1), 1)
    _lp_kernel(a, b, mode, p, block, out)
