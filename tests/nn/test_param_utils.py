"""ParameterList/ParameterDict, weight_norm, spectral_norm, parametrize and skip_init vs torch."""

from __future__ import annotations

import warnings
from collections import OrderedDict

import numpy as np
import pytest
import torch
from helpers import assert_close

import nablagrad as ng

# -- ParameterList / ParameterDict ---------------------------------------------------------------


def _repr_as_torch(s: str) -> str:
    return s.replace("nablagrad.", "torch.")


def test_parameter_list_matches_torch() -> None:
    a = np.ones(2, np.float32)
    b = np.zeros((3, 2), np.float32)
    pn = ng.nn.ParameterList([ng.nn.Parameter(ng.tensor(a)), ng.tensor(b)])
    pt = torch.nn.ParameterList([torch.nn.Parameter(torch.from_numpy(a)), torch.from_numpy(b)])
    assert isinstance(pn[1], ng.nn.Parameter) and pn[1].requires_grad
    pn.append(ng.zeros(1, 2)).extend([ng.ones(4), "not a tensor"])
    pt.append(torch.zeros(1, 2)).extend([torch.ones(4), "not a tensor"])
    assert len(pn) == len(pt) == 5
    assert list(pn.state_dict()) == list(pt.state_dict())
    assert [n for n, _ in pn.named_parameters()] == [n for n, _ in pt.named_parameters()]
    assert _repr_as_torch(repr(pn)) == repr(pt)
    assert _repr_as_torch(repr(pn[1:3])) == repr(pt[1:3])
    assert pn[-1] == "not a tensor" and tuple(pn[-2].shape) == (4,)
    pn[0] = ng.full((2,), 5.0)
    assert isinstance(pn[0], ng.nn.Parameter) and pn[0].tolist() == [5.0, 5.0]
    with pytest.raises(IndexError, match="index 5 is out of range"):
        pn[5]
    with pytest.raises(TypeError, match="iterable"):
        pn.extend(ng.zeros(2))
    with pytest.raises(RuntimeError, match="should not be called"):
        pn()


def test_parameter_list_in_module_and_optimizer() -> None:
    class Net(ng.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.ws = ng.nn.ParameterList([ng.nn.Parameter(ng.ones(3)) for _ in range(2)])

        def forward(self, x: ng.Tensor) -> ng.Tensor:
            for w in self.ws:
                x = x * w
            return x

    net = Net()
    assert list(net.state_dict()) == ["ws.0", "ws.1"]
    opt = ng.optim.SGD(net.parameters(), lr=0.5)
    net(ng.ones(3)).sum().backward()
    opt.step()
    assert net.ws[0].tolist() == [0.5, 0.5, 0.5]
    nested = repr(net).replace("nablagrad.", "torch.")

    class TNet(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.ws = torch.nn.ParameterList([torch.nn.Parameter(torch.ones(3)) for _ in range(2)])

    assert nested == repr(TNet()).replace("TNet", "Net")


def test_parameter_dict_matches_torch() -> None:
    vals = {"b": np.ones(2, np.float32), "a": np.zeros((2, 3), np.float32)}
    pn = ng.nn.ParameterDict({k: ng.tensor(v) for k, v in vals.items()})
    pt = torch.nn.ParameterDict({k: torch.from_numpy(v) for k, v in vals.items()})
    assert list(pn.keys()) == list(pt.keys()) == ["a", "b"]  # a plain dict is sorted
    od = OrderedDict([("z", ng.ones(1)), ("y", ng.ones(1))])
    pn.update(od)
    pt.update(OrderedDict([("z", torch.ones(1)), ("y", torch.ones(1))]))
    pn.update([("x", 3)])
    pt.update([("x", 3)])
    assert list(pn.keys()) == list(pt.keys())
    assert list(pn.state_dict()) == list(pt.state_dict())
    assert _repr_as_torch(repr(pn)) == repr(pt)
    assert "a" in pn and pn.get("nope", 7) == 7 and isinstance(pn["a"], ng.nn.Parameter)
    k, v = pn.popitem()
    assert (k, v) == pt.popitem()
    assert tuple(pn.pop("z").shape) == (1,) and "z" not in pn
    assert pn.setdefault("w", ng.zeros(2)).shape == (2,)
    merged = pn | ng.nn.ParameterDict({"q": ng.ones(1)})
    assert list(merged.keys())[-1] == "q" and "q" not in pn
    with pytest.raises(TypeError, match="not a string"):
        pn[3] = ng.ones(1)
    with pytest.raises(ValueError, match="has length 3; 2 is required"):
        pn.update([("a", 1, 2)])
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        pn["missing"]
    pn.clear()
    assert len(pn) == 0 and list(pn.parameters()) == []


# -- parameters_to_vector / vector_to_parameters -------------------------------------------------


def test_parameters_to_vector_roundtrip_matches_torch() -> None:
    tm = torch.nn.Linear(3, 2)
    nm = ng.nn.Linear(3, 2)
    nm.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    vt = torch.nn.utils.parameters_to_vector(tm.parameters())
    vn = ng.nn.utils.parameters_to_vector(nm.parameters())
    assert_close(vn, vt, 0, 0, "parameters_to_vector")
    ng.nn.utils.vector_to_parameters(vn * 2, nm.parameters())
    torch.nn.utils.vector_to_parameters(vt * 2, tm.parameters())
    assert_close(nm.weight, tm.weight, 0, 0, "vector_to_parameters")


# -- weight norm -----------------------------------------------------------------------------------


def _copy(nm: ng.nn.Module, tm: torch.nn.Module) -> None:
    nm.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})


def _fwd_bwd(nm: ng.nn.Module, tm: torch.nn.Module, shape: tuple, tol: float = 1e-5) -> None:
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    xn, xt = ng.tensor(x, requires_grad=True), torch.from_numpy(x).requires_grad_()
    yn, yt = nm(xn), tm(xt)
    assert_close(yn, yt, tol, tol, "forward")
    (yn * yn).sum().backward()
    (yt * yt).sum().backward()
    assert_close(xn.grad, xt.grad, tol, tol, "input gradient")
    tp = dict(tm.named_parameters())
    names = [n for n, _ in nm.named_parameters()]
    assert names == list(tp)
    for name, p in nm.named_parameters():
        assert_close(p.grad, tp[name].grad, tol, tol, f"gradient of {name}")


@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_hook_matches_torch(dim: int | None) -> None:
    torch.manual_seed(0)
    with pytest.warns(FutureWarning, match="deprecated"):
        tm = torch.nn.utils.weight_norm(torch.nn.Conv1d(2, 3, 3), dim=dim)
    with pytest.warns(FutureWarning, match="deprecated"):
        nm = ng.nn.utils.weight_norm(ng.nn.Conv1d(2, 3, 3), dim=dim)
    assert list(nm.state_dict()) == list(tm.state_dict()) == ["bias", "weight_g", "weight_v"]
    assert nm.weight_g.shape == tuple(tm.weight_g.shape)
    _copy(nm, tm)
    _fwd_bwd(nm, tm, (2, 2, 6))
    ng.nn.utils.remove_weight_norm(nm)
    torch.nn.utils.remove_weight_norm(tm)
    assert list(nm.state_dict()) == list(tm.state_dict()) == ["bias", "weight"]
    assert isinstance(nm.weight, ng.nn.Parameter)
    assert_close(nm.weight, tm.weight, 1e-6, 1e-6, "weight after remove")
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found"):
        ng.nn.utils.remove_weight_norm(nm)


def test_weight_norm_twice_raises() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        m = ng.nn.utils.weight_norm(ng.nn.Linear(2, 2))
        with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks"):
            ng.nn.utils.weight_norm(m)


@pytest.mark.parametrize("dim", [0, 1, None])
def test_parametrized_weight_norm_matches_torch(dim: int | None) -> None:
    tm = torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(4, 3), dim=dim)
    nm = ng.nn.utils.parametrizations.weight_norm(ng.nn.Linear(4, 3), dim=dim)
    assert list(nm.state_dict()) == list(tm.state_dict())
    assert type(nm).__name__ == "ParametrizedLinear"
    assert _repr_as_torch(repr(nm)) == repr(tm)
    assert nm.parametrizations.weight.original0.shape == tuple(
        tm.parametrizations.weight.original0.shape
    )
    _copy(nm, tm)
    _fwd_bwd(nm, tm, (5, 4))
    torch.nn.utils.parametrize.remove_parametrizations(tm, "weight")
    ng.nn.utils.parametrize.remove_parametrizations(nm, "weight")
    assert type(nm) is ng.nn.Linear
    assert list(nm.state_dict()) == list(tm.state_dict()) == ["bias", "weight"]
    assert_close(nm.weight, tm.weight, 1e-6, 1e-6, "weight after remove")


def test_register_parametrization_single_tensor_and_setter() -> None:
    class Sym(ng.nn.Module):
        def forward(self, x: ng.Tensor) -> ng.Tensor:
            return x.triu() + x.triu(1).transpose(0, 1)

        def right_inverse(self, a: ng.Tensor) -> ng.Tensor:
            return a.triu()

    pz = ng.nn.utils.parametrize
    m = pz.register_parametrization(ng.nn.Linear(3, 3), "weight", Sym())
    assert pz.is_parametrized(m) and pz.is_parametrized(m, "weight")
    assert not pz.is_parametrized(m, "bias")
    assert pz.type_before_parametrizations(m) is ng.nn.Linear
    assert list(m.state_dict()) == ["bias", "parametrizations.weight.original"]
    w = m.weight
    assert (w == w.T).all()
    sym = ng.tensor([[1.0, 2.0, 3.0], [2.0, 4.0, 5.0], [3.0, 5.0, 6.0]])
    m.weight = sym
    assert (m.weight == sym).all()
    with pz.cached():
        assert m.weight is m.weight
    with pytest.raises(ValueError, match="does not have a parameter, a buffer"):
        pz.register_parametrization(m, "nothing", Sym())
    pz.remove_parametrizations(m, "weight", leave_parametrized=False)
    assert type(m) is ng.nn.Linear and (m.weight == sym.triu()).all()


# -- spectral norm ---------------------------------------------------------------------------------


@pytest.mark.parametrize("train", [True, False])
def test_spectral_norm_hook_matches_torch(train: bool) -> None:
    tm = torch.nn.utils.spectral_norm(torch.nn.Linear(4, 3), n_power_iterations=2)
    nm = ng.nn.utils.spectral_norm(ng.nn.Linear(4, 3), n_power_iterations=2)
    keys = ["bias", "weight_orig", "weight_u", "weight_v"]
    assert list(nm.state_dict()) == list(tm.state_dict()) == keys
    _copy(nm, tm)
    nm.train(train)
    tm.train(train)
    _fwd_bwd(nm, tm, (5, 4), 1e-4)
    for k in ("weight_u", "weight_v"):  # power iteration updated the buffers alike
        assert_close(getattr(nm, k), getattr(tm, k), 1e-5, 1e-5, k)
    ng.nn.utils.remove_spectral_norm(nm)
    torch.nn.utils.remove_spectral_norm(tm)
    assert list(nm.state_dict()) == list(tm.state_dict()) == ["bias", "weight"]
    assert_close(nm.weight, tm.weight, 1e-5, 1e-5, "weight after remove")


def test_spectral_norm_transposed_conv_uses_dim_1() -> None:
    tm = torch.nn.utils.spectral_norm(torch.nn.ConvTranspose1d(2, 5, 3))
    nm = ng.nn.utils.spectral_norm(ng.nn.ConvTranspose1d(2, 5, 3))
    assert nm.weight_u.shape == tuple(tm.weight_u.shape) == (5,)
    with pytest.raises(ValueError, match="n_power_iterations"):
        ng.nn.utils.spectral_norm(ng.nn.Linear(2, 2), n_power_iterations=0)


@pytest.mark.parametrize("train", [True, False])
def test_parametrized_spectral_norm_matches_torch(train: bool) -> None:
    tm = torch.nn.utils.parametrizations.spectral_norm(torch.nn.Conv1d(2, 3, 2))
    nm = ng.nn.utils.parametrizations.spectral_norm(ng.nn.Conv1d(2, 3, 2))
    assert list(nm.state_dict()) == list(tm.state_dict())
    assert _repr_as_torch(repr(nm)) == repr(tm)
    _copy(nm, tm)
    nm.train(train)
    tm.train(train)
    _fwd_bwd(nm, tm, (2, 2, 5), 1e-4)
    su = "parametrizations.weight.0._u"
    assert_close(nm.state_dict()[su], tm.state_dict()[su], 1e-5, 1e-5, "_u")
    # at setup, 15 power iterations make sigma close to the largest singular value
    w = nm.parametrizations.weight.original.detach().numpy().reshape(3, -1)
    sigma = float(np.linalg.svd(w, compute_uv=False)[0])
    assert_close(nm.weight * sigma, nm.parametrizations.weight.original, 2e-2, 2e-2, "sigma")


# -- skip_init -------------------------------------------------------------------------------------


def test_skip_init() -> None:
    m = ng.nn.utils.skip_init(ng.nn.Linear, 3, 4, bias=False)
    assert isinstance(m, ng.nn.Linear) and m.weight.shape == (4, 3) and m.bias is None

    class NoDevice(ng.nn.Module):
        def __init__(self, a: int) -> None:
            super().__init__()

    with pytest.raises(RuntimeError, match="Module must support a 'device' arg"):
        ng.nn.utils.skip_init(NoDevice, 1)


# -- forward pre-hooks (what weight_norm/spectral_norm build on) -----------------------------------


def _hook_run(lib: object) -> tuple:
    m = lib.nn.Linear(2, 2)
    calls: list = []
    m.register_forward_pre_hook(lambda mod, args: calls.append("a") or args[0] * 0)
    m.register_forward_pre_hook(lambda mod, args: calls.append("first"), prepend=True)

    def kw(mod, args, kwargs):  # noqa: ANN001, ANN202
        calls.append("kw")
        return (args[0] + 1,), kwargs

    h = m.register_forward_pre_hook(kw, with_kwargs=True)
    y = m(lib.ones(1, 2))
    h.remove()
    y2 = m(lib.ones(1, 2))
    expect = (m.weight.sum(1) + m.bias).tolist()
    assert np.allclose(y.tolist(), [expect]) and np.allclose(y2.tolist(), [m.bias.tolist()])
    return calls


def test_forward_pre_hooks_match_torch() -> None:
    assert _hook_run(ng) == _hook_run(torch) == ["first", "a", "kw", "first", "a"]
    assert isinstance(ng.nn.Linear(1, 1)._forward_pre_hooks, OrderedDict)
