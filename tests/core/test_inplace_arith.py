"""``x += y``, ``-=``, ``*=``, ``/=`` (and ``add_`` ...) outside autograd write straight into
x's memory (an optimizer's ``p -= lr * p.grad``): values, dtypes, broadcasting, overlap, errors
and the version counter against torch, for every kind of operand."""

import numpy as np
import pytest
import torch

import nablagrad as ng

OPS = ["add_", "sub_", "mul_", "div_"]


def _operands(dtype_self: str, kind: str, lib):
    rng = np.random.default_rng(3)
    base = rng.uniform(0.5, 2.0, (3, 4))
    x = lib.tensor(base.astype(dtype_self))
    if kind == "same":
        return x, lib.tensor(rng.uniform(0.5, 2.0, (3, 4)).astype(dtype_self))
    if kind == "row":  # broadcast along the first dim
        return x, lib.tensor(rng.uniform(0.5, 2.0, (4,)).astype(dtype_self))
    if kind == "scalar_tensor":
        return x, lib.tensor(np.asarray(1.7, dtype=dtype_self))
    if kind == "other_dtype":
        return x, lib.tensor(rng.uniform(0.5, 2.0, (3, 4)))  # float64
    if kind == "float":
        return x, 0.3
    if kind == "int":
        return x, 3
    if kind == "bool":
        return x, True
    raise AssertionError(kind)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize(
    "kind", ["same", "row", "scalar_tensor", "other_dtype", "float", "int", "bool"]
)
def test_inplace_arith_matches_torch(op, dtype, kind):
    xn, yn = _operands(dtype, kind, ng)
    xt, yt = _operands(dtype, kind, torch)
    if kind == "bool" and op == "sub_":  # torch refuses subtracting a bool
        with pytest.raises(RuntimeError, match="with a bool"):
            xt.sub_(yt)
        with pytest.raises(RuntimeError, match="with a bool"):
            xn.sub_(yn)
        return
    with ng.no_grad():
        rn = getattr(xn, op)(yn)
    with torch.no_grad():
        getattr(xt, op)(yt)
    assert rn is xn
    assert str(xn.dtype).split(".")[-1] == str(xt.dtype).split(".")[-1]
    tol = 1e-3 if dtype == "float16" else 1e-6
    np.testing.assert_allclose(xn.numpy().astype(np.float64), xt.numpy(), rtol=tol, atol=tol)


def test_operators_and_overlapping_operands():
    a = np.arange(6.0, dtype=np.float32).reshape(2, 3)
    xn, xt = ng.tensor(a.copy()), torch.tensor(a.copy())
    xn -= xn.flip(0)  # reads what it overwrites: the result is as if from a copy
    xt -= xt.flip(0)
    np.testing.assert_array_equal(xn.numpy(), xt.numpy())
    xn[0] *= 2.0  # through a view: the base changes
    xt[0] *= 2.0
    np.testing.assert_allclose(xn.numpy(), xt.numpy())
    yn, yt = xn.flip(1), xt.flip(1)  # a copy in torch: later writes to x do not show
    xn += 1.0
    xt += 1.0
    np.testing.assert_array_equal(yn.numpy(), yt.numpy())


def test_shape_that_would_grow_self_is_refused_like_torch():
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        ng.zeros(3).add_(ng.ones(2, 3))
    with pytest.raises(RuntimeError):
        torch.zeros(3).add_(torch.ones(2, 3))
    x = ng.zeros(3)
    with pytest.raises(RuntimeError, match="can't be cast"):
        ng.zeros(3, dtype=ng.int64).add_(0.5)
    assert x.tolist() == [0.0, 0.0, 0.0]


def test_an_update_of_a_saved_tensor_is_noticed_by_backward_like_torch():
    """The direct write stamps the version counter: a graph that saved the tensor refuses."""
    for lib in (ng, torch):
        w = lib.ones(3, requires_grad=True)
        x = lib.ones(3) * 2
        y = (w * x).sum()  # saves x
        with lib.no_grad():
            x -= 0.5
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.backward()


def test_integer_tensors_keep_the_general_path():
    xn, xt = ng.arange(6), torch.arange(6)
    xn += 2
    xt += 2
    xn *= xn
    xt *= xt
    assert xn.tolist() == xt.tolist()
    assert xn.dtype == ng.int64
