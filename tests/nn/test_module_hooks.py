"""Module hooks against torch: backward pre-hooks, the deprecated backward hook, state-dict
hooks and the global ``torch.nn.modules.module.register_module_*`` hooks.

Each test runs the same code with torch and nablagrad in a loop; the hooks run within their
iteration, so binding ``log`` late is intended."""

# ruff: noqa: B023

import warnings

import numpy as np
import pytest
import torch

import nablagrad as ng


def _shapes(grads):
    return [None if g is None else tuple(g.shape) for g in grads]


def _linear(lib):
    m = lib.nn.Linear(3, 2)
    with lib.no_grad():
        m.weight.copy_(lib.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]]))
        m.bias.fill_(0.5)
    return m


def test_full_backward_pre_hook_replaces_grad_output():
    def run(lib):
        m, log = _linear(lib), []
        m.register_full_backward_pre_hook(lambda mod, go: log.append(("pre1", _shapes(go))))
        m.register_full_backward_pre_hook(lambda mod, go: (go[0] * 2,))
        m.register_full_backward_pre_hook(
            lambda mod, go: log.append(("pre0", go[0].sum().item())), prepend=True
        )
        m.register_full_backward_hook(
            lambda mod, gi, go: log.append(("full", _shapes(gi), go[0].sum().item()))
        )
        x = lib.ones(4, 3, requires_grad=True)
        m(x).sum().backward()
        return log, x.grad.numpy().copy(), m.weight.grad.numpy().copy()

    (tlog, tx, tw), (nlog, nx, nw) = run(torch), run(ng)
    assert nlog == tlog == [("pre0", 8.0), ("pre1", [(4, 2)]), ("full", [(4, 3)], 16.0)]
    np.testing.assert_allclose(nx, tx)
    np.testing.assert_allclose(nw, tw)


def test_full_backward_pre_hook_wrong_count_and_no_input_grad():
    for lib in (torch, ng):
        m = _linear(lib)
        m.register_full_backward_pre_hook(lambda mod, go: (go[0], go[0]))
        with pytest.raises(RuntimeError, match="invalid number of grad_output, got 2"):
            m(lib.ones(1, 3, requires_grad=True)).sum().backward()
    res = []
    for lib in (torch, ng):  # no input needs a gradient: parameters get the replaced one
        m, log = _linear(lib), []
        h = m.register_full_backward_pre_hook(lambda mod, go: (go[0] * 3,))
        m.register_full_backward_hook(lambda mod, gi, go: log.append((gi, _shapes(go))))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m(lib.ones(2, 3)).sum().backward()
        h.remove()
        m(lib.ones(2, 3)).sum().backward()
        res.append((log, m.bias.grad.numpy().tolist()))
    assert res[0] == res[1] == ([((None,), [(2, 2)]), ((None,), [(2, 2)])], [8.0, 8.0])


def test_deprecated_backward_hook():
    res = []
    for lib in (torch, ng):
        m, log = lib.nn.ReLU(), []
        m.register_backward_hook(lambda mod, gi, go: log.append((_shapes(gi), _shapes(go))))
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            y = m(lib.ones(3, requires_grad=True))  # leaf input: torch warns
            y2 = m(lib.ones(3, requires_grad=True) * 2)  # one op on a non-leaf: no warning
        (y.sum() + y2.sum()).backward()
        msgs = [(x.category, "non-full backward hook" in str(x.message)) for x in w]
        with pytest.raises(RuntimeError, match="Cannot use both regular backward hooks"):
            m.register_full_backward_hook(lambda *a: None)
        m2 = lib.nn.ReLU()
        m2.register_full_backward_hook(lambda *a: None)
        with pytest.raises(RuntimeError, match="Cannot use both regular backward hooks"):
            m2.register_backward_hook(lambda *a: None)
        res.append((log, msgs))
    assert res[0] == res[1]
    assert res[0][1] == [(FutureWarning, True)]


def test_state_dict_hooks():
    res = []
    for lib in (torch, ng):
        m, log = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.ReLU()), []
        m.register_state_dict_pre_hook(lambda mod, p, kv: log.append(("pre", p, kv)))
        m[0].register_state_dict_pre_hook(lambda mod, p, kv: log.append(("pre0", p, kv)))

        def post(mod, sd, prefix, meta):
            log.append(("post", prefix, list(sd), meta))
            sd.pop(prefix + "bias", None)

        h = m[0].register_state_dict_post_hook(post)
        m.register_state_dict_post_hook(lambda mod, sd, p, meta: log.append(("root", list(sd))))
        keys = list(m.state_dict(keep_vars=True))
        h.remove()
        keys2 = list(m.state_dict())
        bad = m.register_state_dict_post_hook(lambda mod, sd, p, meta: {})
        with pytest.raises(RuntimeError, match="state_dict post-hook must return None"):
            m.state_dict()
        bad.remove()
        m._register_state_dict_hook(lambda mod, sd, p, meta: {"only": 1})
        res.append((log, keys, keys2, list(m.state_dict())))
    assert res[0] == res[1]
    assert res[0][1] == ["0.weight"]


def test_load_state_dict_hooks():
    res = []
    for lib in (torch, ng):
        m, log = lib.nn.Sequential(lib.nn.Linear(2, 2)), []
        sd = {k: v.clone() for k, v in m.state_dict().items()}
        sd["0.old_bias"] = sd.pop("0.bias") + 1

        def pre(mod, sd, prefix, meta, strict, missing, unexpected, errors):
            log.append(("pre", type(mod).__name__, prefix, sorted(sd), strict))
            if prefix + "old_bias" in sd:
                sd[prefix + "bias"] = sd.pop(prefix + "old_bias")

        def post(mod, keys):
            log.append(("post", type(mod).__name__, list(keys.missing_keys)))

        m[0].register_load_state_dict_pre_hook(pre)
        m.register_load_state_dict_pre_hook(pre)
        m[0].register_load_state_dict_post_hook(post)
        h = m.register_load_state_dict_post_hook(post)
        out = m.load_state_dict(sd)
        renamed = np.allclose(m[0].bias.detach().numpy(), sd["0.old_bias"].numpy())
        res.append((log, repr(out), renamed, sorted(sd)))  # the caller's dict is not changed
        h.remove()
        # a post-hook clearing the keys turns a strict failure into success
        m.register_load_state_dict_post_hook(lambda mod, keys: keys.missing_keys.clear())
        out = m.load_state_dict({"0.weight": sd["0.weight"]})
        res.append((repr(out), out.missing_keys))
        m.register_load_state_dict_post_hook(lambda mod, keys: keys.unexpected_keys.append("x"))
        with pytest.raises(RuntimeError, match="x"):
            m.load_state_dict({"0.weight": sd["0.weight"]})
        m2 = lib.nn.Linear(2, 2)
        m2.register_load_state_dict_post_hook(lambda mod, keys: 1)
        with pytest.raises(AssertionError, match="not expected to return new values"):
            m2.load_state_dict(m2.state_dict())
        m3 = lib.nn.Linear(2, 2)
        m3.register_load_state_dict_pre_hook(lambda mod, sd, *r: r[-1].append("from hook"))
        with pytest.raises(RuntimeError, match="from hook"):
            m3.load_state_dict(m3.state_dict())
    assert res[0] == res[2] and res[1] == res[3]
    assert res[1] == ("<All keys matched successfully>", [])


def test_global_module_hooks():
    res = []
    for lib in (torch, ng):
        mm, log = lib.nn.modules.module, []
        m = _linear(lib)
        m.register_forward_pre_hook(lambda mod, a: log.append("own pre"))
        m.register_forward_hook(lambda mod, a, o: log.append("own fwd"))
        m.register_full_backward_hook(lambda mod, gi, go: log.append("own bw"))
        handles = [
            mm.register_module_forward_pre_hook(lambda mod, a: (a[0] * 2,)),
            mm.register_module_forward_hook(lambda mod, a, o: log.append(("g fwd", o.shape))),
            mm.register_module_forward_hook(
                lambda mod, a, k, o: log.append(("g kw", k)), with_kwargs=True
            ),
            mm.register_module_full_backward_hook(
                lambda mod, gi, go: log.append(("g bw", type(mod).__name__, _shapes(gi)))
            ),
        ]
        try:
            x = lib.ones(1, 3, requires_grad=True)
            y = lib.nn.ReLU()(m(x))
            y.sum().backward()
            log.append(y.detach().numpy().tolist())
        finally:
            for h in handles:
                h.remove()
        m(x)
        res.append(log)
    assert res[0] == res[1]
    assert res[0][:3] == ["own pre", ("g fwd", (1, 2)), ("g kw", {})]
