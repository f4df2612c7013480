"""Memory formats (``contiguous_format``, ``channels_last``, ``channels_last_3d``,
``preserve_format``) against torch: strides, values and gradients of ``contiguous``, ``clone``
and ``to``, ``is_contiguous``, and the errors."""

import numpy as np
import pytest
import torch

import nablagrad as ng


def _both(fn):
    x = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
    return fn(ng, ng.tensor(x)), fn(torch, torch.tensor(x))


CASES = {
    "contiguous channels_last": lambda L, x: x.contiguous(memory_format=L.channels_last),
    "contiguous of transposed": lambda L, x: x.transpose(1, 2).contiguous(),
    "contiguous contiguous_format": lambda L, x: x.permute(0, 2, 3, 1).contiguous(
        memory_format=L.contiguous_format
    ),
    "to channels_last": lambda L, x: x.to(memory_format=L.channels_last),
    "to float64 channels_last": lambda L, x: x.to(L.float64, memory_format=L.channels_last),
    "clone keeps a transposed layout": lambda L, x: x.transpose(1, 3).clone(),
    "clone keeps channels_last": lambda L, x: x.contiguous(memory_format=L.channels_last).clone(),
    "clone of a slice is row-major": lambda L, x: x[:, :, ::2].clone(),
    "clone of a broadcast is row-major": lambda L, x: x[:, :1].expand(2, 3, 4, 5).clone(),
    "clone contiguous_format": lambda L, x: x.transpose(1, 3).clone(
        memory_format=L.contiguous_format
    ),
    "clone channels_last": lambda L, x: x.clone(memory_format=L.channels_last),
    "torch.clone preserve": lambda L, x: L.clone(x.permute(3, 2, 1, 0)),
    "channels_last_3d": lambda L, x: x.reshape(2, 3, 2, 2, 5).contiguous(
        memory_format=L.channels_last_3d
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_layout_matches_torch(name):
    n, t = _both(CASES[name])
    assert n.stride() == t.stride(), name
    assert n.shape == tuple(t.shape)
    np.testing.assert_array_equal(n.numpy(), t.numpy())
    assert n.is_contiguous() == t.is_contiguous()
    for fmt in ("channels_last", "contiguous_format", "preserve_format"):
        if n.ndim == 4 or fmt != "channels_last":
            assert n.is_contiguous(memory_format=getattr(ng, fmt)) == t.is_contiguous(
                memory_format=getattr(torch, fmt)
            ), (name, fmt)


def test_contiguous_returns_self_when_already_laid_out():
    x = ng.zeros(2, 3, 4, 5).contiguous(memory_format=ng.channels_last)
    assert x.contiguous(memory_format=ng.channels_last) is x
    y = ng.zeros(2, 3)
    assert y.contiguous() is y and y.contiguous(memory_format=ng.preserve_format) is y


def test_gradients_pass_through_a_layout_change():
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5)).astype(np.float32)
    xn = ng.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    w = np.arange(120, dtype=np.float32).reshape(2, 3, 4, 5)
    (xn.contiguous(memory_format=ng.channels_last) * ng.tensor(w)).sum().backward()
    (xt.contiguous(memory_format=torch.channels_last) * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(xn.grad.numpy(), xt.grad.numpy())
    # a channels-last input through a convolution: torch's values
    conv_t = torch.nn.Conv2d(3, 4, 3)
    conv_n = ng.nn.Conv2d(3, 4, 3)
    conv_n.load_state_dict({k: v.detach().numpy() for k, v in conv_t.state_dict().items()})
    out_n = conv_n(ng.tensor(x).contiguous(memory_format=ng.channels_last))
    out_t = conv_t(torch.tensor(x).contiguous(memory_format=torch.channels_last))
    np.testing.assert_allclose(out_n.detach().numpy(), out_t.detach().numpy(), rtol=1e-5, atol=1e-5)


def test_errors_match_torch():
    for lib in (ng, torch):
        x = lib.zeros(3, 4, 5)
        with pytest.raises(RuntimeError, match="required rank 4 tensor to use channels_last"):
            x.contiguous(memory_format=lib.channels_last)
        with pytest.raises(RuntimeError, match="required rank 5 tensor to use channels_last_3d"):
            x.clone(memory_format=lib.channels_last_3d)
        with pytest.raises(RuntimeError, match="preserve memory format is unsupported"):
            x.transpose(0, 1).contiguous(memory_format=lib.preserve_format)
    with pytest.raises(TypeError, match="memory_format"):
        ng.zeros(2, 2).is_contiguous(memory_format="channels_last")


def test_repr_and_module_to():
    assert repr(ng.channels_last) == "nablagrad.channels_last"
    assert isinstance(ng.preserve_format, ng.memory_format)
    m = ng.nn.Conv2d(3, 4, 3)
    assert m.to(memory_format=ng.channels_last) is m  # accepted, as torch's


@pytest.mark.parametrize(
    "name", ["zeros_like", "ones_like", "empty_like", "rand_like", "randn_like", "full_like"]
)
def test_like_factories_preserve_strides_as_torch(name: str) -> None:
    def make(L, x, **kw):
        fn = getattr(L, name)
        return fn(x, 2.0, **kw) if name == "full_like" else fn(x, **kw)

    cases = [
        lambda L: L.rand(2, 3, 4, 5).to(memory_format=L.channels_last),
        lambda L: L.rand(3, 4).t(),
        lambda L: L.rand(3, 4)[:, ::2],  # not dense: row-major
        lambda L: L.rand(2, 3),
    ]
    for case in cases:
        want = make(torch, case(torch))
        got = make(ng, case(ng))
        assert got.stride() == want.stride()
        assert make(ng, case(ng), memory_format=ng.contiguous_format).is_contiguous()
    assert make(ng, cases[0](ng), requires_grad=True).requires_grad


# -- size-1 and size-0 dims: torch's canonical strides, identities and suggested formats -------

SHAPES = [
    (2, 3, 1, 1), (1, 3, 1, 1), (2, 1, 4, 5), (2, 3, 4, 1), (2, 3, 1, 5), (1, 1, 1, 1),
    (2, 1, 1, 1), (1, 3, 4, 5), (1, 1, 4, 1), (0, 3, 2, 2), (2, 0, 2, 2), (2, 3, 0, 2),
    (2, 3, 1, 1, 1), (2, 1, 2, 3, 4), (1, 3, 2, 1, 4), (2, 3, 2, 2, 1), (2, 0, 1, 2, 2),
]  # fmt: skip


def _strided(shape, strides):
    """The same values over the same strides in torch and nablagrad (NumPy's views would
    give size-1 and size-0 dims other strides than torch's views, so build them directly)."""
    span = 1 + sum((n - 1) * s for n, s in zip(shape, strides)) if all(shape) else 1
    base = np.arange(span, dtype=np.float32)
    arr = np.lib.stride_tricks.as_strided(base, shape, tuple(s * 4 for s in strides))
    return ng.from_numpy(arr), torch.from_numpy(base.copy()).as_strided(shape, strides)


def _inputs(shape):
    """Pairs of tensors in several layouts: row-major, channels-last, transposed, sliced,
    expanded, as torch's views lay them out."""
    n = len(shape)
    x = torch.zeros(shape)
    last = (0, *range(2, n), 1)
    inverse = tuple(sorted(range(n), key=last.__getitem__))
    layouts = {
        "row-major": x,
        "permuted": x.permute(*last).contiguous().permute(*inverse),
        "transposed": x.transpose(1, n - 1),
        "sliced": torch.zeros(*shape[:-1], 2 * shape[-1])[..., ::2],
    }
    if shape[1] == 1:
        layouts["expanded"] = x.expand(shape[0], 3, *shape[2:])
    for kind, t in layouts.items():
        yield (kind, *_strided(tuple(t.shape), t.stride()))


def _formats(L, n):
    cl = L.channels_last if n == 4 else L.channels_last_3d
    return {"cl": cl, "contiguous": L.contiguous_format, "preserve": L.preserve_format}


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_layouts_with_size_one_dims_match_torch(shape):
    for kind, xn, xt in _inputs(shape):
        assert xn.stride() == xt.stride(), kind
        fn, ft = _formats(ng, len(shape)), _formats(torch, len(shape))
        for name in fn:
            a, b = fn[name], ft[name]
            where = (kind, name)
            assert xn.is_contiguous(memory_format=a) == xt.is_contiguous(memory_format=b), where
            if name != "preserve":
                to_n, to_t = xn.to(memory_format=a), xt.to(memory_format=b)
                assert (to_n is xn) == (to_t is xt), where
                assert to_n.stride() == to_t.stride(), where
                c_n, c_t = xn.contiguous(memory_format=a), xt.contiguous(memory_format=b)
                assert (c_n is xn) == (c_t is xt), where
                assert c_n.stride() == c_t.stride(), where
                e_n = ng.empty(shape, memory_format=a)
                assert e_n.stride() == torch.empty(shape, memory_format=b).stride(), where
            d_n, d_t = xn.to(ng.float64, memory_format=a), xt.to(torch.float64, memory_format=b)
            assert d_n.stride() == d_t.stride(), where
            c_n, c_t = xn.clone(memory_format=a), xt.clone(memory_format=b)
            assert c_n.stride() == c_t.stride(), where
            np.testing.assert_array_equal(c_n.numpy(), c_t.numpy())
            assert not np.shares_memory(c_n.numpy(), xn.numpy()), where
            for like in ("empty_like", "zeros_like", "ones_like", "rand_like"):
                got = getattr(ng, like)(xn, memory_format=a).stride()
                assert got == getattr(torch, like)(xt, memory_format=b).stride(), (where, like)


def test_size_one_channels_last_examples():
    """The reported cases: torch gives channels-last strides to size-1 dims too."""
    x = ng.zeros(2, 3, 1, 1)
    y = x.to(memory_format=ng.channels_last)
    assert y.stride() == (3, 1, 3, 3) and y is not x  # suggested format was contiguous
    assert not np.shares_memory(y.numpy(), x.numpy())
    assert y.to(memory_format=ng.channels_last) is y
    assert x.contiguous(memory_format=ng.channels_last) is x  # already channels-last contiguous
    assert ng.empty(2, 3, 1, 1, memory_format=ng.channels_last).stride() == (3, 1, 3, 3)
    assert ng.empty(2, 3, 1, 1, 1, memory_format=ng.channels_last_3d).stride() == (3, 1, 3, 3, 3)
    assert y.clone().stride() == (3, 1, 3, 3)  # preserve keeps the exact strides
    t = ng.zeros(3, 4).t()
    assert t.to(memory_format=ng.contiguous_format) is t  # torch: suggested format matches
    with pytest.raises(RuntimeError, match="unsupported memory format Preserve"):
        ng.empty(2, 2, memory_format=ng.preserve_format)


@pytest.mark.parametrize("fmt", ["channels_last", "contiguous_format", "preserve_format"])
def test_gradients_through_size_one_layouts(fmt):
    x = np.random.default_rng(1).standard_normal((2, 3, 1, 1)).astype(np.float32)
    w = np.arange(6, dtype=np.float32).reshape(2, 3, 1, 1)
    grads = []
    for L in (ng, torch):
        leaf = L.tensor(x, requires_grad=True)
        src = leaf.to(memory_format=L.channels_last) * 1.0
        out = src.clone(memory_format=getattr(L, fmt)).to(L.float64, memory_format=L.channels_last)
        assert out.dtype == L.float64
        (out * L.tensor(w, dtype=L.float64)).sum().backward()
        grads.append((leaf.grad.numpy(), out.stride()))
    np.testing.assert_array_equal(grads[0][0], grads[1][0])
    assert grads[0][1] == grads[1][1]
