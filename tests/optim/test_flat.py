"""The optimizers' foreach path (``optim/flat.py``) against the per-parameter loop and torch.

Parameters are views into one flat array and gradients views into another at the same offsets
(the layout ``DistributedDataParallel(gradient_as_bucket_view=True)`` makes); the update must
follow the per-parameter path (``foreach=False``) and torch.optim step by step, keep torch's
per-parameter ``state_dict`` and fall back to the loop whenever the layout does not hold.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import nablagrad as ng

# the last shape is big enough that the flat update goes through the BLAS axpby while the
# per-parameter loop uses NumPy for the small ones (different rounding, same values)
SHAPES = [(5, 3), (5,), (4, 5), (4,), (1,), (130, 130)]

CONFIGS = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-2)),
    ("SGD", dict(lr=0.05, momentum=0.5, dampening=0.3, weight_decay=1e-3, maximize=True)),
    ("Adam", dict(lr=1e-2)),
    ("Adam", dict(lr=1e-2, amsgrad=True, weight_decay=1e-2)),
    ("Adam", dict(lr=1e-2, betas=(0.8, 0.99), eps=1e-6, maximize=True)),
    ("AdamW", dict(lr=1e-2)),
    ("AdamW", dict(lr=1e-2, amsgrad=True, weight_decay=0.1)),
]
IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for n, kw in CONFIGS]


def _grad(w: np.ndarray, a: np.ndarray, k: int, sign: float = 1.0) -> np.ndarray:
    """A deterministic, parameter-dependent gradient for step ``k``."""
    return sign * (a * w + 0.1 * (k + 1) * np.cos(w)).astype(w.dtype)


def _init(dtype, seed=0):
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    coef = [rng.uniform(0.5, 2.0, s).astype(dtype) for s in SHAPES]
    return init, coef


class Flat:
    """nablagrad parameters laid out flat, last parameter first (as DDP's buckets)."""

    def __init__(self, name, kwargs, dtype, init, extra_group=None):
        n = sum(w.size for w in init)
        self.W, self.G = np.zeros(n, dtype), np.zeros(n, dtype)
        self.params, self.gviews = [None] * len(init), [None] * len(init)
        start = 0
        for i in reversed(range(len(init))):
            w = init[i]
            view = self.W[start : start + w.size].reshape(w.shape)
            view[...] = w
            self.params[i] = ng.from_numpy(view).requires_grad_()
            self.gviews[i] = self.G[start : start + w.size].reshape(w.shape)
            start += w.size
        groups = [{"params": self.params}] + ([extra_group] if extra_group else [])
        self.opt = getattr(ng.optim, name)(groups, **kwargs)

    def step(self, grads):
        for p, gv, g in zip(self.params, self.gviews, grads):
            if g is None:
                p.grad = None
            else:
                gv[...] = g
                p.grad = ng.from_numpy(gv)
        self.opt.step()

    def values(self):
        return [p.detach().numpy().copy() for p in self.params]

    def used_flat(self, group=0):
        return ("flat", id(self.opt.param_groups[group])) in self.opt._scratch


class Loop:
    """The same parameters as separate arrays, stepped by the per-parameter loop."""

    def __init__(self, name, kwargs, init):
        self.params = [ng.tensor(w.copy(), requires_grad=True) for w in init]
        self.opt = getattr(ng.optim, name)(self.params, foreach=False, **kwargs)

    def step(self, grads):
        for p, g in zip(self.params, grads):
            p.grad = None if g is None else ng.from_numpy(g.copy())
        self.opt.step()

    def values(self):
        return [p.detach().numpy().copy() for p in self.params]


class Torch:
    def __init__(self, name, kwargs, init, foreach=False):
        self.params = [torch.tensor(w.copy(), requires_grad=True) for w in init]
        self.opt = getattr(torch.optim, name)(self.params, foreach=foreach, **kwargs)

    def step(self, grads):
        for p, g in zip(self.params, grads):
            p.grad = None if g is None else torch.from_numpy(g.copy())
        self.opt.step()

    def values(self):
        return [p.detach().numpy().copy() for p in self.params]


def _grads(values, coef, k, skip=()):
    return [None if i in skip else _grad(w, a, k) for i, (w, a) in enumerate(zip(values, coef))]


def _close(a, b, rtol, atol, what):
    for i, (x, y) in enumerate(zip(a, b)):
        np.testing.assert_allclose(x, y, rtol=rtol, atol=atol, err_msg=f"{what}, parameter {i}")


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=IDS)
def test_flat_path_follows_the_loop_and_torch_float64(name, kwargs):
    init, coef = _init(np.float64)
    flat, loop, ref = Flat(name, kwargs, np.float64, init), Loop(name, kwargs, init), None
    ref = Torch(name, kwargs, init)
    for k in range(15):
        for runner in (flat, loop, ref):
            runner.step(_grads(runner.values(), coef, k))
        assert flat.used_flat()
        _close(flat.values(), loop.values(), 1e-12, 1e-13, f"flat vs loop, step {k}")
        _close(flat.values(), ref.values(), 1e-10, 1e-12, f"flat vs torch, step {k}")
    # the state is flat too: every parameter's buffer is a view into one array
    bases = {id(s._data.base) for st in flat.opt.state.values() for n, s in st.items()
             if n != "step"}  # fmt: skip
    names = {n for st in flat.opt.state.values() for n in st if n != "step"}
    stateless = name == "SGD" and not kwargs.get("momentum")
    assert len(bases) == len(names) >= (0 if stateless else 1)
    assert not loop.opt._scratch.get(("flat", id(loop.opt.param_groups[0])))


@pytest.mark.parametrize("name,kwargs", CONFIGS[1::2], ids=IDS[1::2])
def test_flat_path_float32_and_torch_foreach(name, kwargs):
    init, coef = _init(np.float32)
    flat = Flat(name, kwargs, np.float32, init)
    refs = [Torch(name, kwargs, init, foreach=False), Torch(name, kwargs, init, foreach=True)]
    for k in range(10):
        for runner in (flat, *refs):
            runner.step(_grads(runner.values(), coef, k))
        assert flat.used_flat()
        for ref in refs:
            _close(flat.values(), ref.values(), 2e-5, 2e-6, f"float32, step {k}")


def _state_np(sd):
    out = {}
    for i, st in sd["state"].items():
        out[i] = {}
        for n, v in st.items():
            v = v.detach().numpy() if isinstance(v, torch.Tensor) else np.asarray(v._data)
            out[i][n] = np.array(v, dtype=np.float64)
    return out


@pytest.mark.parametrize("name,kwargs", [CONFIGS[2], CONFIGS[5], CONFIGS[8]],
                         ids=[IDS[2], IDS[5], IDS[8]])  # fmt: skip
def test_state_dict_is_torch_layout_and_round_trips(name, kwargs):
    init, coef = _init(np.float64)
    flat, ref = Flat(name, kwargs, np.float64, init), Torch(name, kwargs, init)
    for k in range(5):
        for runner in (flat, ref):
            runner.step(_grads(runner.values(), coef, k))
    sd, tsd = flat.opt.state_dict(), ref.opt.state_dict()
    mine, theirs = _state_np(sd), _state_np(tsd)
    assert sorted(mine) == sorted(theirs) == list(range(len(SHAPES)))
    for i in mine:
        assert sorted(mine[i]) == sorted(theirs[i])
        for n in mine[i]:
            np.testing.assert_allclose(mine[i][n], theirs[i][n], rtol=1e-10, atol=1e-12)
    saved = {i: {n: v.copy() for n, v in st.items()} for i, st in mine.items()}
    # continue: the original, a fresh flat optimizer loaded from the state dict, the loop
    # loaded from it, and torch loaded from nablagrad's state dict
    clone = Flat(name, kwargs, np.float64, flat.values())
    clone.opt.load_state_dict(sd)
    loop = Loop(name, kwargs, flat.values())
    loop.opt.load_state_dict(sd)
    for k in range(5, 10):
        for runner in (flat, clone, loop, ref):
            runner.step(_grads(runner.values(), coef, k))
        assert clone.used_flat()
        for a, b in zip(flat.values(), clone.values()):
            assert np.array_equal(a, b), f"flat run and its reloaded copy differ at step {k}"
        _close(flat.values(), loop.values(), 1e-12, 1e-13, f"loaded loop, step {k}")
        _close(flat.values(), ref.values(), 1e-10, 1e-12, f"torch, step {k}")
    # the reloaded state became flat again; the saved dict did not change with later steps
    assert len({id(s._data.base) for s in clone.opt.state[clone.params[0]].values()
                if s._data.ndim}) == len(saved[0]) - ("step" in saved[0])  # fmt: skip
    for i, st in _state_np(sd).items():
        for n, v in st.items():
            assert np.array_equal(v, saved[i][n])


@pytest.mark.parametrize("name,kwargs", [CONFIGS[1], CONFIGS[5]], ids=[IDS[1], IDS[5]])
def test_parameters_outside_the_flat_buffer_and_missing_gradients(name, kwargs):
    init, coef = _init(np.float64)
    rng = np.random.default_rng(3)
    loose = rng.standard_normal((3, 2))
    # group 0 flat, group 1 a separate array: group 0 takes the flat path, group 1 the loop
    extra = ng.tensor(loose.copy(), requires_grad=True)
    flat = Flat(name, kwargs, np.float64, init, extra_group={"params": [extra]})
    tparams = [torch.tensor(w.copy(), requires_grad=True) for w in init]
    textra = torch.tensor(loose.copy(), requires_grad=True)
    topt = getattr(torch.optim, name)([{"params": tparams}, {"params": [textra]}],
                                      foreach=False, **kwargs)  # fmt: skip
    a = rng.uniform(0.5, 2.0, (3, 2))
    for k in range(12):
        skip = (1, 4) if 3 <= k < 6 else ()  # two parameters without gradients for a while
        extra.grad = ng.from_numpy(_grad(extra.detach().numpy(), a, k))
        flat.step(_grads(flat.values(), coef, k, skip))
        tg = _grads([p.detach().numpy() for p in tparams], coef, k, skip)
        for p, g in zip(tparams, tg):
            p.grad = None if g is None else torch.from_numpy(g)
        textra.grad = torch.from_numpy(_grad(textra.detach().numpy(), a, k))
        topt.step()
        _close(flat.values() + [extra.detach().numpy()],
               [p.detach().numpy() for p in tparams] + [textra.detach().numpy()], 1e-10, 1e-12,
               f"step {k}")  # fmt: skip
        if not skip and k < 3:
            assert flat.used_flat(0)
        assert not flat.used_flat(1)  # one separate parameter: always the loop


def test_layout_that_does_not_tile_falls_back():
    init, coef = _init(np.float64)
    flat = Flat("SGD", dict(lr=0.1, momentum=0.9), np.float64, init)
    # one gradient moved out of the flat gradient array: per-parameter path, same result
    flat.gviews[2] = flat.gviews[2].copy()
    loop = Loop("SGD", dict(lr=0.1, momentum=0.9), init)
    for k in range(4):
        for runner in (flat, loop):
            runner.step(_grads(runner.values(), coef, k))
        assert not flat.used_flat()
        _close(flat.values(), loop.values(), 1e-12, 1e-13, f"step {k}")


def test_foreach_false_never_takes_the_flat_path():
    init, coef = _init(np.float64)
    flat = Flat("Adam", dict(lr=1e-2, foreach=False), np.float64, init)
    flat.step(_grads(flat.values(), coef, 0))
    assert not flat.used_flat()
    on = Flat("Adam", dict(lr=1e-2, foreach=True), np.float64, init)
    on.step(_grads(on.values(), coef, 0))
    assert on.used_flat()
    for a, b in zip(flat.values(), on.values()):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)


def test_large_flat_group_split_over_threads(monkeypatch):
    # a group whose work passes PARALLEL_MIN_WORK runs in chunks on nablagrad's threads
    from nablagrad.optim import optimizer as base

    monkeypatch.setattr(base, "PARALLEL_MIN_WORK", 1000)
    old = ng.get_num_threads()
    ng.set_num_threads(2)
    try:
        rng = np.random.default_rng(1)
        init = [rng.standard_normal(s) for s in [(300, 70), (70,), (50, 300)]]
        coef = [rng.uniform(0.5, 2.0, w.shape) for w in init]
        for name, kwargs in (CONFIGS[2], CONFIGS[5]):
            flat, ref = Flat(name, kwargs, np.float64, init), Torch(name, kwargs, init)
            for k in range(5):
                for runner in (flat, ref):
                    runner.step(_grads(runner.values(), coef, k))
                assert flat.used_flat()
                _close(flat.values(), ref.values(), 1e-10, 1e-12, f"{name} threads, step {k}")
    finally:
        ng.set_num_threads(old)
