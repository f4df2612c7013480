"""The foreach path of optimizers: one update over a whole parameter group at once.

When every parameter of a group is a view into one flat array, and every gradient a view into
another flat array at the same relative offsets (``DistributedDataParallel(...,
gradient_as_bucket_view=True)`` lays out both so), an elementwise update rule can run once on
the two flat arrays instead of once per parameter: a handful of NumPy/BLAS calls per step
whatever the number of parameters.  The optimizer's per-parameter state (``momentum_buffer``,
``exp_avg`` ...) then lives in flat arrays too, and ``optimizer.state[p]`` holds views into
them, so ``state_dict()`` / ``load_state_dict()`` keep torch's per-parameter layout (a loaded
state is copied into fresh flat arrays on the next step).

``FlatGroup.find`` recognises the layout; when it does not hold (a parameter without a
gradient, mixed dtypes, gradients that are separate arrays, state that differs between
parameters, ``foreach=False``) the optimizer takes its per-parameter loop, which applies the
same operations to each parameter (values agree to rounding: the one-pass BLAS ``axpby`` is
used for small parameters too on the flat path).

Example:
    >>> import numpy as np, nablagrad as torch
    >>> flat_w, flat_g = np.zeros(5), np.ones(5)
    >>> a, b = torch.from_numpy(flat_w[:2]), torch.from_numpy(flat_w[2:].reshape(3, 1))
    >>> _ = a.requires_grad_(), b.requires_grad_()
    >>> a.grad, b.grad = torch.from_numpy(flat_g[:2]), torch.from_numpy(flat_g[2:].reshape(3, 1))
    >>> opt = torch.optim.SGD([a, b], lr=0.5, momentum=0.9)
    >>> _ = opt.step(); flat_w.tolist()
    [-0.5, -0.5, -0.5, -0.5, -0.5]
    >>> opt.state[a]["momentum_buffer"]._data.base is opt.state[b]["momentum_buffer"]._data.base
    True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import parallel
from ..backend import np
from ..tensor import Tensor


def _root(arr: Any) -> Any:
    while isinstance(arr.base, np.ndarray):
        arr = arr.base
    return arr


def _address(arr: Any) -> int:
    return arr.__array_interface__["data"][0]


class FlatGroup:
    """The flat views of one parameter group: ``w`` (parameters), ``g`` (gradients), and the
    flat state arrays ``state[name]`` once ``bind`` has made them."""

    __slots__ = ("params", "pviews", "gviews", "w", "g", "spans", "state", "sviews", "tmp")

    def __init__(self, params: list, pviews: list, gviews: list, w: Any, g: Any,
                 spans: list) -> None:  # fmt: skip
        self.params, self.pviews, self.gviews = params, pviews, gviews
        self.w, self.g, self.spans = w, g, spans
        self.state: dict[str, Any] = {}
        self.sviews: dict[str, list] = {}
        self.tmp: list = []

    @staticmethod
    def find(opt: Any, group: dict[str, Any]) -> FlatGroup | None:
        """The group's flat views (cached on ``opt``), or None when the layout does not hold."""
        if group.get("foreach") is False:
            return None
        params = group["params"]
        key = ("flat", id(group))
        plan = opt._scratch.get(key)
        if plan is not None and plan.valid(params):
            return plan
        plan = FlatGroup._build(params)
        if plan is not None:
            opt._scratch[key] = plan
        return plan

    def valid(self, params: list) -> bool:
        if len(params) != len(self.params):
            return False
        for p, q, pv, gv in zip(params, self.params, self.pviews, self.gviews):
            grad = p.grad
            if p is not q or grad is None or p._data is not pv or grad._data is not gv:
                return False
        return True

    @staticmethod
    def _build(params: list) -> FlatGroup | None:
        if len(params) < 2:
            return None  # nothing to gain over the per-parameter loop
        roots, spans = [], []
        for p in params:
            grad = p.grad
            if grad is None:
                return None
            w, g = p._data, grad._data
            if type(w) is not np.ndarray or type(g) is not np.ndarray:
                return None
            if not (w.flags.c_contiguous and g.flags.c_contiguous) or w.dtype != g.dtype:
                return None
            if w.shape != g.shape or grad.requires_grad:
                return None
            rw, rg = _root(w), _root(g)
            if rw is rg or rw.ndim != 1 or rg.ndim != 1 or rw.dtype != w.dtype:
                return None
            if rg.dtype != g.dtype or not (rw.flags.c_contiguous and rg.flags.c_contiguous):
                return None
            size = w.dtype.itemsize
            ow = (_address(w) - _address(rw)) // size
            og = (_address(g) - _address(rg)) // size
            roots.append((rw, rg))
            spans.append((ow, og, w.size))
        rw, rg = roots[0]
        if any(a is not rw or b is not rg for a, b in roots):
            return None
        shift = spans[0][1] - spans[0][0]
        if any(og - ow != shift for ow, og, _ in spans):
            return None
        order = sorted(range(len(spans)), key=lambda i: spans[i][0])
        lo = spans[order[0]][0]
        end = lo
        for i in order:  # the parameters tile [lo, end) exactly: no gap, no overlap
            if spans[i][0] != end:
                return None
            end += spans[i][2]
        local = [(ow - lo, ow - lo + n) for ow, _, n in spans]
        return FlatGroup(list(params), [p._data for p in params],
                         [p.grad._data for p in params], rw[lo:end],
                         rg[lo + shift : end + shift], local)  # fmt: skip

    def bind(self, state_of: Any, name: str, init: Callable[[], Any]) -> bool:
        """Make ``state[name]`` a flat array whose slices are ``state_of[p][name]`` for every
        parameter: kept when already so, else built from the parameters' own buffers (all
        present) or from ``init()`` (all absent; the flat initial value).  False when only
        some parameters have the buffer (the caller takes the per-parameter path)."""
        views = self.sviews.get(name)
        if views is not None:
            ok = True
            for p, v in zip(self.params, views):
                t = state_of.get(p, {}).get(name)
                if t is None or t._data is not v:
                    ok = False
                    break
            if ok:
                return True
        have = [state_of.get(p, {}).get(name) for p in self.params]
        if all(t is None for t in have):
            flat = init()
        elif all(isinstance(t, Tensor) and t._data.shape == p._data.shape
                 for t, p in zip(have, self.params)):  # fmt: skip
            flat = np.empty_like(self.w)
            for (a, b), t in zip(self.spans, have):
                flat[a:b] = t._data.reshape(-1)
        else:
            return False
        views = []
        for p, (a, b) in zip(self.params, self.spans):
            view = flat[a:b].reshape(p._data.shape)
            state_of[p][name] = Tensor._wrap(view)
            views.append(view)
        self.state[name], self.sviews[name] = flat, views
        return True

    def scratch(self, n: int) -> list:
        """``n`` flat scratch arrays like ``w`` (kept between steps)."""
        while len(self.tmp) < n:
            self.tmp.append(np.empty_like(self.w))
        return self.tmp[:n]

    def bump_versions(self) -> None:
        for p in self.params:
            p._version += 1

    def run(self, fn: Callable[[slice], None], passes: int) -> None:
        """``fn(chunk)`` over the flat range: one call, or one chunk per thread of
        ``nablagrad.set_num_threads`` when the work (elements x passes) is large enough to pay
        for the hand-off (the optimizer's threshold)."""
        from .optimizer import PARALLEL_MIN_WORK

        n = self.w.size
        threads = min(parallel.get_num_threads(), max(1, n // 4096))
        if threads < 2 or n * passes < PARALLEL_MIN_WORK:
            fn(slice(0, n))
            return
        edges = [n * k // threads for k in range(threads + 1)]
        parallel.run([lambda a=a, b=b: fn(slice(a, b)) for a, b in zip(edges, edges[1:])])
