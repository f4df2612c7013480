"""``autograd.graph``: saved_tensors_hooks, save_on_cpu, disable_saved_tensors_hooks and
increment_version against PyTorch (which tensors are packed, when hooks run, gradients)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import assert_close

import nablagrad as ng

A = np.array([0.5, -1.0, 2.0], np.float32)
B = np.array([1.5, 2.0, -0.5], np.float32)


def _close(ng_val, torch_val):
    assert_close(ng_val, torch_val, atol=1e-6, rtol=1e-5)


# (name, op): every op is called as op(L, a, b) with ``L`` nablagrad or torch
OPS = [
    ("mul", lambda L, a, b: a * b),
    ("mul_same", lambda L, a, b: a * a),
    ("exp", lambda L, a, b: a.exp()),  # saves its output
    ("pow_number", lambda L, a, b: a.pow(2)),  # the exponent is a Scalar: one saved tensor
    ("mul_number", lambda L, a, b: a * 0.5),  # nothing saved
    ("add", lambda L, a, b: a + b),  # nothing saved
    ("clone", lambda L, a, b: a.clone()),  # nothing saved
    ("sum", lambda L, a, b: a.sum()),
    ("sigmoid", lambda L, a, b: a.sigmoid()),
    ("sin", lambda L, a, b: a.sin()),
    ("div", lambda L, a, b: a / b),
    ("mse", lambda L, a, b: L.nn.functional.mse_loss(a, b)),
]


def _leaves(L, need_b=True):
    return (
        L.tensor(A.copy(), requires_grad=True),
        L.tensor(B.copy(), requires_grad=need_b),
    )


def _record(L, op, need_b=True, unpack=None):
    """Run ``op`` under logging hooks, then backward; returns the log and the leaves."""
    a, b = _leaves(L, need_b)
    log = []

    def pack(t):
        log.append(("pack", tuple(t.shape), t.requires_grad, t is a, t is b))
        return t

    def unpack_hook(t):
        log.append(("unpack", tuple(t.shape)))
        return t if unpack is None else unpack(t)

    with L.autograd.graph.saved_tensors_hooks(pack, unpack_hook):
        y = op(L, a, b)
    log.append("backward")
    y.sum().backward()
    return sorted(log[: log.index("backward")]), log[log.index("backward") :], a, b


@pytest.mark.parametrize("name,op", OPS, ids=[n for n, _ in OPS])
def test_packs_and_unpacks_what_torch_saves(name, op):
    for need_b in (True, False):
        ng_packs, ng_unpacks, na, nb = _record(ng, op, need_b)
        t_packs, t_unpacks, ta, tb = _record(torch, op, need_b)
        assert ng_packs == t_packs
        assert sorted(ng_unpacks[1:]) == sorted(t_unpacks[1:])
        _close(na.grad, ta.grad)


def test_pack_gets_the_output_itself_with_its_grad_fn():
    def run(L):
        a = L.tensor(A.copy(), requires_grad=True)
        got = []
        with L.autograd.graph.saved_tensors_hooks(lambda t: got.append(t) or t, lambda t: t):
            y = a.exp()
        assert got[0] is y and got[0].grad_fn is y.grad_fn

    for L in (ng, torch):
        run(L)


def test_linear_layer_packs_input_and_weight():
    counts = {}

    def run(L):
        L.manual_seed(0)
        lin = L.nn.Linear(3, 2)
        x = L.tensor(A.copy(), requires_grad=True)
        n = [0, 0]

        def pack(t, n=n):
            n[0] += 1
            return t

        def unpack(t, n=n):
            n[1] += 1
            return t

        with L.autograd.graph.saved_tensors_hooks(pack, unpack):
            y = lin(x[None])
        y.sum().backward()
        counts[L.__name__] = n

    for L in (ng, torch):
        run(L)
    assert counts["nablagrad"] == counts["torch"] == [2, 2]


def test_unpacked_values_are_what_the_backward_uses():
    """The pack hook may return anything; the backward computes with the unpack hook's tensor."""
    grads = []

    def run(L):
        a, b = _leaves(L)
        with L.autograd.graph.saved_tensors_hooks(
            lambda t: ("kept", t.detach().clone()), lambda p: p[1] * 2
        ):
            y = a * b + b.exp()
        y.sum().backward()
        grads.append((a.grad, b.grad))

    for L in (ng, torch):
        run(L)
    _close(grads[0][0], grads[1][0])
    _close(grads[0][1], grads[1][1])
    assert not np.allclose(grads[0][0].numpy(), B)  # really the unpacked (doubled) values


def test_hooks_in_force_at_forward_time_are_used_and_innermost_wins():
    def run(L):
        a, b = _leaves(L)
        order = []
        with L.autograd.graph.saved_tensors_hooks(
            lambda t: order.append("outer") or t, lambda t: t
        ):
            with L.autograd.graph.saved_tensors_hooks(
                lambda t: order.append("inner") or t, lambda t: t * 0
            ):
                y = a * b
        with L.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t * 100):
            y.sum().backward()
        assert order == ["inner", "inner"]
        assert not a.grad.numpy().any()

    for L in (ng, torch):
        run(L)


def test_no_pack_without_a_recorded_node():
    def run(L):
        a, b = _leaves(L)
        x = L.tensor(A.copy())
        calls = []
        with L.autograd.graph.saved_tensors_hooks(lambda t: calls.append(1) or t, lambda t: t):
            with L.no_grad():
                a * b
            x * x
        assert calls == []

    for L in (ng, torch):
        run(L)


def test_retain_graph_unpacks_at_every_backward_and_freeing_drops_them():
    counts = []

    def run(L):
        a, b = _leaves(L)
        n = []
        with L.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: n.append(1) or t):
            y = (a * b).sum()
        y.backward(retain_graph=True)
        y.backward()
        counts.append(len(n))
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            y.backward()

    for L in (ng, torch):
        run(L)
    assert counts == [4, 4]


def test_create_graph_second_derivative_through_unpacked_tensors():
    """As torch, an unpacked tensor carries the saved tensor's history: double backward works
    even when the unpack hook returns a new tensor."""
    res = []

    def run(L):
        a = L.tensor(A.copy(), requires_grad=True)
        with L.autograd.graph.saved_tensors_hooks(lambda t: t.detach().clone(), lambda t: t * 1):
            y = (a**3).sum() + a.exp().sum()
        (g,) = L.autograd.grad(y, a, create_graph=True)
        (h,) = L.autograd.grad(g.sum(), a)
        res.append((g.detach(), h))

    for L in (ng, torch):
        run(L)
    _close(res[0][0], res[1][0])
    _close(res[0][1], res[1][1])


def test_custom_function_save_for_backward_goes_through_the_hooks():
    results = []

    def run(L):

        class Cube(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x**3

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return g * 3 * x**2

        a = L.tensor(A.copy(), requires_grad=True)
        n = [0, 0]
        with L.autograd.graph.saved_tensors_hooks(
            lambda t: n.__setitem__(0, n[0] + 1) or t.detach() * 2,
            lambda t: n.__setitem__(1, n[1] + 1) or t,
        ):
            y = Cube.apply(a)
        y.sum().backward()
        results.append((n, a.grad))

    for L in (ng, torch):
        run(L)
    assert results[0][0] == results[1][0] == [1, 1]
    _close(results[0][1], results[1][1])


def test_packed_tensors_skip_the_inplace_check_as_torch():
    """torch leaves in-place changes of a packed tensor to the hooks: a cloning pack hook sees
    the old values, an identity one the new values, and neither raises."""

    def run(L, clone):
        a, b = _leaves(L)
        c = a * 1
        pack = (lambda t: t.clone()) if clone else (lambda t: t)
        with L.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            w = c * b
        with L.no_grad():
            c.mul_(2)
        w.sum().backward()
        return b.grad

    for clone in (True, False):
        _close(run(ng, clone), run(torch, clone))


def test_unpack_hook_errors():
    def run(L):
        a, b = _leaves(L)
        with L.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: 5):
            y = a * b
        with pytest.raises(TypeError, match="unpack_hook expected to be a Tensor"):
            y.sum().backward()
        with L.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: L.zeros(4)):
            y = a * b
        with pytest.raises(RuntimeError):  # torch: the size mismatch inside the backward
            y.sum().backward()

    for L in (ng, torch):
        run(L)
    a, b = _leaves(ng)
    with ng.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: ng.zeros(1)):
        y = a * b  # (1,) would broadcast silently: nablagrad names the mismatch
    with pytest.raises(RuntimeError, match=r"unpack_hook returned a tensor of shape \[1\]"):
        y.sum().backward()


def test_pack_hook_exception_propagates():
    def run(L):
        a, b = _leaves(L)
        with pytest.raises(ZeroDivisionError):
            with L.autograd.graph.saved_tensors_hooks(lambda t: 1 / 0, lambda t: t):
                a * b
        a * b  # the manager was left: no hooks

    for L in (ng, torch):
        run(L)


def test_disable_saved_tensors_hooks():
    def run(L):
        g = L.autograd.graph
        with g.disable_saved_tensors_hooks("outer message"):
            with g.disable_saved_tensors_hooks("inner message"):
                with pytest.raises(RuntimeError, match="^inner message$"):
                    g.saved_tensors_hooks(lambda t: t, lambda t: t).__enter__()
            with pytest.raises(RuntimeError, match="^outer message$"):
                with g.saved_tensors_hooks(lambda t: t, lambda t: t):
                    pass
        with g.saved_tensors_hooks(lambda t: t, lambda t: t) as bound:
            assert bound is None
            with pytest.raises(RuntimeError, match="^no$"):
                with g.disable_saved_tensors_hooks("no"):
                    pass
        with g.disable_saved_tensors_hooks("m"):
            a, b = _leaves(L)
            (a * b).sum().backward()
            np.testing.assert_allclose(a.grad.detach().numpy(), B)

    for L in (ng, torch):
        run(L)


def test_save_on_cpu_keeps_values_and_gradients():
    grads = []

    def run(L):
        assert issubclass(L.autograd.graph.save_on_cpu, L.autograd.graph.saved_tensors_hooks)
        a, b = _leaves(L)
        with L.autograd.graph.save_on_cpu(pin_memory=False):
            y = (a * b.exp() + a.sigmoid()).sum()
        y.backward()
        grads.append((a.grad, b.grad))

    for L in (ng, torch):
        run(L)
    _close(grads[0][0], grads[1][0])
    _close(grads[0][1], grads[1][1])


def test_node_and_increment_version():
    def run(L):
        a, b = _leaves(L)
        y = a * b
        assert isinstance(y.grad_fn, L.autograd.graph.Node)
        t = L.ones(2)
        v0 = t._version
        L.autograd.graph.increment_version(t)
        v1 = t._version
        L.autograd.graph.increment_version([t])
        assert v0 < v1 < t._version
        c = a * 1
        y = c.exp()
        L.autograd.graph.increment_version(y)  # exp reads its output: backward refuses
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()

    for L in (ng, torch):
        run(L)


def test_pack_hook_runs_without_grad():
    """As torch, the pack hook's own ops are not recorded (no recursion into the hooks)."""

    def run(L):
        a, b = _leaves(L)
        seen = []

        def pack(t, L=L):
            seen.append(L.is_grad_enabled())
            return t * t

        with L.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            a * b
        assert seen == [False, False]

    for L in (ng, torch):
        run(L)


def test_clone_saves_nothing_so_an_inplace_change_is_fine():
    grads = []

    def run(L):
        a = L.tensor(A.copy(), requires_grad=True)
        x = a * 1
        y = x.clone()
        x.mul_(2)
        y.sum().backward()
        grads.append(a.grad)

    for L in (ng, torch):
        run(L)
    _close(grads[0], grads[1])
