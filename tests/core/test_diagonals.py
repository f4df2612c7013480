"""diag_embed, diagonal, diagonal_scatter and diag with offsets and dims, against torch 2.13:
values, first and second derivatives, and errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import check_op

import nablagrad as ng

TOL = {"atol": 1e-12, "rtol": 1e-12, "dtype": np.float64, "second_order": True}
OFFSETS = [0, 1, -2]


@pytest.mark.parametrize("offset", OFFSETS)
@pytest.mark.parametrize("dims", [(-2, -1), (0, 1), (0, 2), (2, 0), (1, -1), (-3, 3), (3, 1)])
def test_diag_embed_dims_against_torch(offset: int, dims: tuple):
    def f(L, x):
        return L.diag_embed(x, offset, *dims) * 2 + x.diag_embed(
            offset=offset, dim1=dims[0], dim2=dims[1]
        )

    check_op(lambda x: f(ng, x), lambda x: f(torch, x), [(2, 3, 4)], **TOL)


def test_diag_embed_one_dim_int_and_bool_match_torch():
    for values in ([1, -2, 3], [True, False]):
        for dims in ((0, 1), (1, 0)):
            want = torch.diag_embed(torch.tensor(values), 1, *dims)
            got = ng.diag_embed(ng.tensor(values), 1, *dims)
            assert got.tolist() == want.tolist() and str(got.dtype)[10:] == str(want.dtype)[6:]


@pytest.mark.parametrize("offset", OFFSETS)
@pytest.mark.parametrize("dims", [(0, 1), (1, 0), (0, 2), (-1, 1), (2, -3)])
def test_diagonal_and_diagonal_scatter_against_torch(offset: int, dims: tuple):
    src_shape = torch.zeros(3, 4, 5).diagonal(offset, *dims).shape

    def f(L, x, s):
        d = L.diagonal(x, offset, *dims) * 3 + x.diagonal(offset=offset, dim1=dims[0], dim2=dims[1])
        return d.sum() + (L.diagonal_scatter(x, s, offset, *dims) ** 2).sum()

    check_op(
        lambda x, s: f(ng, x, s), lambda x, s: f(torch, x, s), [(3, 4, 5), tuple(src_shape)], **TOL
    )


@pytest.mark.parametrize("offset", [0, 2, -1, 5])
@pytest.mark.parametrize("shape", [(4,), (3, 5)])
def test_diag_against_torch(offset: int, shape: tuple):
    check_op(
        lambda x: ng.diag(x, offset) ** 2, lambda x: torch.diag(x, offset) ** 2, [shape], **TOL
    )


BAD = [
    ("diag_embed same dims", lambda L: L.diag_embed(L.ones(2, 3), 0, 0, 0)),
    ("diag_embed same dims negative", lambda L: L.diag_embed(L.ones(2, 3), 0, 2, -1)),
    ("diag_embed dim too large", lambda L: L.diag_embed(L.ones(2, 3), 0, 3, 0)),
    ("diag_embed dim too small", lambda L: L.diag_embed(L.ones(2, 3), 0, -4, 0)),
    ("diag_embed 0-d", lambda L: L.diag_embed(L.tensor(1.0))),
    ("diagonal same dims", lambda L: L.diagonal(L.ones(2, 3), 0, 1, 1)),
    ("diagonal dim too large", lambda L: L.diagonal(L.ones(2, 3), 0, 0, 2)),
    ("diag 3-d", lambda L: L.diag(L.ones(2, 2, 2))),
    ("diagonal_scatter wrong src", lambda L: L.diagonal_scatter(L.ones(2, 3), L.ones(3))),
]


@pytest.mark.parametrize("name", [b[0] for b in BAD])
def test_bad_input_raises_as_torch(name: str):
    call = dict(BAD)[name]
    with pytest.raises(Exception) as want:
        call(torch)
    with pytest.raises(type(want.value)) as got:
        call(ng)
    if "same dims" in name:
        assert str(got.value) == str(want.value)
