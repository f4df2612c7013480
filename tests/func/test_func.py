"""nablagrad.func (torch.func's transforms) against torch 2.13 on the same inputs.

Every test builds its inputs once in NumPy, runs the same code with ``lib = torch`` and
``lib = nablagrad`` and compares values (float32: atol 1e-5 / rtol 1e-4 unless written
otherwise; float64: 1e-10) and, where a test says so, gradients and error types/messages.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn as tnn

import nablagrad as ng
import nablagrad.func as ngf
import nablagrad.nn as nnn

ATOL, RTOL = 1e-5, 1e-4


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def arr(*shape: int, seed: int = 0, dtype: type = np.float32) -> np.ndarray:
    return _rng(seed).standard_normal(shape).astype(dtype)


def to(lib: object, tree: object) -> object:
    """NumPy arrays (in tuples/lists/dicts) -> tensors of ``lib``."""
    if isinstance(tree, np.ndarray):
        return lib.tensor(tree.copy())
    if isinstance(tree, dict):
        return {k: to(lib, v) for k, v in tree.items()}
    if isinstance(tree, (tuple, list)):
        return type(tree)(to(lib, v) for v in tree)
    return tree


def same(a: object, b: object, atol: float = ATOL, rtol: float = RTOL, what: str = "") -> None:
    """nablagrad result ``a`` equals torch result ``b`` (same pytree structure)."""
    if isinstance(b, torch.Tensor):
        assert isinstance(a, ng.Tensor), f"{what}: {type(a)} is not a Tensor"
        assert tuple(a.shape) == tuple(b.shape), (
            f"{what}: shape {tuple(a.shape)} != {tuple(b.shape)}"
        )
        np.testing.assert_allclose(
            a.detach().numpy(), b.detach().numpy(), atol=atol, rtol=rtol, err_msg=what
        )
        assert a.requires_grad == b.requires_grad, f"{what}: requires_grad differs"
        return
    if isinstance(b, dict):
        assert isinstance(a, dict) and list(a) == list(b), f"{what}: keys {a} vs {list(b)}"
        for k in b:
            same(a[k], b[k], atol, rtol, f"{what}[{k!r}]")
        return
    if isinstance(b, (tuple, list)):
        assert type(a) is type(b) and len(a) == len(b), f"{what}: {type(a)} vs {type(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, atol, rtol, f"{what}[{i}]")
        return
    assert a == b, what


def both(fn: object) -> tuple:
    """fn(lib, func_module) run with nablagrad and with torch."""
    return fn(ng, ngf), fn(torch, torch.func)


def errors_alike(fn: object, match: str | None = None) -> None:
    """Both libraries raise the same exception type (and nablagrad's message contains match)."""
    with pytest.raises(Exception) as t_err:
        fn(torch, torch.func)
    with pytest.raises(type(t_err.value), match=match):
        fn(ng, ngf)


# -- grad -----------------------------------------------------------------------------------


def test_grad_values_argnums_pytrees_and_aux() -> None:
    x, y, z = arr(3), arr(3, seed=1), arr(2, 3, seed=2)

    def run(lib, F):
        f = lambda a, b, c: (a.sin() * b).sum() + (c["w"] @ a).exp().sum() * b.mean()  # noqa: E731
        args = (to(lib, x), to(lib, y), {"w": to(lib, z)})
        return (
            F.grad(f)(*args),
            F.grad(f, argnums=(0, 2))(*args),
            F.grad(f, argnums=-1)(*args),
            F.grad(f, argnums=(1,))(*args),
            F.grad_and_value(f, argnums=1)(*args),
            F.grad(lambda a: ((a**2).sum(), {"aux": a * 2}), has_aux=True)(args[0]),
            F.grad_and_value(lambda a: ((a**2).sum(), a.cos()), has_aux=True)(args[0]),
        )

    a, b = both(run)
    same(a, b)


def test_grad_of_grad_and_nested_levels_stay_apart() -> None:
    x = arr(4, seed=3)

    def run(lib, F):
        t = to(lib, x)
        g2 = F.grad(lambda v: F.grad(lambda u: (u.sin() * u).sum())(v).sum())(t)
        # d/dx [x * d/dy (x*y)] = d/dx x^2 = 2x: the inner grad does not see the outer x
        mixed = F.vmap(F.grad(lambda a: a * F.grad(lambda b: a * b)(a)))(t)
        return g2, mixed

    a, b = both(run)
    same(a, b)


def test_grad_connects_to_outer_autograd_like_torch() -> None:
    x, w = arr(3), arr(3, seed=1)

    def run(lib, F):
        wt = lib.tensor(w.copy(), requires_grad=True)
        g = F.grad(lambda a: (a * wt).sin().sum())(to(lib, x))
        (dw,) = lib.autograd.grad(g.sum(), wt)
        plain = F.grad(lambda a: (a * a).sum())(to(lib, x))
        xt = lib.tensor(x.copy(), requires_grad=True)
        g_outer = F.grad(lambda a: (a**3).sum())(xt)
        (h,) = lib.autograd.grad(g_outer.sum(), xt)
        with lib.no_grad():
            in_no_grad = F.grad(lambda a: (a**3).sum())(xt)
        return g, dw, plain, g_outer, h, in_no_grad

    a, b = both(run)
    same(a, b)


def test_grad_errors_like_torch() -> None:
    x = arr(3)
    errors_alike(lambda lib, F: F.grad(lambda a: a)(to(lib, x)), "scalar Tensor")
    errors_alike(lambda lib, F: F.grad(lambda a: (a.sum(), 1))(to(lib, x)), "return a Tensor")
    errors_alike(lambda lib, F: F.grad(lambda a: a.sum(), has_aux=True)(to(lib, x)), "tuple")
    errors_alike(lambda lib, F: F.grad(lambda a: a.sum(), argnums=1)(to(lib, x)), "argnum=1")
    errors_alike(lambda lib, F: F.grad(lambda a: a.sum(), argnums=())(to(lib, x)), "non-empty")
    errors_alike(lambda lib, F: F.grad(lambda a: a.sum(), argnums=1.0)(to(lib, x)), "argnums")
    errors_alike(
        lambda lib, F: F.grad(lambda a, b: a.sum(), argnums=(0, 0))(to(lib, x), to(lib, x)),
        "unique",
    )
    errors_alike(lambda lib, F: F.grad(lambda a: a.sum())(1.0), "must be Tensor")
    errors_alike(lambda lib, F: F.grad(lambda a: a.sum())(lib.arange(3)), "floating point")


# -- vjp / jvp ------------------------------------------------------------------------------


def test_vjp_and_jvp_on_pytrees() -> None:
    x, y = arr(3), arr(2, 3, seed=1)
    v1, v2 = arr(3, seed=4), arr(2, seed=5)
    tx, ty = arr(3, seed=6), arr(2, 3, seed=7)

    def run(lib, F):
        def f(a, d):
            return {"s": a.sin() * d["m"][0], "t": (d["m"] @ a).tanh()}

        p = (to(lib, x), {"m": to(lib, y)})
        out, fn = F.vjp(f, *p)
        vj = fn({"s": to(lib, v1), "t": to(lib, v2)})
        out2, jv = F.jvp(f, p, (to(lib, tx), {"m": to(lib, ty)}))
        o3, fn3, aux = F.vjp(lambda a: (a.exp(), a.sum()), p[0], has_aux=True)
        o4, jv4, aux4 = F.jvp(lambda a: (a.exp(), a * 3), (p[0],), (to(lib, tx),), has_aux=True)
        return out, vj, out2, jv, o3, fn3(to(lib, v1)), aux, o4, jv4, aux4

    a, b = both(run)
    same(a, b)


def test_jvp_through_common_layers_matches_torch() -> None:
    # the double-vjp trick needs every backward formula to be differentiable in its gradient
    x = arr(2, 3, 8, 8, seed=1)
    t = arr(2, 3, 8, 8, seed=2)

    def run(lib, F):
        lib.manual_seed(0)
        conv = (tnn if lib is torch else nnn).Conv2d(3, 4, 3)
        w = {k: v.detach() for k, v in conv.named_parameters()}
        w = {k: to(lib, v.numpy() if lib is torch else np.asarray(v._data)) for k, v in w.items()}
        return w

    wn, wt = both(run)
    for k in wt:  # use torch's initial weights on both sides
        wn[k] = ng.tensor(wt[k].numpy().copy())

    def f(lib, F, params):
        def model(xx):
            h = lib.nn.functional.conv2d(xx, params["weight"], params["bias"])
            h = lib.nn.functional.max_pool2d(h.relu(), 2)
            h = h.flatten(1)
            h = lib.nn.functional.log_softmax(h.tanh() * h.sigmoid(), dim=1)
            return (h * h.exp()).sum(1)

        return F.jvp(model, (to(lib, x),), (to(lib, t),))

    same(f(ng, ngf, wn), f(torch, torch.func, wt), atol=1e-4, rtol=1e-4)


def test_vjp_jvp_errors_like_torch() -> None:
    x = arr(3)
    errors_alike(lambda lib, F: F.vjp(lambda a: a * 2, to(lib, x))[1](lib.ones(4)), "shape")
    errors_alike(lambda lib, F: F.vjp(lambda a: (a, a), to(lib, x))[1]((lib.ones(3),)), "structure")
    errors_alike(lambda lib, F: F.vjp(lambda a: 1, to(lib, x)), "only tensors")
    errors_alike(lambda lib, F: F.vjp(lambda a: a, 1.0), "must be Tensor")
    errors_alike(lambda lib, F: F.jvp(lambda a: a, to(lib, x), to(lib, x)), "tuple")
    errors_alike(lambda lib, F: F.jvp(lambda a: a, (to(lib, x),), [to(lib, x)]), "structure")
    errors_alike(lambda lib, F: F.jvp(lambda a: a, (to(lib, x),), (lib.ones(4),)), "size")
    errors_alike(lambda lib, F: F.jvp(lambda a: a, (lib.arange(3),), (lib.arange(3),)), "floating")
    errors_alike(lambda lib, F: F.jvp(lambda a: a, (1.0,), (1.0,)), "only contain Tensors")
    errors_alike(lambda lib, F: F.jvp(lambda a: 1, (to(lib, x),), (to(lib, x),)), "only tensors")
    errors_alike(
        lambda lib, F: F.jvp(lambda a: a, (to(lib, x),), (to(lib, x),), has_aux=True), "tuple"
    )


# -- Jacobians and Hessians -----------------------------------------------------------------


def test_jacrev_jacfwd_multi_input_multi_output_pytrees() -> None:
    x, y, z = arr(3), arr(2, seed=1), arr(1, seed=2)

    def run(lib, F):
        def f(a, b):
            return {"s": a.sin() * b[0].sum(), "t": (a.sum() * b[1], (a * 2).exp())}

        args = (to(lib, x), (to(lib, y), to(lib, z)))
        return (
            F.jacrev(f)(*args),
            F.jacrev(f, argnums=(0, 1))(*args),
            F.jacrev(f, argnums=(0,))(*args),
            F.jacfwd(f, argnums=1)(*args),
            F.jacrev(lambda a: (a.sin(), a.sum()), has_aux=True)(args[0]),
            F.jacfwd(lambda a: (a.sin(), {"k": a}), has_aux=True)(args[0]),
        )

    a, b = both(run)
    same(a, b)


def test_hessians_and_jacobian_compositions() -> None:
    x = arr(4, seed=3, dtype=np.float64)
    w = arr(3, 4, seed=4, dtype=np.float64)

    def run(lib, F):
        f = lambda a: (a.sin() * a.exp()).sum() + (a @ a) ** 2  # noqa: E731
        g = lambda m, a: (m @ a).tanh()  # noqa: E731
        t, wt = to(lib, x), to(lib, w)
        return (
            F.hessian(f)(t),
            F.jacrev(F.jacrev(f))(t),
            F.jacfwd(F.jacfwd(f))(t),
            F.hessian(g, argnums=1)(wt, t),
            F.hessian(lambda m, a: g(m, a).sum(), argnums=(0, 1))(wt, t),
            F.vmap(F.jacrev(g, argnums=1), in_dims=(None, 0))(wt, lib.stack([t, t * 2])),
            F.jacrev(F.vmap(lambda a: a.sin() * a.sum()))(lib.stack([t, -t])),
        )

    a, b = both(run)
    same(a, b, atol=1e-10, rtol=1e-10)


def test_jacobian_errors_like_torch() -> None:
    x = arr(3)
    errors_alike(lambda lib, F: F.jacrev(lambda a: a, chunk_size=0)(to(lib, x)), "chunk_size")
    errors_alike(lambda lib, F: F.jacfwd(lambda a: a, randomness="x")(to(lib, x)), "randomness")
    errors_alike(lambda lib, F: F.jacfwd(lambda a: a * lib.rand(3))(to(lib, x)), "random")
    errors_alike(lambda lib, F: F.jacrev(lambda a: a.sum(), argnums=2)(to(lib, x)), "argnum=2")
    errors_alike(lambda lib, F: F.jacrev(lambda a: a.sum(), has_aux=True)(to(lib, x)), "tuple")
    errors_alike(lambda lib, F: F.hessian(lambda a: a.sum())(lib.arange(3)), "floating point")


# -- vmap -----------------------------------------------------------------------------------


def test_vmap_in_dims_out_dims_variants() -> None:
    x, y, m = arr(4, 3), arr(3, 4, seed=1), arr(3, seed=2)

    def run(lib, F):
        a, b, c = to(lib, x), to(lib, y), to(lib, m)
        return (
            F.vmap(lib.dot, in_dims=(0, None))(a, c),
            F.vmap(lambda p, q: p * q, in_dims=(0, 1))(a, b),
            F.vmap(lambda p, q: p * q, in_dims=(-2, -1))(a, b),
            F.vmap(lambda p: p.sum(), in_dims=1)(a),
            F.vmap(lambda p: (p, p.sum()), out_dims=(1, 0))(a),
            F.vmap(lambda p: {"a": p, "b": p.sum()}, out_dims={"a": 1, "b": 0})(a),
            F.vmap(lambda p: p * 2, out_dims=-1)(a),
            F.vmap(lambda d: d["u"] * d["v"], in_dims=({"u": 0, "v": None},))({"u": a, "v": c}),
            F.vmap(lambda p, n: p * n, in_dims=(0, None))(a, 3),
            F.vmap(lambda p, q: p + q)(a, q=c),
            F.vmap(lambda p: c, out_dims=None)(a),
            F.vmap(lambda p: c)(a),
            F.vmap(lambda seq: seq[0] * seq[1])([a, a]),
            F.vmap(F.vmap(lambda p, q: p * q, in_dims=(0, None)), in_dims=(None, 0))(c, a),
            F.vmap(lambda p: p.sum(), chunk_size=3)(a),
        )

    a, b = both(run)
    same(a, b)


def test_vmap_errors_like_torch() -> None:
    x, y = arr(2), arr(3, seed=1)
    E = errors_alike
    E(lambda lib, F: F.vmap(lambda a, b: a + b)(to(lib, x), to(lib, y)), "same size")
    E(lambda lib, F: F.vmap(lambda a: a, in_dims=1)(to(lib, x)), "in_dim=1")
    E(lambda lib, F: F.vmap(lambda a: a, in_dims=(0, 0))(to(lib, x)), "in_dims is not compatible")
    E(lambda lib, F: F.vmap(lambda a: a, in_dims=None)(to(lib, x)), "in_dims")
    E(lambda lib, F: F.vmap(lambda a: a, in_dims=0.5)(to(lib, x)), "in_dims")
    E(lambda lib, F: F.vmap(lambda a: a, in_dims=(None,))(to(lib, x)), "at least one Tensor")
    E(lambda lib, F: F.vmap(lambda a: a, out_dims=3)(to(lib, x)), "Dimension out of range")
    E(lambda lib, F: F.vmap(lambda a: a, out_dims=(0, 1))(to(lib, x)), "out_dims is not compatible")
    E(lambda lib, F: F.vmap(lambda a: a, out_dims=None)(to(lib, x)), "out_dim is None")
    E(lambda lib, F: F.vmap(lambda a: 1.0)(to(lib, x)), "must only return Tensors")
    E(lambda lib, F: F.vmap(lambda a: a)(1.0), "non-Tensor")
    E(lambda lib, F: F.vmap(lambda a: a)(), "no inputs")
    E(lambda lib, F: F.vmap(lambda a: a)(lib.tensor(1.0)), "dimensionality 0")
    E(lambda lib, F: F.vmap(lambda a: a, chunk_size=0)(to(lib, x)), "chunk_size")
    E(lambda lib, F: F.vmap(lambda a: a, randomness="foo")(to(lib, x)), "randomness")
    E(lambda lib, F: F.vmap(lambda a: a.item())(to(lib, x)), r"\.item\(\)")
    E(lambda lib, F: F.vmap(lambda a: float(a))(to(lib, x)), r"\.item\(\)")
    E(lambda lib, F: F.vmap(lambda a: a if a > 0 else -a)(to(lib, x)), "control flow")
    E(lambda lib, F: F.vmap(lambda a: a if a.isnan().any() else -a)(to(lib, x)), "control flow")
    E(lambda lib, F: F.vmap(lambda a: a[a.argmax().item()])(to(lib, np.ones((2, 3)))), "item")
    E(lambda lib, F: F.vmap(lambda a: lib.rand(()) + a)(to(lib, x)), "randomness error mode")

    # in-place write of batched values into a captured (unbatched) tensor
    def captured_add_(lib, F):
        c = lib.zeros(3)
        return F.vmap(lambda a: c.add_(a))(to(lib, np.ones((2, 3), np.float32)))

    E(captured_add_)

    def captured_setitem(lib, F):
        c = lib.zeros(3)

        def f(a):
            c[0] = a[0]
            return a

        return F.vmap(f)(to(lib, np.ones((2, 3), np.float32)))

    E(captured_setitem, "vmapped over")

    def local_setitem(lib, F):
        def f(a):
            z = lib.zeros(3)
            z[1] = a[0]
            return z

        return F.vmap(f)(to(lib, np.ones((2, 3), np.float32)))

    E(local_setitem, "vmapped over")


def test_vmap_allows_what_torch_allows() -> None:
    x = arr(2, 3)

    def run(lib, F):
        a = to(lib, x)
        c = lib.tensor([2.0, 1.0, 0.5])
        unbatched_item = F.vmap(lambda p: p * c.sum().item())(a)  # .item() of a captured tensor
        inplace_own = F.vmap(lambda p: p.clone().mul_(c))(a)  # in-place on a batched value

        def set_own(p):
            q = p.clone()
            q[0] = 5.0
            return q

        setitem_own = F.vmap(set_own)(a)
        return unbatched_item, inplace_own, setitem_own

    a, b = both(run)
    same(a, b)


def test_vmap_randomness_modes() -> None:
    x = ng.zeros(4, 3)
    ng.manual_seed(0)
    diff = ngf.vmap(lambda a: a + ng.rand(3), randomness="different")(x)
    assert not np.allclose(diff[0].numpy(), diff[1].numpy())
    ng.manual_seed(0)
    same_ = ngf.vmap(lambda a: a + ng.rand(3), randomness="same")(x)
    np.testing.assert_array_equal(same_.numpy(), np.broadcast_to(same_[0].numpy(), (4, 3)))
    ng.manual_seed(0)
    np.testing.assert_array_equal(same_[0].numpy(), ng.rand(3).numpy())  # one draw's worth
    # torch: dropout with randomness="same" gives every element one mask
    t = ngf.vmap(lambda a: ng.nn.functional.dropout(a, 0.5), randomness="same")(ng.ones(5, 40))
    assert (t == t[0]).all() and not (t == 2).all()


def test_vmap_gradients_flow_through_the_batch() -> None:
    x, w = arr(4, 3), arr(3, seed=1)

    def run(lib, F):
        xt = lib.tensor(x.copy(), requires_grad=True)
        wt = lib.tensor(w.copy(), requires_grad=True)
        out = F.vmap(lambda a: (a * wt).sin().sum())(xt)
        gx, gw = lib.autograd.grad((out**2).sum(), (xt, wt))
        return out, gx, gw

    a, b = both(run)
    same(a, b)


# -- modules: functional_call, per-sample gradients, ensembles ------------------------------


def _mlp(lib: object) -> object:
    nn = tnn if lib is torch else nnn
    return nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3))


def _same_weights() -> tuple:
    torch.manual_seed(0)
    tm = _mlp(torch)
    nm = _mlp(ng)
    nm.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    return nm, tm


def test_per_sample_gradients_of_an_mlp_match_torch() -> None:
    nm, tm = _same_weights()
    x, y = arr(6, 5, seed=1), np.array([0, 1, 2, 0, 1, 2])

    def run(lib, F, model):
        params = {k: v.detach() for k, v in model.named_parameters()}

        def loss(p, b, sample, target):
            pred = F.functional_call(model, (p, b), (sample.unsqueeze(0),))
            return lib.nn.functional.cross_entropy(pred, target.unsqueeze(0))

        per_sample = F.vmap(F.grad(loss), in_dims=(None, None, 0, 0))(
            params, {}, to(lib, x), lib.tensor(y)
        )
        return per_sample

    a, b = run(ng, ngf, nm), run(torch, torch.func, tm)
    same(a, b)
    # and they are the gradients of each sample's own loss
    for i in range(6):
        nm.zero_grad()
        ng.nn.functional.cross_entropy(nm(to(ng, x[i : i + 1])), ng.tensor(y[i : i + 1])).backward()
        for k, p in nm.named_parameters():
            np.testing.assert_allclose(a[k][i].numpy(), p.grad.numpy(), atol=1e-6, rtol=1e-5)


def test_functional_call_substitutes_restores_and_passes_gradients() -> None:
    nm, tm = _same_weights()
    x = arr(2, 5, seed=3)

    def run(lib, F, model):
        w = lib.tensor(arr(8, 5, seed=9), requires_grad=True)
        out = F.functional_call(model, {"0.weight": w}, to(lib, x))
        (g,) = lib.autograd.grad(out.sum(), w)
        both_dicts = F.functional_call(
            model, ({"0.weight": w}, {"2.bias": lib.zeros(3)}), (to(lib, x),)
        )
        kw = F.functional_call(model, {}, (), {"input": to(lib, x)})
        return out, g, both_dicts, kw, model[0].weight.detach()

    a, b = run(ng, ngf, nm), run(torch, torch.func, tm)
    same(a, b)
    assert isinstance(nm[0].weight, nnn.Parameter)

    class Boom(nnn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lin = nnn.Linear(2, 2)

        def forward(self, x: ng.Tensor) -> ng.Tensor:
            raise ValueError("boom")

    m = Boom()
    before = m.lin.weight
    with pytest.raises(ValueError, match="boom"):
        ngf.functional_call(m, {"lin.weight": ng.zeros(2, 2)}, (ng.zeros(2),))
    assert m.lin.weight is before and m.lin._parameters["weight"] is before


def test_functional_call_tied_weights_and_strict_like_torch() -> None:
    def run(lib, F):
        nn = tnn if lib is torch else nnn
        lib.manual_seed(0)
        m = nn.Sequential(nn.Linear(3, 3, bias=False), nn.Linear(3, 3, bias=False))
        m[1].weight = m[0].weight
        w = lib.eye(3) * 2
        x = lib.ones(1, 3)
        tied = F.functional_call(m, {"0.weight": w}, (x,))
        untied = F.functional_call(m, {"0.weight": w}, (x,), tie_weights=False)
        return tied, untied - m[1].weight.detach().sum(1) * 2

    a, b = both(run)
    same(a, b)
    E = errors_alike
    mk = lambda lib: (tnn if lib is torch else nnn).Linear(3, 2)  # noqa: E731
    E(
        lambda lib, F: F.functional_call(
            mk(lib), {"weight": lib.zeros(2, 3)}, lib.ones(3), strict=True
        ),
        "Missing key",
    )
    E(
        lambda lib, F: F.functional_call(
            mk(lib), ({"weight": lib.zeros(2, 3)}, {"weight": lib.zeros(2, 3)}), lib.ones(3)
        ),
        "multiple dictionaries",
    )
    E(lambda lib, F: F.functional_call(mk(lib), 3, (lib.ones(3),)), "dict")


def test_model_ensembling_with_stack_module_state() -> None:
    torch.manual_seed(1)
    tms = [_mlp(torch) for _ in range(3)]
    nms = [_mlp(ng) for _ in range(3)]
    for n, t in zip(nms, tms):
        n.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    xs, x = arr(3, 4, 5, seed=2), arr(4, 5, seed=3)

    def run(lib, F, models):
        params, buffers = F.stack_module_state(models)
        base = models[0]
        fmodel = lambda p, b, inp: F.functional_call(base, (p, b), (inp,))  # noqa: E731
        return (
            {k: (v.shape[0], v.requires_grad, v.is_leaf) for k, v in params.items()},
            F.vmap(fmodel)(params, buffers, to(lib, xs)),
            F.vmap(fmodel, in_dims=(0, 0, None))(params, buffers, to(lib, x)),
        )

    a, b = run(ng, ngf, nms), run(torch, torch.func, tms)
    assert a[0] == b[0]
    same(a[1:], b[1:])
    loop = ng.stack([m(to(ng, xs[i])) for i, m in enumerate(nms)])
    np.testing.assert_allclose(a[1].detach().numpy(), loop.detach().numpy(), atol=1e-6)
    E = errors_alike
    E(lambda lib, F: F.stack_module_state([]), "at least one model")

    def mixed(lib, F):
        ms = [_mlp(lib), _mlp(lib)]
        ms[1].eval()
        return F.stack_module_state(ms)

    E(mixed, "training/eval")
    E(
        lambda lib, F: F.stack_module_state(
            [(tnn if lib is torch else nnn).Linear(2, k) for k in (3, 4)]
        )
    )


def test_exports_like_torch() -> None:
    import importlib

    mod = importlib.import_module("nablagrad.func")
    from nablagrad.func import vmap

    assert ng.func is mod and ng.vmap is vmap
    assert set(mod.__all__) >= {
        "linearize",
        "functionalize",
        "replace_all_batch_norm_modules_",
        "debug_unwrap",
        "functional_call",
        "grad",
        "grad_and_value",
        "vjp",
        "jvp",
        "jacrev",
        "jacfwd",
        "hessian",
        "vmap",
        "stack_module_state",
    }


def test_module_to_meta_keeps_shapes_and_runs_through_functional_call() -> None:
    import copy

    nm, tm = _same_weights()
    x = arr(4, 5, seed=8)

    def run(lib, F, model):
        base = copy.deepcopy(model).to("meta")
        w = base[0].weight
        info = (tuple(w.shape), str(w.dtype).split(".")[-1], str(w.device), w.requires_grad)
        params = {k: v.detach() for k, v in model.named_parameters()}
        return info, F.functional_call(base, params, (to(lib, x),)), model[0].weight.device.type

    a, b = run(ng, ngf, nm), run(torch, torch.func, tm)
    assert a[0] == b[0] and a[2] == b[2] == "cpu"
    same(a[1], b[1])
    base = copy.deepcopy(nm).to("meta")
    with pytest.raises(NotImplementedError, match="functional_call"):
        base(ng.ones(1, 5))  # a meta module has no values to compute with


def test_ntk_pattern_vjp_inside_vmap_feeding_jvp() -> None:
    # the neural-tangent-kernel tutorial's composition on a small MLP: per pair of inputs, a
    # vjp's function is vmapped over basis cotangents and its results are jvp tangents
    nm, tm = _same_weights()
    x1, x2 = arr(2, 5, seed=11), arr(3, 5, seed=12)

    def run(lib, F, model):
        params = {k: v.detach() for k, v in model.named_parameters()}

        def fnet(p, x):
            return F.functional_call(model, p, (x.unsqueeze(0),)).squeeze(0)

        def get_ntk(a, b):
            out, vjp_fn = F.vjp(lambda p: fnet(p, a), params)

            def ntk_slice(vec):
                (vjps,) = vjp_fn(vec)
                return F.jvp(lambda p: fnet(p, b), (params,), (vjps,))[1]

            return F.vmap(ntk_slice)(lib.eye(out.numel()))

        by_vps = F.vmap(F.vmap(get_ntk, (None, 0)), (0, None))(to(lib, x1), to(lib, x2))
        jac = F.vmap(F.jacrev(fnet), (None, 0))(params, to(lib, x1))
        return by_vps, jac

    a, b = run(ng, ngf, nm), run(torch, torch.func, tm)
    same(a, b, atol=1e-5, rtol=1e-4)


def test_vmap_of_grad_with_aux_and_parameters_that_require_grad() -> None:
    nm, tm = _same_weights()
    x = arr(4, 5, seed=13)

    def run(lib, F, model):
        params = dict(model.named_parameters())  # not detached: results keep a graph

        def loss(p, sample):
            out = F.functional_call(model, p, (sample,))
            return (out**2).sum(), out.detach()

        g, aux = F.vmap(F.grad(loss, has_aux=True), in_dims=(None, 0))(params, to(lib, x))
        (second,) = lib.autograd.grad(g["0.weight"].sum(), model[0].weight)
        return g, aux, second

    a, b = run(ng, ngf, nm), run(torch, torch.func, tm)
    same(a, b, atol=1e-5, rtol=1e-4)


def test_linearize_functionalize_and_batch_norm_replacement_like_torch() -> None:
    x, t1, t2 = arr(2, 3, seed=14), arr(2, 3, seed=15), arr(2, 3, seed=16)

    def run(lib, F):
        f = lambda a: {"s": a.sin() * a.sum(), "e": a.exp()}  # noqa: E731
        out, jvp_fn = F.linearize(f, to(lib, x))
        fz = F.functionalize(lambda a: a.clone().mul_(3) + a)(to(lib, x))
        nn = tnn if lib is torch else nnn
        bn = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3))
        F.replace_all_batch_norm_modules_(bn)
        flags = (bn[1].running_mean is None, bn[1].running_var is None, bn[1].track_running_stats)
        return out, jvp_fn(to(lib, t1)), jvp_fn(to(lib, t2)), fz, flags

    a, b = both(run)
    same(a, b)
    errors_alike(lambda lib, F: F.linearize(lib.sin, to(lib, x))[1](lib.ones(3)), "shape")
    errors_alike(
        lambda lib, F: F.linearize(lib.sin, to(lib, x))[1](to(lib, x), to(lib, x)), "argspec"
    )
    errors_alike(lambda lib, F: F.functionalize(lib.sin, remove="x"), "remove")


def test_edge_cases_like_torch() -> None:
    x = arr(2, seed=17)

    def run(lib, F):
        a = to(lib, x)

        def no_grad_inside(v):
            with lib.no_grad():
                w = v * 2
            return (v * w).sum()

        return (
            F.grad(lambda v: lib.tensor(3.0))(a),  # output independent of the input: zeros
            F.grad(no_grad_inside)(a),
            F.jacrev(lambda v: lib.ones(3))(a),
            F.jvp(lambda v: lib.ones(3), (a,), (a,)),
            F.vjp(lambda v: lib.ones(3), a)[1](lib.ones(3)),
            F.hessian(lambda v: (v**2).prod())(a),
            F.vmap(F.vmap(lambda v: v.sum() * 2))(lib.ones(2, 3, 4)),
            F.vmap(lambda m, v: m @ v, in_dims=(None, 1))(lib.ones(2, 3), lib.ones(3, 4)),
            F.vmap(lib.sum, in_dims=1)(lib.ones(2, 3)),
        )

    a, b = both(run)
    same(a, b)


def test_jacobian_of_a_jacobian_changed_in_place() -> None:
    # the outer Jacobian seeds an inner Jacobian's rows directly; a block changed in place must
    # be differentiated as it is now (torch refuses the in-place change of its view; compare
    # with its out-of-place form)
    x = arr(3, seed=18, dtype=np.float64)
    f = lambda u: u.sin() * u.sum()  # noqa: E731

    def scaled_in_place(v):
        j = ngf.jacrev(f)(v)
        j.mul_(2)
        return j

    ours = ngf.jacrev(scaled_in_place)(to(ng, x))
    theirs = torch.func.jacrev(lambda v: torch.func.jacrev(f)(v) * 2)(to(torch, x))
    same(ours, theirs, atol=1e-10, rtol=1e-10)
