"""nablagrad.jit against torch.jit: scripted/traced modules and functions, save/load, helpers."""

from __future__ import annotations

import copy
import io
import os
import pickle
import typing

import numpy as np
import pytest
import torch

import nablagrad as ng
from nablagrad import jit
from nablagrad import serialization as ser

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:ignore\\(True\\) has been deprecated:FutureWarning"),
]


def _nets(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Linear(6, 5), nn.BatchNorm1d(5), nn.ReLU(), nn.Dropout(0.5), nn.Linear(5, 2)
    )


def _pair():
    """A torch net and a nablagrad net with the same weights."""
    torch.manual_seed(0)
    tnet = _nets(torch)
    net = _nets(ng)
    net.load_state_dict({k: v.numpy() for k, v in tnet.state_dict().items()})
    return net, tnet


def _x(seed=1, shape=(4, 6)):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _close(a, b, tol=1e-5):
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else b
    np.testing.assert_allclose(a.detach().numpy(), b, rtol=tol, atol=tol)


# -- script / trace of modules ------------------------------------------------------------------


@pytest.mark.parametrize("how", ["script", "trace"])
def test_outputs_and_gradients_equal_torch_scripted(how):
    net, tnet = _pair()
    x = _x()
    for mode in ("train", "eval"):
        getattr(net, mode)(), getattr(tnet, mode)()
        if mode == "train":  # dropout draws differ between libraries: p=0 keeps the rest exact
            net[3].p = tnet[3].p = 0.0
        if how == "script":
            s, ts = jit.script(net), torch.jit.script(tnet)
        else:
            # check_trace=False: torch's check runs the model again (batch-norm statistics)
            s = jit.trace(net, ng.tensor(x), check_trace=False)
            ts = torch.jit.trace(tnet, torch.tensor(x), check_trace=False)
        out, tout = s(ng.tensor(x)), ts(torch.tensor(x))
        _close(out, tout)
        if mode == "train":
            (out * out).sum().backward()
            (tout * tout).sum().backward()
            for p, tp in zip(s.parameters(), ts.parameters()):
                _close(p.grad, tp.grad, tol=1e-4)
            # the running statistics were updated (once) in both
            _close(dict(s.named_buffers())["1.running_mean"], ts.state_dict()["1.running_mean"])
        else:
            _close(out, net(ng.tensor(x)), tol=0)  # the unscripted model, exactly


def test_scripted_module_shares_parameters_and_has_its_own_training_flags():
    net, tnet = _pair()
    for lib, n in ((ng, net), (torch, tnet)):
        s = lib.jit.script(n)
        assert s[0].weight is n[0].weight and s[4].bias is n[4].bias
        assert list(s.state_dict()) == list(n.state_dict())
        assert [tuple(p.shape) for p in s.parameters()] == [tuple(p.shape) for p in n.parameters()]
        s.eval()
        assert (s.training, n.training, n[3].training) == (False, True, True)
        n.eval()
        s.train()
        assert (s.training, n.training) == (True, False)
        n.train()
        # an outer container's eval() reaches the scripted module
        outer = lib.nn.Sequential(s, lib.nn.Linear(2, 2)).eval()
        assert s.training is False
        outer.train()
    # an optimizer step on the original is seen by the scripted module (same Parameter objects)
    s = jit.script(net)
    x = ng.tensor(_x())
    before = s(x).detach()
    opt = ng.optim.SGD(net.parameters(), lr=0.5)
    net(x).sum().backward()
    opt.step()
    s.eval(), net.eval()
    assert not np.allclose(s(x).detach().numpy(), before.numpy())
    _close(s(x), net(x), tol=0)


def test_scripted_module_in_eval_mode_skips_dropout_while_the_original_does_not():
    net = ng.nn.Sequential(ng.nn.Dropout(0.5))
    s = jit.script(net).eval()
    x = ng.ones(200)
    assert bool((s(x) == x).all())
    assert not bool((net(x) == x).all())


def test_types_and_repr_like_torch():
    net, tnet = _pair()
    s, ts = jit.script(net), torch.jit.script(tnet)
    assert repr(s) == repr(ts)
    assert isinstance(s, jit.ScriptModule) and isinstance(s, jit.RecursiveScriptModule)
    assert isinstance(s, ng.nn.Module) and not isinstance(s, ng.nn.Sequential)
    assert s.original_name == ts.original_name == "Sequential"
    x = _x()
    tr, ttr = jit.trace(net, ng.tensor(x)), torch.jit.trace(tnet, torch.tensor(x))
    assert repr(tr) == repr(ttr)
    assert isinstance(tr, jit.TopLevelTracedModule) and isinstance(tr[0], jit.TracedModule)
    assert isinstance(tr, jit.ScriptModule) and not isinstance(tr, jit.RecursiveScriptModule)
    assert jit.script(s) is s and torch.jit.script(ts) is ts
    with pytest.warns(UserWarning, match="already a ScriptModule"):
        assert jit.trace(s, ng.tensor(x)) is s
    assert len(s) == 5 and len(list(s)) == 5 and isinstance(s[0], jit.RecursiveScriptModule)


def test_scripted_submodules_hooks_and_copies():
    lin = ng.nn.Linear(2, 2)
    calls = []
    lin.register_forward_hook(lambda m, i, o: calls.append(m))
    inner = jit.script(lin)
    outer = jit.script(ng.nn.Sequential(inner, ng.nn.ReLU()))
    assert outer[0] is inner  # an already scripted submodule is kept, as torch keeps it
    outer(ng.ones(1, 2))
    assert calls == [inner]  # the original's hook runs once, given the scripted module
    inner.register_forward_pre_hook(lambda m, i: (i[0] * 0,))
    assert bool((outer(ng.ones(1, 2)) == lin.bias.relu()).all())
    twin = copy.deepcopy(outer)
    assert isinstance(twin, jit.RecursiveScriptModule) and twin[0].weight is not lin.weight
    _close(twin(ng.ones(1, 2)), outer(ng.ones(1, 2)), tol=0)
    outer.double()
    assert lin.weight.dtype == ng.float64  # moved in place: the same Parameter objects


def test_attributes_are_read_and_written_through():
    lin = ng.nn.Linear(3, 2)
    s = jit.script(lin)
    assert s.in_features == 3 and s.weight is lin.weight
    s.foo = 5
    assert s.foo == 5 and not hasattr(lin, "foo")
    s.weight = ng.nn.Parameter(ng.zeros(2, 3))
    assert bool((s(ng.ones(1, 3)) == lin.bias).all())  # the new weight is used
    assert lin.weight is not s.weight  # the original keeps its own
    with pytest.raises(AttributeError, match="no TorchScript compiler"):
        _ = s.code
    with pytest.raises(AttributeError, match="no TorchScript compiler"):
        _ = jit.script(_mul).graph
    with pytest.raises(AttributeError, match="'RecursiveScriptModule' object has no attribute"):
        _ = s.nothing_here


def test_script_of_a_lazy_module_is_refused_like_torch():
    with pytest.raises(RuntimeError, match="uninitialized parameters weight"):
        jit.script(ng.nn.LazyLinear(3))
    with pytest.raises(RuntimeError, match="uninitialized parameters weight"):
        torch.jit.script(torch.nn.LazyLinear(3))


class _Gated(ng.nn.Module):
    def __init__(self, mode: int):
        super().__init__()
        self.mode = mode
        self.lin = ng.nn.Linear(2, 2)

    @jit.unused
    def memory_efficient(self, x):
        return x + 10

    @jit.ignore
    def py_only(self, x):
        return x + 1

    @jit.ignore(drop=True)
    def dropped(self, x):
        return x + 2

    @jit.export
    def extra(self, x):
        return self.lin(x) * 2

    def forward(self, x):
        if self.mode == 1:
            return self.memory_efficient(x)
        if self.mode == 2:
            return self.dropped(x)
        return self.py_only(self.lin(x))


class _TGated(torch.nn.Module):  # the same module in torch
    def __init__(self, mode: int):
        super().__init__()
        self.mode = mode
        self.lin = torch.nn.Linear(2, 2)

    @torch.jit.unused
    def memory_efficient(self, x):
        return x + 10

    @torch.jit.ignore
    def py_only(self, x):
        return x + 1

    @torch.jit.ignore(drop=True)
    def dropped(self, x):
        return x + 2

    @torch.jit.export
    def extra(self, x):
        return self.lin(x) * 2

    def forward(self, x):
        if self.mode == 1:
            return self.memory_efficient(x)
        if self.mode == 2:
            return self.dropped(x)
        return self.py_only(self.lin(x))


def test_unused_ignore_export_like_torch():
    assert vars(_Gated.memory_efficient) == vars(_TGated.memory_efficient)
    assert vars(_Gated.py_only) == vars(_TGated.py_only)
    assert vars(_Gated.dropped) == vars(_TGated.dropped)
    assert vars(_Gated.extra) == vars(_TGated.extra)
    x = np.ones((1, 2), np.float32)
    for mode in (0, 1, 2):
        g, t = _Gated(mode), _TGated(mode)
        g.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
        s, ts = jit.script(g), torch.jit.script(t)
        if mode == 0:
            _close(s(ng.tensor(x)), ts(torch.tensor(x)))
        else:
            with pytest.raises(jit.Error, match="annotated to be ignored"):
                s(ng.tensor(x))
            with pytest.raises(torch.jit.Error, match="annotated to be ignored"):
                ts(torch.tensor(x))
        # from Python the marked methods run, in both
        _close(s.memory_efficient(ng.tensor(x)), ts.memory_efficient(torch.tensor(x)))
        _close(s.dropped(ng.tensor(x)), ts.dropped(torch.tensor(x)))
        _close(s.extra(ng.tensor(x)), ts.extra(torch.tensor(x)))
        assert g(ng.tensor(x)) is not None  # the original module is untouched
    with pytest.raises(RuntimeError, match="must be a bool or a function but got 3"):
        jit.ignore(3)
    for lib in (ng, torch):
        with pytest.warns(FutureWarning, match=r"ignore\(True\) has been deprecated"):
            lib.jit.ignore(drop=True)
    with pytest.raises(RuntimeError, match="must be a bool or a function but got 3"):
        torch.jit.ignore(3)


# -- functions ---------------------------------------------------------------------------------


def _mul(x, y):
    return x * y + 1


def test_script_and_trace_functions_match_torch():
    a, b = _x(2, (3,)), _x(3, (3,))
    sf, tsf = jit.script(_mul), torch.jit.script(_mul)
    assert isinstance(sf, jit.ScriptFunction) and isinstance(tsf, torch.jit.ScriptFunction)
    assert sf.name == tsf.name == "_mul"
    _close(sf(ng.tensor(a), ng.tensor(b)), tsf(torch.tensor(a), torch.tensor(b)))
    tf = jit.trace(_mul, (ng.tensor(a), ng.tensor(b)))
    ttf = torch.jit.trace(_mul, (torch.tensor(a), torch.tensor(b)))
    assert isinstance(tf, jit.ScriptFunction)
    x, y = ng.tensor(a, requires_grad=True), ng.tensor(b)
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b)
    tf(x, y).sum().backward()
    ttf(tx, ty).sum().backward()
    _close(x.grad, tx.grad)
    # a traced bound forward is the module, as torch
    lin = ng.nn.Linear(2, 2)
    assert isinstance(jit.trace(lin.forward, ng.ones(1, 2)), jit.TopLevelTracedModule)


def _branchy(x):
    if x.sum() > 0:
        return x * 2
    return x * 3


def test_trace_runs_the_python_code_each_call():
    # torch's trace freezes the branch of the example; nablagrad's documented difference
    t = jit.trace(_branchy, ng.ones(2))
    assert t(-ng.ones(2)).tolist() == [-3.0, -3.0]


def _seen_tracing(x):
    _seen_tracing.flags.append(jit.is_tracing())
    return x


def test_is_tracing_only_during_the_example_run():
    _seen_tracing.flags = []
    t = jit.trace(_seen_tracing, ng.ones(1), check_inputs=[(ng.ones(2),)])
    t(ng.ones(1))
    assert _seen_tracing.flags == [True, True, False]
    assert jit.is_tracing() is False and jit.is_scripting() is False
    assert torch.jit.is_scripting() is False


_T = "tensor"  # stands for a tensor in the cases below


def _build(lib, spec):
    if spec == _T:
        return lib.ones(2)
    if isinstance(spec, tuple):
        return tuple(_build(lib, s) for s in spec)
    if isinstance(spec, list):
        return [_build(lib, s) for s in spec]
    if isinstance(spec, dict):
        return {k: _build(lib, v) for k, v in spec.items()}
    return spec


@pytest.mark.parametrize(
    "fn, example, kw",
    [
        (lambda x, y: x, (_T, None), {}),
        (lambda x, y: x, (_T, 2), {}),
        (lambda x: x, "a", {}),
        (lambda x: x, 3, {}),
        (lambda x: x, None, {}),
        (lambda x, y: x, _T, {}),  # one tensor for two arguments
        (lambda x: None, _T, {}),
        (lambda x: 3, _T, {}),
        (lambda x: (x, 1), _T, {}),
        (lambda x: {"a": x}, _T, {}),
        (lambda x: {"a": x}, _T, {"strict": False}),
        (lambda x, y: x + y[0], (_T, [_T, _T]), {}),
        (lambda x, y: x + y["a"], (_T, {"a": _T}), {}),
        (lambda x: x * 2, _T, {"check_inputs": [(3,)]}),
        (lambda x: x * 2, _T, {"check_inputs": [(_T,)]}),
        (lambda: 3, (), {}),
    ],
)
def test_trace_checks_like_torch(fn, example, kw):
    outcome = {}
    for lib in (ng, torch):
        kwargs = {k: _build(lib, v) for k, v in kw.items()}
        try:
            traced = lib.jit.trace(fn, _build(lib, example), **kwargs)
            outcome[lib] = ("ok", type(traced).__name__)
        except Exception as e:  # noqa: BLE001 - compared with torch's
            words = str(e).split(".")[0].split()[:4]
            outcome[lib] = (type(e).__name__, words if type(e) is RuntimeError else None)
    assert outcome[ng] == outcome[torch]


def test_trace_module_errors_like_torch():
    for lib in (ng, torch):
        lin = lib.nn.Linear(2, 2)
        with pytest.raises(RuntimeError, match="example_kwarg_inputs should be a dict"):
            lib.jit.trace(lin)
        with pytest.raises(RuntimeError):  # the forward's own error
            lib.jit.trace(lin, lib.ones(1, 3))
        with pytest.raises(RuntimeError):
            lib.jit.trace(3, lib.ones(1))
        with pytest.raises(AttributeError, match="individual module's functions"):
            lib.jit.trace(lin.extra_repr, lib.ones(1))
    with pytest.warns(jit.TracerWarning, match="list at the output"):
        jit.trace(lambda x: [x, x], ng.ones(2))


class _Pair:
    def __init__(self, a: int):
        self.a = a


def test_script_refusals_like_torch():
    for lib in (ng, torch):
        with pytest.raises(RuntimeError):
            lib.jit.script(lambda x: x + 1)
        with pytest.raises(TypeError, match="is a built-in class"):
            lib.jit.script(3)
        with pytest.raises(TypeError, match="is a built-in class"):
            lib.jit.script(len)
        assert lib.jit.script(_Pair) is _Pair


# -- save / load -------------------------------------------------------------------------------


def _trained(net):
    x = ng.tensor(_x())
    net.train()
    net(x)  # updates the batch-norm statistics
    net[0].weight.requires_grad_(False)
    return net


def test_save_load_round_trip(tmp_path):
    net, _ = _pair()
    s = jit.script(_trained(net))
    s[3].eval()  # one submodule in eval mode
    s.register_buffer("step", ng.tensor(7), persistent=False)
    path = tmp_path / "my_mlp"
    s.save(str(path))
    m = jit.load(path)
    assert isinstance(m, jit.RecursiveScriptModule) and repr(m) == repr(s)
    assert list(m.state_dict()) == list(s.state_dict())
    for (k, v), (k2, v2) in zip(m.state_dict().items(), s.state_dict().items()):
        assert k == k2 and v.dtype == v2.dtype
        np.testing.assert_array_equal(v.numpy(), v2.numpy())
    assert [mod.training for mod in m.modules()] == [mod.training for mod in s.modules()]
    assert [p.requires_grad for p in m.parameters()] == [False, True, True, True, True, True]
    assert all(type(p) is ng.nn.Parameter for p in m.parameters())
    assert m.step.item() == 7 and "step" not in m.state_dict()
    x = ng.tensor(_x(5))
    s.eval(), m.eval()
    _close(m(x), s(x), tol=0)
    m.train()
    m(x).sum().backward()
    assert m[4].weight.grad is not None and m[0].weight.grad is None
    # the weights are in the file under their state-dict names
    import safetensors.numpy

    stored = safetensors.numpy.load_file(str(path))
    np.testing.assert_array_equal(stored["0.weight"], s[0].weight.numpy())
    assert set(s.state_dict()) <= set(stored)


def test_save_load_traced_streams_and_extra_files():
    lin = ng.nn.Linear(3, 2)
    t = jit.trace(lin, ng.ones(1, 3))
    buf = io.BytesIO()
    jit.save(t, buf, _extra_files={"meta.txt": "hello", "raw": b"\x00\xff"})
    extra = {"meta.txt": "", "raw": "", "missing": ""}
    m = jit.load(io.BytesIO(buf.getvalue()), map_location="cpu", _extra_files=extra)
    assert extra == {"meta.txt": b"hello", "raw": b"\x00\xff", "missing": b""}
    assert isinstance(m, jit.TopLevelTracedModule) and repr(m) == "Linear(original_name=Linear)"
    _close(m(ng.ones(2, 3)), lin(ng.ones(2, 3)), tol=0)
    # torch fills extra files the same way
    tbuf = io.BytesIO()
    torch.jit.save(torch.jit.script(torch.nn.Linear(3, 2)), tbuf, _extra_files={"raw": b"\x00"})
    tbuf.seek(0)
    textra = {"raw": "", "missing": ""}
    torch.jit.load(tbuf, _extra_files=textra)
    assert textra == {"raw": b"\x00", "missing": b""}


class _Custom(ng.nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = 3.0
        self.body = ng.nn.ModuleList([ng.nn.Linear(2, 2), ng.nn.Tanh()])
        self.register_buffer("offset", ng.ones(2))
        self.tied = self.body[0]  # the same submodule twice

    def forward(self, x):
        for layer in self.body:
            x = layer(x)
        return self.tied(x) * self.scale + self.offset


def test_save_load_a_user_module_keeps_sharing():
    s = jit.script(_Custom())
    buf = io.BytesIO()
    s.save(buf)
    m = jit.load(io.BytesIO(buf.getvalue()))
    assert m.tied is m.body[0] and m.tied.weight is m.body[0].weight
    assert list(m.state_dict()) == list(s.state_dict())
    x = ng.tensor(_x(0, (3, 2)))
    _close(m(x), s(x), tol=0)


def test_save_writes_atomically(tmp_path, monkeypatch):
    s = jit.script(ng.nn.Linear(2, 2))
    path = tmp_path / "model.pt"
    s.save(path)
    good = path.read_bytes()

    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(ser.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        jit.save(jit.script(ng.nn.Linear(3, 3)), path)
    assert path.read_bytes() == good
    assert os.listdir(tmp_path) == ["model.pt"]  # no temp file left behind
    monkeypatch.undo()
    s2 = jit.script(ng.nn.Linear(2, 2))
    s2.fn = lambda x: x  # does not pickle: nothing is written
    with pytest.raises(TypeError, match="does not pickle"):
        s2.save(tmp_path / "other.pt")
    assert os.listdir(tmp_path) == ["model.pt"]


def test_save_errors_like_torch(tmp_path):
    for lib in (ng, torch):
        with pytest.raises(AttributeError, match="has no attribute 'save'"):
            lib.jit.save(lib.nn.Linear(2, 2), tmp_path / "x.pt")
        with pytest.raises(RuntimeError, match="Parent directory .* does not exist"):
            lib.jit.save(lib.jit.script(lib.nn.Linear(2, 2)), str(tmp_path / "no" / "x.pt"))


def test_load_errors_like_torch(tmp_path):
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"hello")
    plain = tmp_path / "plain.pt"
    ng.save({"a": ng.ones(1)}, plain)
    for lib in (ng, torch):
        with pytest.raises(ValueError, match="does not exist"):
            lib.jit.load(tmp_path / "missing.pt")
        with pytest.raises(ValueError, match="is a directory"):
            lib.jit.load(tmp_path)
        with pytest.raises(RuntimeError):
            lib.jit.load(garbage)
        with pytest.raises(ValueError, match="map_location should be either None, string or"):
            lib.jit.load(garbage, map_location={"cpu": "cpu"})
    with pytest.raises(RuntimeError, match="nablagrad.load"):
        jit.load(plain)


def _double(x):
    return 2 * x


def test_load_refuses_unknown_globals_unless_allowed():
    s = jit.script(ng.nn.Linear(2, 2))
    s.act = _double  # a function attribute: allowed only on request
    buf = io.BytesIO()
    s.save(buf)
    with pytest.raises(pickle.UnpicklingError, match="_double"):
        jit.load(io.BytesIO(buf.getvalue()))
    with ser.safe_globals([_double]):
        m = jit.load(io.BytesIO(buf.getvalue()))
    assert m.act is _double


def test_save_load_script_function(tmp_path):
    jit.script(_mul).save(tmp_path / "f.pt")
    f = jit.load(tmp_path / "f.pt")
    assert isinstance(f, jit.ScriptFunction) and f(ng.ones(1), ng.ones(1)).item() == 2.0
    with pytest.raises(TypeError, match="module-level function"):

        def local(x):
            return x

        jit.script(local).save(tmp_path / "g.pt")


# -- freeze, helpers -----------------------------------------------------------------------------


def test_freeze_and_optimize_for_inference_like_torch():
    net, tnet = _pair()
    x = _x()
    for lib, n in ((ng, net), (torch, tnet)):
        with pytest.raises(RuntimeError, match="Freezing expects a ScriptModule"):
            lib.jit.freeze(n)
        with pytest.raises(RuntimeError, match="only implemented for modules in eval mode"):
            lib.jit.freeze(lib.jit.script(n))
        with pytest.raises(RuntimeError, match="optimize_for_inference expects a ScriptModule"):
            lib.jit.optimize_for_inference(n)
    s, ts = jit.script(net.eval()), torch.jit.script(tnet.eval())
    f, tf = jit.freeze(s), torch.jit.freeze(ts)
    assert list(f.parameters()) == list(tf.parameters()) == []
    assert dict(f.state_dict()) == dict(tf.state_dict()) == {}
    assert [n for n, _ in f.named_modules()] == [n for n, _ in tf.named_modules()] == [""]
    out, tout = f(ng.tensor(x)), tf(torch.tensor(x))
    _close(out, tout)
    assert out.requires_grad is tout.requires_grad is False
    with ng.no_grad():
        net[0].weight.zero_()  # a frozen copy keeps its constants
    _close(f(ng.tensor(x)), tout)
    o = jit.optimize_for_inference(jit.script(net.train()))
    assert o.training is False and list(o.parameters()) == []
    assert jit.optimize_for_inference(o) is o


def test_fork_wait_future_like_torch():
    a = _x(0, (3,))
    for lib in (ng, torch):
        fut = lib.jit.fork(lib.add, lib.tensor(a), 1)
        assert fut.done() and (lib is torch or isinstance(fut, lib.jit.Future))
        np.testing.assert_array_equal(lib.jit.wait(fut).numpy(), a + 1)
        np.testing.assert_array_equal(fut.wait().numpy(), a + 1)
        with pytest.raises(ValueError, match="boom"):  # raised at fork, not at wait
            lib.jit.fork(lambda: (_ for _ in ()).throw(ValueError("boom")))
        with pytest.raises(TypeError):
            lib.jit.fork(3)
        with pytest.raises(TypeError):
            lib.jit.wait(3)
        f2 = lib.jit.Future()
        assert not f2.done()
        chained = f2.then(lambda f: f.value() * 2)
        f2.set_result(4)
        assert chained.wait() == 8


def test_small_helpers_like_torch():
    assert jit.Final is torch.jit.Final is typing.Final
    for lib in (ng, torch):
        assert lib.jit.annotate(list[int], []) == []
        assert lib.jit.is_scripting() is False and lib.jit.is_tracing() is False
        with pytest.warns(DeprecationWarning, match="`torch.jit.script` is deprecated"):
            lib.jit.script(lib.nn.ReLU())
    assert issubclass(jit.Error, Exception) and not issubclass(jit.Error, RuntimeError)


# -- the Dive into Deep Learning section "computational-performance/hybridize" --------------------

HYBRIDIZE = """
import time
import torch
from torch import nn

# Factory for networks
def get_net():
    net = nn.Sequential(nn.Linear(512, 256),
            nn.ReLU(),
            nn.Linear(256, 128),
            nn.ReLU(),
            nn.Linear(128, 2))
    return net

x = torch.randn(size=(1, 512))
net = get_net()
net(x)

net = torch.jit.script(net)
net(x)

class Benchmark:
    \"\"\"For measuring running time.\"\"\"
    def __init__(self, description='Done'):
        self.description = description

    def __enter__(self):
        self.start = time.time()
        return self

    def __exit__(self, *args):
        print(f'{self.description}: {time.time() - self.start:.4f} sec')

net = get_net()
with Benchmark('Without torchscript'):
    for i in range(N): net(x)

net = torch.jit.script(net)
with Benchmark('With torchscript'):
    for i in range(N): net(x)

net.save('my_mlp')
"""


def test_d2l_hybridize_section_runs_unchanged(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    scope = {"N": 20}
    with ng.alias.torch_alias():
        exec(compile(HYBRIDIZE, "hybridize.py", "exec"), scope)  # noqa: S102 - the book's code
        net = scope["net"]
        assert isinstance(net, ng.jit.ScriptModule)
        loaded = ng.jit.load("my_mlp")
    printed = capsys.readouterr().out
    assert "Without torchscript:" in printed and "With torchscript:" in printed
    x = scope["x"]
    _close(loaded(x), net(x), tol=0)
    assert tuple(net(x).shape) == (1, 2)
