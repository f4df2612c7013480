"""Forward-mode AD (``nablagrad.autograd.forward_ad``) against ``torch.autograd.forward_ad``.

Each case runs the same function on dual inputs (same seeded primals and tangents) in both
libraries and compares the output tangents (the Jacobian-vector products).  Tolerances: float32
inputs, atol=rtol=2e-4 for single ops, 1e-3 for the MLP and CNN (longer chains of float32
rounding; torch's own conv algorithms differ from ours in summation order).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.autograd.forward_ad as tfw
import torch.nn.functional as TF

import nablagrad as ng
import nablagrad.autograd.forward_ad as fwAD
import nablagrad.nn.functional as F

TOL = 2e-4


def _inputs(shapes: list, seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    xs = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    vs = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    return xs, vs


def _jvp_ng(fn, xs, vs):
    with fwAD.dual_level():
        duals = [fwAD.make_dual(ng.tensor(x), ng.tensor(v)) for x, v in zip(xs, vs)]
        primal, tangent = fwAD.unpack_dual(fn(*duals))
        return primal.detach().numpy(), None if tangent is None else tangent.detach().numpy()


def _jvp_torch(fn, xs, vs):
    with tfw.dual_level():
        duals = [tfw.make_dual(torch.tensor(x), torch.tensor(v)) for x, v in zip(xs, vs)]
        primal, tangent = tfw.unpack_dual(fn(*duals))
        return primal.detach().numpy(), None if tangent is None else tangent.detach().numpy()


def check_jvp(ng_fn, torch_fn, shapes, seed=0, tol=TOL, transform=None):
    xs, vs = _inputs(shapes, seed)
    if transform is not None:
        xs = [transform(x) for x in xs]
    p_ng, t_ng = _jvp_ng(ng_fn, xs, vs)
    p_t, t_t = _jvp_torch(torch_fn, xs, vs)
    np.testing.assert_allclose(p_ng, p_t, atol=tol, rtol=tol)
    assert t_t is not None and t_ng is not None
    assert t_ng.shape == t_t.shape
    assert t_ng.dtype == t_t.dtype
    np.testing.assert_allclose(t_ng, t_t, atol=tol, rtol=tol)


POS = np.abs  # inputs moved into a function's domain

# name: (nablagrad fn, torch fn, input shapes, input transform)
CASES = {
    "exp": (lambda x: x.exp(), lambda x: x.exp(), [(3, 4)], None),
    "log": (lambda x: x.log(), lambda x: x.log(), [(3, 4)], lambda a: np.abs(a) + 0.5),
    "tanh": (ng.tanh, torch.tanh, [(3, 4)], None),
    "sigmoid": (ng.sigmoid, torch.sigmoid, [(3, 4)], None),
    "sqrt": (ng.sqrt, torch.sqrt, [(5,)], lambda a: np.abs(a) + 0.5),
    "pow_scalar": (lambda x: x**3, lambda x: x**3, [(4,)], None),
    "abs": (ng.abs, torch.abs, [(6,)], None),
    "relu": (F.relu, TF.relu, [(3, 4)], None),
    "gelu": (F.gelu, TF.gelu, [(3, 4)], None),
    "silu": (F.silu, TF.silu, [(3, 4)], None),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.1), lambda x: TF.leaky_relu(x, 0.1), [(8,)], None),
    "softplus": (F.softplus, TF.softplus, [(8,)], None),
    "add_bcast": (lambda x, y: x + y, lambda x, y: x + y, [(3, 4), (4,)], None),
    "sub_bcast": (lambda x, y: x - y, lambda x, y: x - y, [(3, 1), (1, 4)], None),
    "mul_bcast": (lambda x, y: x * y, lambda x, y: x * y, [(2, 3, 4), (3, 1)], None),
    "div": (lambda x, y: x / y, lambda x, y: x / y, [(3, 4), (3, 4)], lambda a: np.abs(a) + 1),
    "pow_tensor": (
        lambda x, y: x**y,
        lambda x, y: x**y,
        [(3,), (3,)],
        lambda a: np.abs(a) + 0.5,
    ),
    "maximum": (ng.maximum, torch.maximum, [(3, 4), (3, 4)], None),
    "where": (
        lambda x, y: ng.where(x > 0, x, y),
        lambda x, y: torch.where(x > 0, x, y),
        [(3, 4), (3, 4)],
        None,
    ),
    "clamp": (lambda x: x.clamp(-0.5, 0.5), lambda x: x.clamp(-0.5, 0.5), [(10,)], None),
    "sum_dim": (lambda x: x.sum(1), lambda x: x.sum(1), [(3, 4)], None),
    "mean_keepdim": (
        lambda x: x.mean(0, keepdim=True),
        lambda x: x.mean(0, keepdim=True),
        [(3, 4)],
        None,
    ),
    "var": (lambda x: x.var(1), lambda x: x.var(1), [(3, 5)], None),
    "std": (lambda x: x.std(), lambda x: x.std(), [(3, 5)], None),
    "amax": (lambda x: x.amax(1), lambda x: x.amax(1), [(3, 5)], None),
    "max_dim": (lambda x: x.max(1).values, lambda x: x.max(1).values, [(3, 5)], None),
    "logsumexp": (lambda x: x.logsumexp(1), lambda x: x.logsumexp(1), [(3, 5)], None),
    "norm": (lambda x: x.norm(), lambda x: x.norm(), [(3, 5)], None),
    "cumsum": (lambda x: x.cumsum(1), lambda x: x.cumsum(1), [(3, 5)], None),
    "prod": (lambda x: x.prod(1), lambda x: x.prod(1), [(3, 4)], None),
    "matmul": (lambda a, b: a @ b, lambda a, b: a @ b, [(3, 4), (4, 5)], None),
    "bmm": (ng.bmm, torch.bmm, [(2, 3, 4), (2, 4, 5)], None),
    "matvec": (lambda a, b: a @ b, lambda a, b: a @ b, [(3, 4), (4,)], None),
    "einsum": (
        lambda a, b: ng.einsum("ij,jk->ik", a, b),
        lambda a, b: torch.einsum("ij,jk->ik", a, b),
        [(2, 3), (3, 4)],
        None,
    ),
    "linear": (F.linear, TF.linear, [(2, 4), (3, 4), (3,)], None),
    "slice_step": (lambda x: x[1:, ::2], lambda x: x[1:, ::2], [(4, 6)], None),
    "int_index": (lambda x: x[1], lambda x: x[1], [(4, 6)], None),
    "advanced_index": (
        lambda x: x[ng.tensor([0, 2, 2])],
        lambda x: x[torch.tensor([0, 2, 2])],
        [(4, 3)],
        None,
    ),
    "mask_index": (lambda x: x[x > 0], lambda x: x[x > 0], [(4, 3)], None),
    "gather": (
        lambda x: x.gather(1, ng.tensor([[0, 1], [2, 0]])),
        lambda x: x.gather(1, torch.tensor([[0, 1], [2, 0]])),
        [(2, 3)],
        None,
    ),
    "reshape_permute": (
        lambda x: x.reshape(2, 3, 4).permute(2, 0, 1).flatten(1),
        lambda x: x.reshape(2, 3, 4).permute(2, 0, 1).flatten(1),
        [(6, 4)],
        None,
    ),
    "transpose_view": (
        lambda x: x.transpose(0, 1).view(-1) if False else x.t().reshape(-1),
        lambda x: x.t().reshape(-1),
        [(3, 4)],
        None,
    ),
    "squeeze_unsqueeze": (
        lambda x: x.unsqueeze(0).squeeze(1),
        lambda x: x.unsqueeze(0).squeeze(1),
        [(3, 1, 4)],
        None,
    ),
    "expand": (lambda x: x.expand(3, 4) * 1.0, lambda x: x.expand(3, 4) * 1.0, [(1, 4)], None),
    "cat_stack": (
        lambda x, y: ng.stack([ng.cat([x, y]), ng.cat([y, x])]),
        lambda x, y: torch.stack([torch.cat([x, y]), torch.cat([y, x])]),
        [(2, 3), (2, 3)],
        None,
    ),
    "split": (lambda x: x.split(2, 1)[1], lambda x: x.split(2, 1)[1], [(3, 5)], None),
    "to_double": (lambda x: x.double() * 2, lambda x: x.double() * 2, [(3,)], None),
    "softmax": (lambda x: F.softmax(x, -1), lambda x: TF.softmax(x, -1), [(3, 5)], None),
    "log_softmax": (lambda x: F.log_softmax(x, 1), lambda x: TF.log_softmax(x, 1), [(3, 5)], None),
    "layer_norm": (
        lambda x: F.layer_norm(x, (5,)),
        lambda x: TF.layer_norm(x, (5,)),
        [(3, 5)],
        None,
    ),
    "conv2d": (
        lambda x, w, b: F.conv2d(x, w, b, padding=1),
        lambda x, w, b: TF.conv2d(x, w, b, padding=1),
        [(2, 3, 6, 6), (4, 3, 3, 3), (4,)],
        None,
    ),
    "conv2d_stride": (
        lambda x, w: F.conv2d(x, w, stride=2),
        lambda x, w: TF.conv2d(x, w, stride=2),
        [(1, 2, 7, 7), (3, 2, 3, 3)],
        None,
    ),
    "conv1d": (
        lambda x, w: F.conv1d(x, w, padding=1),
        lambda x, w: TF.conv1d(x, w, padding=1),
        [(2, 3, 8), (4, 3, 3)],
        None,
    ),
    "max_pool2d": (
        lambda x: F.max_pool2d(x, 2),
        lambda x: TF.max_pool2d(x, 2),
        [(2, 3, 6, 6)],
        None,
    ),
    "avg_pool2d": (
        lambda x: F.avg_pool2d(x, 2),
        lambda x: TF.avg_pool2d(x, 2),
        [(2, 3, 6, 6)],
        None,
    ),
    "adaptive_avg_pool2d": (
        lambda x: F.adaptive_avg_pool2d(x, 1),
        lambda x: TF.adaptive_avg_pool2d(x, 1),
        [(2, 3, 5, 5)],
        None,
    ),
    "batch_norm_train": (
        lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
        lambda x, w, b: TF.batch_norm(x, None, None, w, b, training=True),
        [(4, 3, 2, 2), (3,), (3,)],
        None,
    ),
    "batch_norm_eval": (
        lambda x: F.batch_norm(x, ng.zeros(3) + 0.1, ng.ones(3) * 2, training=False),
        lambda x: TF.batch_norm(x, torch.zeros(3) + 0.1, torch.ones(3) * 2, training=False),
        [(4, 3, 2, 2)],
        None,
    ),
    "mse_loss": (F.mse_loss, TF.mse_loss, [(4, 3), (4, 3)], None),
    "l1_loss": (F.l1_loss, TF.l1_loss, [(4, 3), (4, 3)], None),
    "smooth_l1_loss": (F.smooth_l1_loss, TF.smooth_l1_loss, [(4, 3), (4, 3)], None),
    "cross_entropy": (
        lambda x: F.cross_entropy(x, ng.tensor([0, 2, 1, 2])),
        lambda x: TF.cross_entropy(x, torch.tensor([0, 2, 1, 2])),
        [(4, 3)],
        None,
    ),
    "nll_loss": (
        lambda x: F.nll_loss(F.log_softmax(x, 1), ng.tensor([0, 2, 1, 2])),
        lambda x: TF.nll_loss(TF.log_softmax(x, 1), torch.tensor([0, 2, 1, 2])),
        [(4, 3)],
        None,
    ),
    "bce_with_logits": (
        F.binary_cross_entropy_with_logits,
        TF.binary_cross_entropy_with_logits,
        [(4, 3), (4, 3)],
        lambda a: a,
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_jvp_matches_torch(name):
    ng_fn, torch_fn, shapes, transform = CASES[name]
    check_jvp(ng_fn, torch_fn, shapes, transform=transform)


def test_mlp_jvp_matches_torch():
    ng.manual_seed(0)
    model = ng.nn.Sequential(
        ng.nn.Linear(5, 16), ng.nn.Tanh(), ng.nn.Linear(16, 8), ng.nn.ReLU(), ng.nn.Linear(8, 3)
    )
    tmodel = torch.nn.Sequential(
        torch.nn.Linear(5, 16),
        torch.nn.Tanh(),
        torch.nn.Linear(16, 8),
        torch.nn.ReLU(),
        torch.nn.Linear(8, 3),
    )
    tmodel.load_state_dict({k: torch.tensor(v.numpy()) for k, v in model.state_dict().items()})
    with torch.no_grad():
        check_jvp(
            lambda x: F.log_softmax(model(x), 1),
            lambda x: TF.log_softmax(tmodel(x), 1),
            [(4, 5)],
            tol=1e-3,
        )


def _cnn(nn):
    return nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(4, 6, 3),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(6, 3),
    )


@pytest.mark.parametrize("train", [True, False])
def test_cnn_jvp_matches_torch(train):
    ng.manual_seed(0)
    model, tmodel = _cnn(ng.nn), _cnn(torch.nn)
    tmodel.load_state_dict({k: torch.tensor(v.numpy()) for k, v in model.state_dict().items()})
    model.train(train)
    tmodel.train(train)
    xs, vs = _inputs([(3, 2, 8, 8)], 1)
    labels = np.array([0, 2, 1])
    p_ng, t_ng = _jvp_ng(lambda x: F.cross_entropy(model(x), ng.tensor(labels)), xs, vs)
    p_t, t_t = _jvp_torch(lambda x: TF.cross_entropy(tmodel(x), torch.tensor(labels)), xs, vs)
    np.testing.assert_allclose(p_ng, p_t, atol=1e-3, rtol=1e-3)
    np.testing.assert_allclose(t_ng, t_t, atol=1e-3, rtol=1e-3)
    # the running statistics are updated from the primal only, as torch's
    np.testing.assert_allclose(
        model[1].running_mean.numpy(), tmodel[1].running_mean.numpy(), atol=1e-5
    )
    assert fwAD.unpack_dual(model[1].running_mean).tangent is None


def test_jvp_agrees_with_func_jvp():
    # an independent check of the tangent rule: func.jvp (double vjp through the whole graph)
    x, v = ng.randn(3, 4), ng.randn(3, 4)
    f = lambda t: (t.sin() * t).softmax(1).sum(0)  # noqa: E731
    _, expected = ng.func.jvp(f, (x,), (v,))
    with fwAD.dual_level():
        got = fwAD.unpack_dual(f(fwAD.make_dual(x, v))).tangent
    np.testing.assert_allclose(got.numpy(), expected.numpy(), atol=1e-5, rtol=1e-5)


# -- torch's semantics ----------------------------------------------------------------------------


def test_make_dual_errors_match_torch():
    x = ng.randn(3)
    with pytest.raises(RuntimeError, match="no level exists"):
        fwAD.make_dual(x, ng.randn(3))
    with fwAD.dual_level():
        with pytest.raises(RuntimeError, match="different size"):
            fwAD.make_dual(x, ng.randn(4))
        with pytest.raises(ValueError, match="primal to be floating point"):
            fwAD.make_dual(ng.arange(3), ng.randn(3))
        with pytest.raises(ValueError, match="tangent to be floating point"):
            fwAD.make_dual(x, ng.arange(3))
        with pytest.raises(RuntimeError, match="Invalid level"):
            fwAD.make_dual(x, ng.randn(3), level=5)
        d = fwAD.make_dual(x, ng.randn(3))
        with pytest.raises(RuntimeError, match="already has a forward gradient"):
            fwAD.make_dual(d, ng.randn(3))
        with pytest.raises(RuntimeError, match="Nested forward mode AD"):
            fwAD.enter_dual_level()
        with pytest.raises(RuntimeError, match="not the last one"):
            fwAD.exit_dual_level(level=3)
    with pytest.raises(RuntimeError, match="no dual level is active"):
        fwAD.exit_dual_level()


def test_levels_unpack_and_named_tuple():
    x, v = ng.randn(3), ng.randn(3)
    assert fwAD.enter_dual_level() == 0
    fwAD.exit_dual_level()
    with fwAD.dual_level() as level:
        assert level == 0
        d = fwAD.make_dual(x, v)
        assert d is not x and np.shares_memory(d._data, x._data)
        u = fwAD.unpack_dual(d)
        assert isinstance(u, fwAD.UnpackedDualTensor) and isinstance(u, tuple)
        assert u._fields == ("primal", "tangent")
        assert u.tangent is v
        assert fwAD.unpack_dual(u.primal).tangent is None
        plain = fwAD.unpack_dual(x)
        assert plain.primal is x and plain.tangent is None
        # non-float results carry no tangent, as torch's
        assert fwAD.unpack_dual(d.argmax()).tangent is None
        assert fwAD.unpack_dual(d > 0).tangent is None
        assert fwAD.unpack_dual(d.long()).tangent is None
        # detach drops the tangent; no_grad keeps it
        assert fwAD.unpack_dual(d.detach()).tangent is None
        with ng.no_grad():
            np.testing.assert_allclose(fwAD.unpack_dual(d * 2).tangent.numpy(), 2 * v.numpy())
        # a plain jvp records nothing (no primal or tangent requires grad)
        assert not fwAD.unpack_dual(d * 2).tangent.requires_grad
        # a non-dual operand contributes nothing
        np.testing.assert_allclose(fwAD.unpack_dual(x + d).tangent.numpy(), v.numpy())
    # after the level, every tangent is gone
    assert fwAD.unpack_dual(d).tangent is None


def test_dual_level_as_decorator():
    @fwAD.dual_level()
    def tangent_of_square(x, v):
        return fwAD.unpack_dual(fwAD.make_dual(x, v) ** 2).tangent

    x, v = ng.tensor([1.0, 2.0]), ng.tensor([1.0, 1.0])
    np.testing.assert_allclose(tangent_of_square(x, v).numpy(), [2.0, 4.0])
    assert fwAD._level is None


def test_inplace_on_duals_matches_torch():
    xs, vs = _inputs([(3,), (3,)], 3)

    def body(mod, tensor):
        a = mod.make_dual(tensor(xs[0]), tensor(vs[0])).clone()
        a.mul_(3).add_(a.sin())
        b = tensor(xs[1]).clone()
        b.mul_(a)  # a plain tensor becomes dual through an in-place op with a dual
        c = tensor(xs[1]).clone()
        c[1:] = a[:2] * 2  # writing a dual into part of a plain tensor
        a.relu_()
        return [mod.unpack_dual(t).tangent for t in (a, b, c)]

    with fwAD.dual_level():
        got = body(fwAD, ng.tensor)
    with tfw.dual_level():
        want = body(tfw, torch.tensor)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w.numpy(), atol=1e-5, rtol=1e-5)


def test_inplace_through_views_matches_torch():
    # views of a dual tensor share its tangent: an in-place change through one reaches the
    # base and the other views (and writing a dual into a view of a plain tensor makes the
    # base dual), but the primal behind make_dual stays plain
    def body(mod, lib):
        out = []
        x = lib.ones(4)
        d = mod.make_dual(x, lib.ones(4))
        d[1:].mul_(3)
        d[0] = 5.0
        out += [d, x]
        base = lib.zeros(2, 3)
        base[0].add_(mod.make_dual(lib.ones(3), lib.arange(3.0)))
        out.append(base)
        b = mod.make_dual(lib.ones(2, 3), lib.ones(2, 3)).clone()
        col, row, tr = b[:, 1], b[1], b.t()
        col.mul_(3)
        b.add_(b)
        out += [b, row, tr, b[0]]
        return [mod.unpack_dual(t).tangent for t in out]

    with fwAD.dual_level():
        got = body(fwAD, ng)
    with tfw.dual_level():
        want = body(tfw, torch)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert (g is None) == (w is None)
        if w is not None:
            np.testing.assert_allclose(g.numpy(), w.numpy(), atol=1e-6)


def test_fill_and_zero_on_duals_match_torch():
    def body(mod, lib):
        a = mod.make_dual(lib.ones(2, 3), lib.ones(2, 3)).clone()
        a[1].fill_(2.0)
        b = mod.make_dual(lib.ones(4), lib.ones(4)).clone()
        b.zero_()
        c = lib.ones(3)
        c.fill_(mod.make_dual(lib.tensor(2.0), lib.tensor(3.0)))  # a 0-d dual value
        return [mod.unpack_dual(t).tangent for t in (a, b, c)]

    with fwAD.dual_level():
        got = body(fwAD, ng)
    with tfw.dual_level():
        want = body(tfw, torch)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w.numpy(), atol=1e-6)


def test_untracked_inplace_change_raises_instead_of_stale_tangent():
    with fwAD.dual_level():
        e = fwAD.make_dual(ng.randn(4), ng.randn(4)).clone()
        e.normal_()  # random fills are not followed
        with pytest.raises(NotImplementedError, match="changed in place"):
            e * 2


def test_reverse_mode_through_duals():
    xr = ng.randn(3, requires_grad=True)
    txr = torch.tensor(xr.detach().numpy(), requires_grad=True)
    v = ng.randn(3)
    with fwAD.dual_level():
        out = (fwAD.make_dual(xr, v).sin() * 2).sum()
        tangent = fwAD.unpack_dual(out).tangent
        # the tangent depends on the primal: it is recorded, so it can be differentiated too
        assert tangent.requires_grad
        (gt,) = ng.autograd.grad(tangent, xr, retain_graph=True)
        out.backward()
    with tfw.dual_level():
        tout = (tfw.make_dual(txr, torch.tensor(v.numpy())).sin() * 2).sum()
        ttangent = tfw.unpack_dual(tout).tangent
        (tgt,) = torch.autograd.grad(ttangent, txr, retain_graph=True)
        tout.backward()
    np.testing.assert_allclose(xr.grad.numpy(), txr.grad.numpy(), atol=1e-6)
    np.testing.assert_allclose(tangent.item(), ttangent.item(), atol=1e-5)
    np.testing.assert_allclose(gt.numpy(), tgt.numpy(), atol=1e-5)


def test_ordinary_code_unaffected_outside_level():
    from nablagrad.autograd import function
    from nablagrad.ops import index, inplace

    with fwAD.dual_level():
        pass
    assert function._trace_hook is None
    assert inplace._dual_hook is None and index._dual_hook is None


def test_unsupported_op_raises_naming_it():
    class Opaque(ng.autograd.Function):
        # a primitive whose backward is not differentiable in its incoming gradient
        def forward(self, x):
            return x * 2

        def backward(self, g, out, x):
            return (ng.tensor(self.m.raw(g) * 2) if self.m.tensors else g * 2,)

    with fwAD.dual_level():
        d = fwAD.make_dual(ng.randn(3), ng.randn(3))
        with pytest.raises(NotImplementedError, match="Opaque"):
            Opaque.apply(d)


def test_custom_function_uses_its_jvp_as_torch():
    def make(base):
        class Mul(base):
            @staticmethod
            def forward(ctx, x, y):
                ctx.save_for_forward(x, y)
                return x * y, x + 1

            @staticmethod
            def jvp(ctx, xt, yt):
                x, y = ctx.saved_tensors
                return xt * y + x * yt, xt

            @staticmethod
            def backward(ctx, g, g2):
                return g, g

        class NoJvp(base):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return 2 * g

        return Mul, NoJvp

    xs, vs = _inputs([(3,), (3,)], 4)
    results = []
    for mod, tensor, base in (
        (fwAD, ng.tensor, ng.autograd.Function),
        (tfw, torch.tensor, torch.autograd.Function),
    ):
        Mul, NoJvp = make(base)
        with mod.dual_level():
            d = mod.make_dual(tensor(xs[0]), tensor(vs[0]))
            a, b = Mul.apply(d, tensor(xs[1]))  # the plain input's tangent is zeros
            results.append([mod.unpack_dual(t).tangent.numpy() for t in (a, b)])
            with pytest.raises(NotImplementedError, match="jvp"):
                NoJvp.apply(d)
    for g, w in zip(*results):
        np.testing.assert_allclose(g, w, atol=1e-6)


# Tensor methods without arguments (inputs in (0.1, 0.9), inside every domain): the tangent of
# each matches torch's.  A wide, cheap sweep beside the hand-picked cases above.
UNARY_METHODS = """abs acos acosh adjoint amax amin asin asinh atan atanh clone contiguous
corrcoef cos cosh cov deg2rad diag diag_embed diagflat diagonal diff digamma double erf erfc
erfinv exp exp2 expm1 flatten fliplr flipud frac hardshrink i0 lgamma log log10 log1p log2 logit
max mean median min msort nan_to_num nanmean nanmedian nansum neg norm pinverse prod rad2deg
ravel reciprocal relu rot90 rsqrt sigmoid sin sinc sinh sqrt square squeeze std sum t tan tanh
trace tril triu var""".split()


@pytest.mark.parametrize("name", UNARY_METHODS)
def test_unary_method_jvp_matches_torch(name):
    def call(x):
        return getattr(x, name)()

    if name == "acosh":
        transform = lambda a: np.abs(a) + 1.5  # noqa: E731  (acosh needs x > 1)
    else:
        transform = lambda a: np.abs(a) * 0.4 + 0.1  # noqa: E731
    check_jvp(call, call, [(3, 4)], seed=5, transform=transform)
