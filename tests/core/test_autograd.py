"""Autograd semantics against PyTorch: accumulation, graph freeing, hooks, grad(), HVPs."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from helpers import assert_close, to_torch

import nablagrad as ng


def test_grad_accumulates_and_zero():
    x = ng.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 7.0])
    x.grad.zero_()
    assert not x.grad.numpy().any()


def test_shared_subexpression_and_same_input_twice():
    a = np.array([0.5, -1.0, 2.0], np.float32)
    xn, xt = ng.tensor(a, requires_grad=True), to_torch(a, True)
    for x in (xn, xt):
        y = x * x
        z = (y + y * x + x).sum()
        z.backward()
    assert_close(xn.grad, xt.grad, 1e-6, 1e-6)


def test_add_gives_independent_leaf_grads():
    a = ng.tensor([1.0, 2.0], requires_grad=True)
    b = ng.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    a.grad += 10  # must not change b.grad
    np.testing.assert_allclose(b.grad.numpy(), [1.0, 1.0])


def test_backward_with_gradient_argument():
    x = ng.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = ng.tensor([0.1, 1.0, 10.0])
    (x * 2).backward(v)
    np.testing.assert_allclose(x.grad.numpy(), [0.2, 2.0, 20.0], rtol=1e-6)
    v[0] = 99.0  # the leaf's grad must not alias the user's tensor
    assert x.grad[0].item() == pytest.approx(0.2)


def test_long_chain_has_no_recursion_limit():
    x = ng.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y + 1e-4 * y
    y.backward()
    assert x.grad.item() == pytest.approx((1 + 1e-4) ** 10_000, rel=1e-3)


def test_graph_freed_after_backward():
    x = ng.tensor([1.0], requires_grad=True)
    y = (x * x).exp()
    y.sum().backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.sum().backward()


def test_retain_graph_allows_second_backward():
    x = ng.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])


def test_no_grad_enable_grad_and_decorator():
    x = ng.tensor([1.0], requires_grad=True)
    with ng.no_grad():
        y = x * 2
        with ng.enable_grad():
            z = x * 2
    assert not y.requires_grad and z.requires_grad

    @ng.no_grad()
    def f(t):
        return t * 3

    assert not f(x).requires_grad
    assert ng.is_grad_enabled()
    with ng.set_grad_enabled(False):
        assert not (x * 1).requires_grad
    assert (x * 1).requires_grad


def test_detach_clone_data():
    x = ng.tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d._data is x._data
    c = x.clone()
    (c * c).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])
    x.data.mul_(10)  # not recorded; shares memory
    assert x[1].item() == 20.0


def test_hooks_modify_gradient_and_remove():
    x = ng.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    seen = []
    h = y.register_hook(lambda g: seen.append(g.numpy().copy()) or g * 2)
    y.sum().backward()
    np.testing.assert_allclose(seen[0], [1.0, 1.0])
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 6.0])
    h.remove()
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_leaf_hook_sees_total_gradient():
    x = ng.tensor([1.0], requires_grad=True)
    got = []
    x.register_hook(lambda g: got.append(g.item()))
    (x * 2 + x * 3).sum().backward()
    assert got == [5.0]


def test_retain_grad_on_nonleaf():
    x = ng.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    (y * y).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [4.0, 8.0])


def test_autograd_grad_and_hessian_vector_product_of_mlp_matches_torch():
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(np.float64) for s in [(5, 8), (8,), (8, 3), (3,)]]
    x = rng.standard_normal((4, 5))
    y = rng.integers(0, 3, 4)
    vecs = [rng.standard_normal(a.shape) for a in arrays]

    def loss(lib, ps, x, y):
        h = (x @ ps[0] + ps[1]).tanh()
        logits = h @ ps[2] + ps[3]
        return (logits.logsumexp(1) - logits[lib.arange(4), y]).mean()

    results = []
    for lib in (ng, torch):
        ps = [lib.tensor(a, requires_grad=True) for a in arrays]
        L = loss(lib, ps, lib.tensor(x), lib.tensor(y))
        gs = lib.autograd.grad(L, ps, create_graph=True)
        dot = sum((g * lib.tensor(v)).sum() for g, v in zip(gs, vecs))
        hv = lib.autograd.grad(dot, ps)
        results.append((gs, hv))
    for a, b in zip(results[0][0], results[1][0]):
        assert_close(a.detach(), b, 1e-10, 1e-9, "gradient")
    for a, b in zip(results[0][1], results[1][1]):
        assert_close(a, b, 1e-10, 1e-9, "Hessian-vector product")


def test_autograd_functional_hvp():
    x = ng.tensor([1.0, 2.0], dtype=ng.float64)
    v = ng.tensor([1.0, 0.0], dtype=ng.float64)
    _, hv = ng.autograd.functional.hvp(lambda t: (t**3).sum() + t[0] * t[1], x, v)
    np.testing.assert_allclose(hv.numpy(), [6.0, 1.0])


def test_grad_unused_input():
    a = ng.tensor([1.0], requires_grad=True)
    b = ng.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="allow_unused"):
        ng.autograd.grad((a * 2).sum(), [a, b])
    ga, gb = ng.autograd.grad((a * 2).sum(), [a, b], allow_unused=True)
    assert gb is None and ga.item() == 2.0
    assert a.grad is None  # grad() does not accumulate


def test_inplace_detects_modified_saved_tensor():
    x = ng.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y * y
    y += 1
    with pytest.raises(RuntimeError, match="inplace operation"):
        z.sum().backward()


def test_inplace_on_leaf_requiring_grad_is_refused():
    x = ng.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x += 1
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x[0] = 3.0
    with ng.no_grad():
        x -= 0.5 * ng.ones(2)
    np.testing.assert_allclose(x.numpy(force=True), [0.5, 1.5])


def test_broadcast_gradients_reduce_to_input_shape():
    w = ng.ones(1, 4, requires_grad=True)
    b = ng.tensor(2.0, requires_grad=True)
    x = ng.ones(3, 4)
    (x * w + b).sum().backward()
    assert w.grad.shape == (1, 4) and b.grad.shape == ()
    np.testing.assert_allclose(w.grad.numpy(), np.full((1, 4), 3.0))
    assert b.grad.item() == 12.0


def test_dtype_casts_in_backward():
    x = ng.tensor([1.0, 2.0], requires_grad=True)
    y = x.double() * ng.tensor([1.0, 1.0], dtype=ng.float64)
    y.sum().backward()
    assert x.grad.dtype == ng.float32


def test_integer_tensor_cannot_require_grad():
    with pytest.raises(RuntimeError, match="floating point"):
        ng.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        ng.arange(3).requires_grad_()


def test_backward_on_non_scalar_needs_gradient():
    x = ng.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"shape \(3,\).*gradient="):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="does not require grad"):
        ng.ones(2).sum().backward()


@pytest.mark.parametrize("dim", [None, 0, 1])
def test_prod_double_backward_with_zeros_matches_torch(dim):
    from helpers import check_op

    x = np.array([[1.5, 0.0, -2.0, 0.5], [0.0, 0.0, 3.0, 1.0], [2.0, -1.0, 0.5, 1.5]])
    for data in (x, x.astype(np.float32)):
        check_op(
            lambda t: t.prod() if dim is None else t.prod(dim),
            None,
            inputs=[data],
            second_order=True,
            atol=1e-5,
            rtol=1e-5,
        )


def test_scatter_propagates_gradients_like_torch():
    from helpers import check_op

    index = np.array([[0, 2, 1, 0], [1, 0, 2, 2]])
    # src larger than index: only its leading index-shaped block is written and gets gradient
    # (torch 2.13's own backward fails on this case, so torch scatters the sliced block)
    check_op(
        lambda x, i, s: x.scatter(0, i, s),
        lambda x, i, s: x.scatter(0, i, s[:2, :4]),
        [(3, 4), index, (3, 5)],
        second_order=True,
    )
    check_op(lambda x, i: x.scatter(1, i[:, :2], 2.5), None, [(3, 4), index], second_order=True)


@pytest.mark.parametrize("reduce", ["add", "multiply"])
def test_scatter_with_reduce_has_no_derivative_like_torch(reduce):
    x = ng.ones(3, 4, requires_grad=True)
    idx = ng.tensor([[0, 1, 2, 0]])
    y = x.scatter(0, idx, 2.0, reduce=reduce)
    assert y.requires_grad  # recorded, never silently detached
    with pytest.raises(RuntimeError, match="not implemented"):
        y.sum().backward()
    with ng.no_grad():
        expected = torch.ones(3, 4).scatter(0, torch.tensor([[0, 1, 2, 0]]), 2.0, reduce=reduce)
        np.testing.assert_allclose(x.scatter(0, idx, 2.0, reduce=reduce).numpy(), expected.numpy())


@pytest.mark.parametrize("lib", [torch, ng])
def test_autograd_backward_inputs_only_fill_those_grads(lib):
    # torch.autograd.backward(..., inputs=[x]) leaves y.grad untouched, as Tensor.backward does
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = lib.tensor([3.0, 4.0], requires_grad=True)
    lib.autograd.backward((x * y).sum(), inputs=[x])
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 4.0])
    assert y.grad is None
    (x * y).sum().backward(inputs=[x, x])  # an input listed twice accumulates once
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 8.0])


def test_grad_input_listed_twice_gets_its_gradient_twice():
    got = []
    for lib in (torch, ng):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        got.append([g.numpy() for g in lib.autograd.grad((x * x).sum(), [x, x])])
    np.testing.assert_allclose(got[1], got[0])


def test_grad_inputs_dict_and_grads_batched_match_torch():
    res = {}
    for lib in (torch, ng):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = lib.tensor(3.0, requires_grad=True)
        d = lib.autograd.grad((x * y).sum(), {"x": x, "y": y})
        seeds = [lib.ones(4, 2), lib.arange(4.0)]
        b = lib.autograd.grad(
            [x * y, (x**2).sum()], [x, y], grad_outputs=seeds, is_grads_batched=True
        )
        res[lib] = (sorted(d), d["x"].numpy(), d["y"].numpy(), [g.numpy() for g in b])
    t, n = res[torch], res[ng]
    assert n[0] == t[0]
    for a, b in zip(n[1:3] + tuple(n[3]), t[1:3] + tuple(t[3])):
        np.testing.assert_allclose(a, b)


@pytest.mark.parametrize(
    "call, exc",
    [
        # materialize_grads with an explicit allow_unused=False is refused
        (lambda lib, x: lib.autograd.grad(x.sum(), x, allow_unused=False, materialize_grads=True),
         ValueError),
        # fewer grad_outputs than outputs
        (lambda lib, x: lib.autograd.grad([x.sum(), x.sum()], x, grad_outputs=[lib.tensor(1.0)]),
         RuntimeError),
        # a grad_outputs entry that is not a Tensor
        (lambda lib, x: lib.autograd.grad(x.sum(), x, grad_outputs=[[1.0]]), TypeError),
        (lambda lib, x: lib.autograd.backward([x.sum(), x.sum()], [lib.tensor(1.0)]),
         RuntimeError),
    ],
)  # fmt: skip
def test_grad_argument_errors_match_torch(call, exc):
    for lib in (torch, ng):
        with pytest.raises(exc):
            call(lib, lib.tensor([1.0, 2.0], requires_grad=True))


def test_grad_materialized_zeros_follow_create_graph():
    x = ng.tensor([1.0, 2.0], requires_grad=True)
    z = ng.tensor([1.0], requires_grad=True)
    _, gz = ng.autograd.grad((x * 2).sum(), [x, z], create_graph=True, materialize_grads=True)
    assert gz.requires_grad  # torch: zeros_like(input, requires_grad=create_graph)


def _functional_cases(lib):
    F = lib.autograd.functional
    x, y, v = lib.tensor([1.0, 2.0, 3.0]), lib.tensor([0.5, -1.0, 2.0]), lib.tensor([1.0, 0.0, 2.0])

    def f(a, b):
        return (a * b**2).sum()

    return [
        F.jacobian(lambda a, b: (a * b, (a + b).sum()), (x, y)),
        F.jacobian(lambda a: a**2, x, create_graph=True),
        F.jacobian(lambda a: lib.ones(3), x),  # an output not depending on the input: zeros
        F.hessian(f, (x, y)),
        F.jvp(lambda a: a**3, x, v),
        F.jvp(lambda a, b: a * b, (x, y), (v, v)),
        F.vhp(f, (x, y), (v, v)),
        F.hvp(f, (x, y), (v, v)),
        F.vjp(lambda a: (a * 2, a.sum()), x, (v, lib.tensor(2.0))),
    ]


def test_autograd_functional_matches_torch():
    def flat(r):
        if isinstance(r, tuple):
            return [a for el in r for a in flat(el)]
        return [(r.detach().numpy(), r.requires_grad)]

    for got, want in zip(_functional_cases(ng), _functional_cases(torch)):
        g, w = flat(got), flat(want)
        assert len(g) == len(w)
        for (ga, grg), (wa, wrg) in zip(g, w):
            np.testing.assert_allclose(ga, wa, rtol=1e-6)
            assert grg == wrg


@pytest.mark.parametrize(
    "call, exc",
    [
        (lambda lib, F, x: F.jacobian(lambda a: lib.ones(3), x, strict=True), RuntimeError),
        (lambda lib, F, x: F.jacobian(lambda a: a, [x]), TypeError),
        (lambda lib, F, x: F.jvp(lambda a: a, x), RuntimeError),  # v needed for 3 elements
        (lambda lib, F, x: F.hvp(lambda a: a.sum(), x, lib.ones(3), strict=True), RuntimeError),
        (lambda lib, F, x: F.hessian(lambda a: a * 2, x), RuntimeError),
        (lambda lib, F, x: F.jacobian(lambda a: a, x, strategy="forward-mode"),
         NotImplementedError),
    ],
)  # fmt: skip
def test_autograd_functional_errors_match_torch(call, exc):
    for lib in (torch, ng):
        with pytest.raises(exc):
            call(lib, lib.autograd.functional, lib.tensor([1.0, 2.0, 3.0]))


def _custom_fn(lib, grads):
    """A Function of (x, k) whose backward returns ``grads(g)``."""

    class F(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return grads(lib, g)

    return F


@pytest.mark.parametrize(
    "grads",
    [
        lambda lib, g: (g, None, g),  # too many gradients
        lambda lib, g: (g, g),  # a gradient for the non-Tensor argument k
        lambda lib, g: (lib.ones(5), None),  # a gradient of the wrong shape
        lambda lib, g: (5, None),  # not a Tensor
    ],
)
def test_custom_function_bad_gradients_raise_runtime_error(grads):
    for lib in (torch, ng):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with pytest.raises(RuntimeError):
            _custom_fn(lib, grads).apply(x, 2.0).sum().backward()


def test_custom_function_trailing_none_and_broadcast_gradient_accepted():
    got = []
    for lib in (torch, ng):
        x = lib.tensor([[1.0, 2.0]], requires_grad=True)
        fn = _custom_fn(lib, lambda lib, g: (g.sum(0, keepdim=True) * 0 + lib.ones(3, 1, 2), None))
        fn.apply(x, 2.0).sum().backward()
        got.append(x.grad.numpy())
    np.testing.assert_allclose(got[1], got[0])


def test_custom_function_without_backward_raises_not_implemented():
    for lib in (torch, ng):

        class F(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

        y = F.apply(lib.tensor([1.0, 2.0], requires_grad=True))
        assert y.requires_grad
        with pytest.raises(NotImplementedError):
            y.sum().backward()


def _dirty_fn(lib):
    class Double(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    return Double


def test_mark_dirty_returns_the_input_with_new_history():
    res = []
    for lib in (torch, ng):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        z = x * 1
        w = z * 3  # consumed z before the in-place change
        y = _dirty_fn(lib).apply(z)
        assert y is z and not y.is_leaf and y.grad_fn.name() == "DoubleBackward"
        (y.sum() + w.sum()).backward()
        res.append((y.detach().numpy(), x.grad.numpy()))
    np.testing.assert_allclose(res[1][0], res[0][0])
    np.testing.assert_allclose(res[1][1], res[0][1])
    for lib in (torch, ng):  # a leaf that requires grad cannot be changed in place
        with pytest.raises(RuntimeError):
            _dirty_fn(lib).apply(lib.tensor([1.0], requires_grad=True))


def test_custom_function_misc_torch_behaviour():
    for lib in (torch, ng):

        class F(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return (x * 2,)

            @staticmethod
            @lib.autograd.function.once_differentiable
            def backward(ctx, g):
                return g * 2

        x = lib.tensor([1.0, 2.0], requires_grad=True)
        (y,) = F.apply(x)  # a 1-tuple stays a tuple
        y.sum().backward()
        with pytest.raises(RuntimeError):  # saved tensors are freed with the graph
            _ = y.grad_fn.saved_tensors


def _grad_mode_observations(lib):
    x = lib.tensor([1.0], requires_grad=True)

    @lib.no_grad
    def bare(a):
        return a * 2

    @lib.inference_mode
    def bare_inference(a):
        return (a * 2, lib.is_inference_mode_enabled())

    @lib.no_grad()
    def gen():
        yield lib.is_grad_enabled()
        yield lib.is_grad_enabled()

    g = gen()
    steps = (next(g), lib.is_grad_enabled(), next(g))
    with lib.no_grad(), lib.inference_mode(False):
        reenabled = (lib.is_grad_enabled(), lib.is_inference_mode_enabled())
    with lib.inference_mode():
        inside = (lib.is_grad_enabled(), lib.is_inference_mode_enabled())
    y, flag = bare_inference(x)
    return (
        bare(x).requires_grad,
        y.requires_grad,
        flag,
        steps,
        reenabled,
        inside,
        lib.is_inference_mode_enabled(),
        lib.is_grad_enabled(),
    )


def test_grad_mode_decorators_and_inference_flag_match_torch():
    assert _grad_mode_observations(ng) == _grad_mode_observations(torch)


def _non_leaf_grad_warnings(lib):
    """The UserWarnings each ``.grad`` read raises, in order, as lists of messages."""
    x = lib.ones(2, requires_grad=True)
    reads = []
    y = x * 2
    retained = x * 3
    retained.retain_grad()
    assigned = x * 4
    assigned.grad = lib.ones(2)
    plain = lib.ones(2) * 2  # no graph: a leaf
    for t in (y, retained, assigned, plain, x):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            _ = t.grad
        reads.append([str(w.message) for w in caught if w.category is UserWarning])
    return reads


def test_non_leaf_grad_read_warns_like_torch():
    ours, theirs = _non_leaf_grad_warnings(ng), _non_leaf_grad_warnings(torch)
    assert [len(r) for r in ours] == [len(r) for r in theirs] == [1, 0, 0, 0, 0]
    prefix = "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed"
    assert ours[0][0].startswith(prefix) and theirs[0][0].startswith(prefix)
    assert theirs[0][0].startswith(ours[0][0])  # torch adds where it was triggered


def test_set_materialize_grads_false_hands_none_for_unused_outputs():
    # torch: with ctx.set_materialize_grads(False), backward gets None (not zeros) for the
    # outputs the loss did not use, and for non-differentiable outputs
    def run(lib):
        seen = []

        class TwoOut(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.set_materialize_grads(False)
                idx = (x > 1).long()
                ctx.mark_non_differentiable(idx)
                return x * 2, x * 3, idx

            @staticmethod
            def backward(ctx, g1, g2, g3):
                seen.append(tuple(None if g is None else g.tolist() for g in (g1, g2, g3)))
                out = 0
                if g1 is not None:
                    out = out + g1 * 2
                if g2 is not None:
                    out = out + g2 * 3
                return out

        x = lib.tensor([1.0, 2.0], requires_grad=True)
        a, b, _ = TwoOut.apply(x)
        a.sum().backward(retain_graph=True)
        (b * 2).sum().backward(retain_graph=True)
        (gx,) = lib.autograd.grad((a + b).sum(), x)
        return seen, x.grad.tolist(), gx.tolist()

    assert run(ng) == run(torch)


# -- Tensor.grad_dtype -------------------------------------------------------------------------


@pytest.mark.parametrize("lib", ["nablagrad", "torch"])
def test_grad_dtype_like_torch(lib):
    L = ng if lib == "nablagrad" else torch
    x = L.tensor([1.0, 2.0], requires_grad=True)
    assert x.grad_dtype == L.float32 and L.ones(2).grad_dtype == L.float32
    y = x * 2
    with pytest.raises(RuntimeError, match="leaf"):
        _ = y.grad_dtype
    with pytest.raises(RuntimeError, match="leaf"):
        y.grad_dtype = L.float64
    with pytest.raises(RuntimeError, match="grad_dtype must be"):
        x.grad_dtype = 3
    x.grad_dtype = L.float64  # backward casts the leaf's gradient
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    assert x.grad.dtype == L.float64
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, 6.0])
    with pytest.raises(RuntimeError, match="already a gradient"):
        x.grad_dtype = L.float32
    with pytest.raises(RuntimeError, match="grad_dtype"):
        x.grad = L.ones(2)
    x.grad = L.ones(2, dtype=L.float64)
    (g,) = L.autograd.grad((x * x).sum(), x, create_graph=True)
    assert g.dtype == L.float64 and g.requires_grad
    x.grad = None
    x.grad_dtype = None  # any dtype may be assigned
    assert x.grad_dtype is None
    x.grad = L.ones(2, dtype=L.float64)
    assert x.grad.dtype == L.float64
    z = L.tensor([1.0, 2.0], requires_grad=True)
    z.grad_dtype = L.float64
    z.grad_dtype = L.float32  # back to the default: no cast
    z.sum().backward()
    assert z.grad_dtype == L.float32 and z.grad.dtype == L.float32


def test_backward_seed_is_never_stored_nor_changed():
    """The seed given to backward() is not copied up front (a 1.6M-element seed cost 1 ms a
    call), so a leaf that receives it unchanged (through an addition, a view, or as the root
    itself with retain_grad) must get a copy: accumulating into .grad later may not write into
    the caller's tensor, as in torch."""
    seed = ng.tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3))
    kept = seed.numpy().copy()
    a = ng.zeros((2, 3), requires_grad=True)
    b = ng.zeros((2, 3), requires_grad=True)
    for _ in range(2):  # the second pass accumulates in place into .grad
        (a + b).backward(seed)
    c = ng.zeros((3, 2), requires_grad=True)
    for _ in range(2):
        c.reshape(2, 3).backward(seed)
    y = a * 1
    y.retain_grad()
    y.backward(seed)
    y2 = a * 1
    y2.retain_grad()
    y2.backward(seed)
    np.testing.assert_array_equal(seed.numpy(), kept)
    for t in (a, b, c, y):
        assert not np.shares_memory(t.grad.numpy(), seed.numpy())
    np.testing.assert_array_equal(a.grad.numpy(), 4 * kept)  # two sums, two products
    np.testing.assert_array_equal(c.grad.numpy(), 2 * kept.reshape(3, 2))
