"""torch's NumPy-compatible keywords: every built-in with ``dim=`` also takes ``axis=`` (and
``keepdim=`` takes ``keepdims=``), so code written as ``torch.stack(xs, axis=1)`` (D2L's
library does) runs."""

import inspect

import numpy as np
import pytest
import torch

import nablagrad as ng


def _takes_axis(fn) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return True
    if "dim" not in params:
        return True
    wrapped = getattr(fn, "__wrapped__", None)
    return (
        "axis" in params
        or any(p.kind is p.VAR_KEYWORD for p in params.values())
        or (wrapped is not None and fn.__name__ == wrapped.__name__)
    )


def _public(owner, torch_owner):
    for name in dir(owner):
        if name.startswith("_") or not hasattr(torch_owner, name):
            continue
        fn = getattr(owner, name)
        if callable(fn) and not isinstance(fn, type):
            yield name, fn


def test_every_function_with_dim_takes_axis():
    missing = [n for n, f in _public(ng, torch) if not _takes_axis(f)]
    missing += ["Tensor." + n for n, f in _public(ng.Tensor, torch.Tensor) if not _takes_axis(f)]
    assert not missing, f"add @_validate.numpy_names (or axis=) to: {missing}"


X = np.arange(12, dtype=np.float32).reshape(3, 4) - 5
CALLS = {
    "stack": lambda L, x: L.stack([x, x], axis=1),
    "softmax": lambda L, x: L.softmax(x, axis=1),
    "logsumexp": lambda L, x: L.logsumexp(x, axis=1, keepdims=True),
    "amax": lambda L, x: L.amax(x, axis=0),
    "all": lambda L, x: L.all(x > -6, axis=1),
    "sort": lambda L, x: x.sort(axis=1, descending=True).values,
    "topk": lambda L, x: x.topk(2, axis=1).values,
    "gather": lambda L, x: L.gather(x, axis=1, index=L.tensor([[0], [1], [2]])),
    "index_select": lambda L, x: x.index_select(axis=1, index=L.tensor([0, 2])),
    "squeeze": lambda L, x: x[:, :1].squeeze(axis=1),
    "unbind": lambda L, x: x.unbind(axis=1)[2],
    "swapaxes": lambda L, x: L.swapaxes(x, axis0=0, axis1=1),
    "size": lambda L, x: L.tensor(x.size(axis=1)),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_aliases_give_torchs_answer(name):
    got = CALLS[name](ng, ng.tensor(X))
    want = CALLS[name](torch, torch.tensor(X))
    np.testing.assert_allclose(np.asarray(got.tolist()), np.asarray(want.tolist()), rtol=1e-6)


def test_both_names_at_once_is_an_error():
    with pytest.raises(TypeError, match="both dim= and its alias axis="):
        ng.stack([ng.ones(2)], dim=0, axis=0)
