"""Every row of the primitive table (ops/table.py) against PyTorch, driven by hypothesis.

For each elementwise row: random shapes (0-3 dims), float32/float64 (and integer inputs for the
dtype policy), forward values and dtypes, gradients and second derivatives, through both the
function (``nablagrad.exp``) and the method (``x.exp()``).  Binary rows also get mutually
broadcastable shapes and Python-scalar operands; reductions get random ``dim`` and ``keepdim``.
"""

from __future__ import annotations

import ast
import inspect

import numpy as np
import pytest
import torch
from helpers import check_op
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import nablagrad as ng
from nablagrad.ops import elementwise, reduce
from nablagrad.ops.table import BINARY, REDUCTIONS, UNARY

EXAMPLES = settings(max_examples=8, deadline=None)
DTYPES = st.sampled_from([np.float32, np.float64])
TOL = {np.float32: 2e-5, np.float64: 1e-10}


def _tol(dtype) -> dict:
    t = TOL[dtype]
    return {"atol": t, "rtol": t * 10, "grad2_atol": t * 10, "grad2_rtol": t * 100}


def _inputs(shapes, dtype, domain, seed):
    rng = np.random.default_rng(seed)
    return [rng.uniform(*domain, size=s).astype(dtype) for s in shapes]


@pytest.mark.parametrize("row", UNARY, ids=[r.name for r in UNARY])
@EXAMPLES
@given(shape=array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4), dtype=DTYPES,
       seed=st.integers(0, 2**16))  # fmt: skip
def test_unary_row(row, shape, dtype, seed):
    name = row.name
    inputs = _inputs([shape], dtype, row.domain, seed)
    fn = getattr(ng, name)
    tfn = getattr(torch, name)
    check_op(fn, tfn, inputs=inputs, second_order=True, **_tol(dtype))
    check_op(lambda x: getattr(x, name)(), None, inputs=inputs, second_order=True, **_tol(dtype))


@pytest.mark.parametrize("row", UNARY, ids=[r.name for r in UNARY])
def test_unary_row_dtype_policy(row):
    start = int(np.ceil(row.domain[0]))  # integers inside the row's domain
    x = np.arange(start, start + 7)
    ours, theirs = getattr(ng, row.name)(ng.tensor(x)), getattr(torch, row.name)(torch.tensor(x))
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def _binary_call(name):
    if name in ("add", "sub", "mul", "div", "pow", "maximum", "minimum"):
        return lambda lib: getattr(lib, name)
    raise AssertionError(name)


@pytest.mark.parametrize("row", BINARY, ids=[r.name for r in BINARY])
@EXAMPLES
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4),
       dtype=DTYPES, seed=st.integers(0, 2**16))  # fmt: skip
def test_binary_row(row, shapes, dtype, seed):
    name = row.name
    inputs = _inputs(shapes.input_shapes, dtype, row.domain, seed)
    check_op(getattr(ng, name), getattr(torch, name), inputs=inputs, second_order=True,
             **_tol(dtype))  # fmt: skip
    check_op(lambda a, b: getattr(a, name)(b), None, inputs=inputs, second_order=True,
             **_tol(dtype))  # fmt: skip


@pytest.mark.parametrize("row", BINARY, ids=[r.name for r in BINARY])
@pytest.mark.parametrize("scalar", [2, 1.5])
def test_binary_row_with_python_scalar(row, scalar):
    x = _inputs([(3, 4)], np.float32, row.domain, 0)
    check_op(lambda a: getattr(ng, row.name)(a, scalar), lambda a: getattr(torch, row.name)(
        a, torch.tensor(scalar) if row.name in ("maximum", "minimum") else scalar),
        inputs=x, second_order=True, atol=1e-5, rtol=1e-4)  # fmt: skip
    ints = ng.tensor([[1, 2], [3, 4]])
    if row.name not in ("maximum", "minimum"):
        ours = getattr(ng, row.name)(ints, scalar)
        theirs = getattr(torch, row.name)(torch.tensor([[1, 2], [3, 4]]), scalar)
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


@st.composite
def _reduction_case(draw):
    shape = draw(array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    dims = draw(st.lists(st.integers(-len(shape), len(shape) - 1), min_size=1, max_size=3,
                         unique_by=lambda d: d % len(shape)))  # fmt: skip
    return shape, tuple(dims), draw(st.booleans())


@pytest.mark.parametrize("row", REDUCTIONS, ids=[r.name for r in REDUCTIONS])
@EXAMPLES
@given(case=_reduction_case(), dtype=DTYPES, seed=st.integers(0, 2**16))
def test_reduction_row(row, case, dtype, seed):
    shape, dims, keepdim = case
    name = row.name
    inputs = _inputs([shape], dtype, row.domain, seed)
    check_op(lambda x: getattr(ng, name)(x, dims, keepdim),
             lambda x: getattr(torch, name)(x, dims, keepdim),
             inputs=inputs, second_order=True, **_tol(dtype))  # fmt: skip
    check_op(lambda x: getattr(x, name)(dims, keepdim=keepdim), None, inputs=inputs,
             second_order=True, **_tol(dtype))  # fmt: skip
    if name != "logsumexp":  # torch's logsumexp needs dim
        check_op(lambda x: getattr(x, name)(), None, inputs=inputs, second_order=True,
                 **_tol(dtype))  # fmt: skip


# -- every row has its class, function, method and export ---------------------------------


def _static_names(module) -> set[str]:
    tree = ast.parse(inspect.getsource(module))
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                for elt in getattr(target, "elts", [target]):
                    if isinstance(elt, ast.Name):
                        names.add(elt.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
    return names


def test_every_row_has_static_names_a_method_and_an_export():
    ew, rd = _static_names(elementwise), _static_names(reduce)
    for row in UNARY + BINARY:
        cls = elementwise.FUNCTIONS[row.name]
        assert cls.__name__ in ew and getattr(elementwise, cls.__name__) is cls, row.name
        assert row.name in ew, f"{row.name}: no static name in ops/elementwise.py"
    for row in REDUCTIONS:
        cls = reduce.REDUCTION_FUNCTIONS[row.name]
        assert cls.__name__ in rd and getattr(reduce, cls.__name__) is cls, row.name
        assert row.name in rd, f"{row.name}: no public wrapper in ops/reduce.py"
    for row in UNARY + BINARY + REDUCTIONS:
        assert row.name in vars(ng.Tensor), f"Tensor.{row.name} is not defined in the class body"
        assert row.name in vars(ng), f"nablagrad.{row.name} is not exported"
        assert hasattr(torch, row.name), f"{row.name}: torch has no such function"
