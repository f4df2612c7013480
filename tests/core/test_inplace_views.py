"""In-place changes of views and of tensors that earlier nodes consumed, against torch.

torch records ``view.op_()`` as a change of the view's base (CopySlices) and keeps the history
each earlier node consumed; gradients (first and second order) must equal torch's.
"""

import numpy as np
import pytest
import torch

import nablagrad as ng

RNG = np.random.default_rng(0)


def _pair(*shape):
    a = RNG.standard_normal(shape)
    return (
        ng.tensor(a.copy(), dtype=ng.float64, requires_grad=True),
        torch.tensor(a.copy(), dtype=torch.float64, requires_grad=True),
    )


def _masked_softmax(lib, x, valid):  # D2L's masked_softmax: X[~mask] = -1e6 on a reshape view
    shape = x.shape
    v = x.reshape(-1, shape[-1])
    mask = lib.arange(shape[-1])[None, :] < valid[:, None]
    v[~mask] = -1e6
    return lib.softmax(v.reshape(shape), dim=-1)


def _case_masked_softmax(lib, a, w):
    x = a @ w
    valid = lib.tensor([1, 2, 3, 1, 2, 3, 1, 2])
    return (
        _masked_softmax(lib, x.reshape(4, 2, 3), valid) * lib.arange(24.0).reshape(4, 2, 3)
    ).sum()


def _case_mul_transposed_slice(lib, a, w):
    x = a @ w
    x.t()[1:4].mul_(w[0, 1:4, None])
    return (x**2).sum() + x[0].sum()


def _case_diagonal(lib, a, w):
    x = a[:, :4] * 2
    d = x.diagonal()
    d.add_(w[0, :4])
    return x.sin().sum() + d.exp().sum()


def _case_consumer_before_change(lib, a, w):
    x = a @ w
    y = x * 3  # consumed x before the change: its gradient must not see the mul_
    x.mul_(w)
    return y.sum() + (x * x).sum()


def _case_sibling_views(lib, a, w):
    x = a @ w
    first, second = x[0], x[1]
    first.mul_(2)
    second.add_(first)
    return (x.tanh() * lib.arange(36.0).reshape(6, 6)).sum()


def _case_view_of_changed_base(lib, a, w):
    x = a @ w
    flat = x.reshape(-1)  # a view taken before the base changes: sees the new values
    x[0] = w[1] * 2
    x.mul_(w[2])
    return (flat * lib.arange(36.0)).sum() + x.sum()


def _case_stale_sibling_then_change(lib, a, w):
    b = (a * 1).transpose(0, 1)
    b[0].add_(w[0])  # b's own history is re-derived from the changed base
    b.clamp_(-0.5, 0.5)
    return (b.transpose(0, 1) ** 2).sum() + (b[1] * w[1]).sum()


def _case_preallocated_output(lib, a, w):
    out = lib.zeros(4, 6, dtype=lib.float64)
    h = lib.zeros(6, dtype=lib.float64)
    for t in range(4):
        h = lib.tanh(a[t] @ w + h)
        out[t][:] = h
    return (out**2).sum()


CASES = [
    _case_masked_softmax,
    _case_mul_transposed_slice,
    _case_diagonal,
    _case_consumer_before_change,
    _case_sibling_views,
    _case_view_of_changed_base,
    _case_stale_sibling_then_change,
    _case_preallocated_output,
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.__name__[6:])
def test_matches_torch_first_and_second_order(case):
    a_n, a_t = _pair(6, 6) if case is not _case_masked_softmax else _pair(4, 6)
    w_n, w_t = _pair(6, 6)
    out_n, out_t = case(ng, a_n, w_n), case(torch, a_t, w_t)
    np.testing.assert_allclose(out_n.item(), out_t.item(), rtol=1e-12)
    g_n = ng.autograd.grad(out_n, (a_n, w_n), create_graph=True)
    g_t = torch.autograd.grad(out_t, (a_t, w_t), create_graph=True)
    for gn, gt in zip(g_n, g_t):
        np.testing.assert_allclose(gn.detach().numpy(), gt.detach().numpy(), rtol=1e-10, atol=1e-12)
    h_n = ng.autograd.grad((g_n[0] ** 2).sum() + g_n[1].sum(), (a_n, w_n))
    h_t = torch.autograd.grad((g_t[0] ** 2).sum() + g_t[1].sum(), (a_t, w_t))
    for hn, ht in zip(h_n, h_t):
        np.testing.assert_allclose(hn.numpy(), ht.numpy(), rtol=1e-9, atol=1e-10)


def test_values_reach_the_base_and_every_view():
    base = ng.zeros(2, 3, requires_grad=True) * 1
    v = base.reshape(-1)
    v[1:3] = ng.tensor([5.0, 6.0], requires_grad=True)
    assert base.tolist() == [[0.0, 5.0, 6.0], [0.0, 0.0, 0.0]]
    assert v.tolist() == [0.0, 5.0, 6.0, 0.0, 0.0, 0.0]
    assert base.grad_fn is not None and v.grad_fn is not None


def test_diagonal_is_a_writable_view_like_torch():
    x_n = ng.ones(3, 4) * 2
    x_t = torch.ones(3, 4) * 2
    with ng.no_grad():
        x_n.diagonal(1).add_(1)
    with torch.no_grad():
        x_t.diagonal(1).add_(1)
    np.testing.assert_array_equal(x_n.numpy(), x_t.numpy())


def test_view_of_a_leaf_that_requires_grad_is_refused_like_torch():
    w_n = ng.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="view of a leaf Variable"):
        w_n[:2].mul_(2)


def _grad_after(lib, body):
    a = lib.arange(6.0, dtype=lib.float64, requires_grad=True)
    b = a * 2
    body(b)
    (b * b).sum().backward()
    return a.grad.numpy(), b.detach().numpy()


@pytest.mark.parametrize(
    "body",
    [
        lambda b: b.zero_(),
        lambda b: b.fill_(3.0),
        lambda b: b[1:3].fill_(1.0),
        lambda b: b.view(2, 3).diagonal().zero_(),
        lambda b: b.add_(b),
        lambda b: b.view(2, 3)[0].sub_(b.view(2, 3)[0] * 0.5),
        lambda b: b.lerp_(b, 0.5),
        lambda b: b.addcdiv_(b, b.detach() + 1),
    ],
    ids=[
        "zero_",
        "fill_",
        "fill_view",
        "zero_diagonal",
        "add_self",
        "sub_view",
        "lerp_self",
        "addcdiv_self",
    ],
)
def test_fill_on_a_non_leaf_and_ops_reading_self_match_torch(body):
    # fill_/zero_ on a tensor with history is recorded (zero gradient to the old values), and
    # ``b.add_(b)`` reads the old b for both operands: gradients as torch's
    g_n, v_n = _grad_after(ng, body)
    g_t, v_t = _grad_after(torch, body)
    np.testing.assert_allclose(v_n, v_t)
    np.testing.assert_allclose(g_n, g_t)


def test_random_fill_of_a_non_leaf_keeps_requires_grad_like_torch():
    a = ng.ones(3, requires_grad=True)
    b = a * 2
    b.uniform_()
    assert b.requires_grad
    b.sum().backward()
    assert a.grad.tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    "write",
    [
        lambda lib, x: x.add_(1),
        lambda lib, x: x.mul_(lib.ones(2, 3)),
        lambda lib, x: x.clamp_(1, 2),
        lambda lib, x: x.exp_(),
        lambda lib, x: x.__setitem__(Ellipsis, 5.0),
    ],
    ids=["add_", "mul_", "clamp_", "exp_", "setitem"],
)
def test_writing_into_an_expanded_tensor_raises_torchs_runtime_error(write):
    for lib in (torch, ng):
        x = lib.zeros(3).expand(2, 3)
        with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
            write(lib, x)


@pytest.mark.parametrize(
    "index",
    [slice(None, 2), [0, 1]],
    ids=["slice", "advanced"],
)
def test_setitem_shape_mismatch_is_a_runtime_error_like_torch(index):
    for lib in (torch, ng):
        x = lib.zeros(3)
        idx = lib.tensor(index) if isinstance(index, list) else index
        with pytest.raises(RuntimeError):
            x[idx] = lib.ones(3)


def _unfold_facts(lib, shape, dim, size, step, transpose):
    """Values, shape, strides, a write through the view, and first/second-order gradients."""
    base = lib.arange(float(np.prod(shape)), dtype=lib.float64).reshape(*shape)
    if transpose:
        base = base.transpose(0, -1)
    u = base.unfold(dim, size, step)
    facts = [u.tolist(), tuple(u.shape), u.stride()]
    written = base.clone()
    view = written.unfold(dim, size, step)
    if view.numel():
        view[(0,) * view.ndim] = -100.0
    facts.append(written.tolist())
    x = base.detach().clone().requires_grad_()
    weights = lib.arange(float(u.numel()), dtype=lib.float64).reshape(u.shape)
    loss = (x.unfold(dim, size, step) ** 2 * weights).sum()
    (g,) = lib.autograd.grad(loss, x, create_graph=True)
    (gg,) = lib.autograd.grad((g * x).sum(), x)
    facts += [g.tolist(), gg.tolist()]
    if size:
        y = x * 1
        y.unfold(dim, size, step).select(-1, 0).mul_(3)  # in place through the view
        y.sum().backward()
        facts.append(x.grad.tolist())
    return facts


@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize(
    ("shape", "dim", "size", "step"),
    [
        ((8,), 0, 3, 2),
        ((8,), 0, 3, 1),
        ((8,), 0, 2, 3),
        ((3, 8), 1, 3, 2),
        ((3, 8), 0, 2, 1),
        ((4, 5, 6), 1, 2, 2),
        ((4, 5, 6), -1, 4, 1),
        ((4, 5, 6), 2, 1, 4),
        ((6, 7), 1, 5, 1),
        ((5,), 0, 0, 1),
    ],
)
def test_unfold_is_a_view_like_torch(shape, dim, size, step, transpose):
    """Tensor.unfold is a strided view (torch's strides; writes reach the base); overlapping
    windows (step < size) add their gradients back."""
    ours = _unfold_facts(ng, shape, dim, size, step, transpose)
    theirs = _unfold_facts(torch, shape, dim, size, step, transpose)
    for a, b in zip(ours, theirs):
        assert a == b
