"""``nablagrad.utils.checkpoint`` against ``torch.utils.checkpoint``: values and gradients equal
the unchecked function's and torch's, the recomputation in backward, the random state replayed
for dropout, keyword and non-tensor arguments, and torch's warnings and errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.utils.checkpoint as tcp

import nablagrad as ng
import nablagrad.utils.checkpoint as ncp

X = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
LIBS = [(ng, ncp), (torch, tcp)]


def _net(L):
    """The same small network in both libraries (torch's initial weights copied)."""
    torch.manual_seed(0)
    t = torch.nn.Sequential(
        torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 5), torch.nn.Linear(5, 2)
    )
    if L is torch:
        return t
    n = ng.nn.Sequential(ng.nn.Linear(4, 5), ng.nn.Tanh(), ng.nn.Linear(5, 5), ng.nn.Linear(5, 2))
    with ng.no_grad():
        for p, q in zip(n.parameters(), t.parameters()):
            p.copy_(ng.tensor(q.detach().numpy()))
    return n


def _grads(net, x):
    return [x.grad.numpy().copy()] + [p.grad.numpy().copy() for p in net.parameters()]


def _run(L, cp, reentrant, checkpointed=True, x_grad=True):
    net = _net(L)
    x = L.tensor(X, requires_grad=x_grad)
    if checkpointed:
        y = cp.checkpoint(net, x, use_reentrant=reentrant)
    else:
        y = net(x)
    (y**2).sum().backward()
    grads = [p.grad.numpy().copy() for p in net.parameters()]
    return y.detach().numpy(), ([x.grad.numpy().copy()] if x_grad else []) + grads


@pytest.mark.parametrize("reentrant", [True, False])
def test_values_and_gradients_match_torch_and_the_unchecked_model(reentrant):
    y, grads = _run(ng, ncp, reentrant)
    ty, tgrads = _run(torch, tcp, reentrant)
    uy, ugrads = _run(ng, ncp, reentrant, checkpointed=False)
    np.testing.assert_allclose(y, ty, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(y, uy, rtol=0, atol=0)
    for g, tg, ug in zip(grads, tgrads, ugrads):
        np.testing.assert_allclose(g, tg, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(g, ug, rtol=1e-6, atol=1e-7)


def test_forward_keeps_no_intermediate_graph_and_backward_recomputes():
    net = _net(ng)
    calls = []

    def f(x):
        calls.append(1)
        return net(x)

    x = ng.tensor(X, requires_grad=True)
    y = ncp.checkpoint(f, x, use_reentrant=False)
    # one node whose inputs are the outside tensors (x and the six parameters), not the layers
    nodes = [n for n, _ in y.grad_fn.next_functions]
    assert len(nodes) == 7 and all(type(n).__name__ == "AccumulateGrad" for n in nodes)
    assert {id(n.variable) for n in nodes} == {id(x)} | {id(p) for p in net.parameters()}
    assert len(calls) == 1
    y.sum().backward()
    assert len(calls) == 2  # backward ran the function again
    # reentrant: the node's inputs are the arguments only
    y = ncp.checkpoint(f, x, use_reentrant=True)
    assert [n.variable for n, _ in y.grad_fn.next_functions if n is not None] == [x]


@pytest.mark.parametrize("reentrant", [True, False])
def test_inputs_that_do_not_require_grad(reentrant):
    # torch: non-reentrant still reaches the parameters; reentrant warns and records nothing
    for L, cp in LIBS:
        net = _net(L)
        x = L.tensor(X)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            y = cp.checkpoint(net, x, use_reentrant=reentrant)
        msgs = [str(m.message) for m in w]
        if reentrant:
            assert msgs == ["None of the inputs have requires_grad=True. Gradients will be None"]
            assert not y.requires_grad
            with pytest.raises(RuntimeError, match="does not require grad"):
                y.sum().backward()
        else:
            assert msgs == []
            y.sum().backward()
            assert net[0].weight.grad is not None
    _, grads = _run(ng, ncp, False, x_grad=False)
    _, tgrads = _run(torch, tcp, False, x_grad=False)
    for g, tg in zip(grads, tgrads):
        np.testing.assert_allclose(g, tg, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("reentrant", [True, False])
@pytest.mark.parametrize("preserve", [True, False])
def test_dropout_replays_the_random_state(reentrant, preserve):
    # torch's streams differ from nablagrad's, so each checkpointed run is compared with the
    # unchecked run from the same seed (which checkpoint matches only with preserve_rng_state)
    drop = ng.nn.Dropout(0.5)
    w = ng.tensor(np.linspace(-1, 1, 20, dtype=np.float32).reshape(4, 5), requires_grad=True)

    def f(x):
        return drop(x @ w) * 3

    def run(checkpointed):
        ng.manual_seed(7)
        w.grad = None
        x = ng.tensor(X, requires_grad=True)
        if checkpointed:
            y = ncp.checkpoint(f, x, use_reentrant=reentrant, preserve_rng_state=preserve)
        else:
            y = f(x)
        ng.rand(5)  # the caller draws between forward and backward
        (y * ng.arange(5.0)).sum().backward()
        return y.detach().numpy(), x.grad.numpy(), w.grad.numpy()

    got, want = run(True), run(False)
    np.testing.assert_array_equal(got[0], want[0])
    if preserve:
        for a, b in zip(got[1:], want[1:]):
            np.testing.assert_allclose(a, b, rtol=1e-6)
    else:  # the recomputation drew another mask
        assert not np.allclose(got[2], want[2])
    if not preserve:
        return  # the recomputation's draws advance the caller's stream (as in torch)
    # the replay leaves the caller's stream where the unchecked run leaves it
    x = ng.tensor(X, requires_grad=True)
    ng.manual_seed(3)
    ncp.checkpoint(f, x, use_reentrant=reentrant, preserve_rng_state=preserve).sum().backward()
    after = ng.rand(3).numpy()
    ng.manual_seed(3)
    f(x).sum().backward()
    np.testing.assert_array_equal(after, ng.rand(3).numpy())


def _keyword_run(L, cp):
    net = _net(L)
    x = L.tensor(X, requires_grad=True)

    def f(a, k, flag=None, scale=1.0):
        assert flag == "on"
        return net(a) * k * scale, k, a.shape[0]

    y, k, n = cp.checkpoint(f, x, 2, flag="on", scale=3.0, use_reentrant=False)
    assert (k, n) == (2, 3)
    y.sum().backward()
    z = cp.checkpoint(lambda a, k: net(a) * k, x, 0.5, use_reentrant=True)
    z.sum().backward()
    with pytest.raises(ValueError, match="Unexpected keyword arguments: scale"):
        cp.checkpoint(f, x, 2, scale=3.0, use_reentrant=True)
    return _grads(net, x)


def test_keyword_and_non_tensor_arguments():
    # non-reentrant takes kwargs; both take non-tensor positional arguments
    for g, tg in zip(_keyword_run(ng, ncp), _keyword_run(torch, tcp)):
        np.testing.assert_allclose(g, tg, rtol=1e-5, atol=1e-6)


def test_several_outputs_and_nested_structures():
    for L, cp in LIBS:
        x = L.tensor(X, requires_grad=True)
        y = cp.checkpoint(
            lambda a: {"s": a.sin(), "pair": (a * 2, a.argmax(1))}, x, use_reentrant=False
        )
        assert y["pair"][1].dtype == L.int64 and not y["pair"][1].requires_grad
        (y["s"].sum() + y["pair"][0].pow(2).sum()).backward()
        np.testing.assert_allclose(x.grad.numpy(), np.cos(X) + 8 * X, rtol=1e-5)


@pytest.mark.parametrize("L, cp", LIBS)
def test_autograd_grad_and_create_graph(L, cp):
    x = L.tensor(X, requires_grad=True)
    y = cp.checkpoint(lambda a: a**3, x, use_reentrant=False)
    (g,) = L.autograd.grad(y.sum(), x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), 3 * X**2, rtol=1e-5)
    (h,) = L.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), 6 * X, rtol=1e-5)
    y = cp.checkpoint(lambda a: a**3, x, use_reentrant=True)
    match = "use_reentrant=True, torch.utils.checkpoint"
    with pytest.raises(RuntimeError, match=match):
        L.autograd.grad(y.sum(), x)
    with pytest.raises(RuntimeError, match=match):
        y.sum().backward(inputs=[x])


@pytest.mark.parametrize("L, cp", LIBS)
def test_hooks_of_outside_tensors_run_once(L, cp):
    # x reaches the function twice: as the argument (through h) and captured
    x = L.tensor(X, requires_grad=True)
    h = x * 1
    seen = []
    h.register_hook(lambda g: seen.append(1))
    x.register_hook(lambda g: seen.append(2))
    cp.checkpoint(lambda a: (a * x).sin(), h, use_reentrant=False).sum().backward()
    assert sorted(seen) == [1, 2]  # a leaf's hook sees its summed gradient
    np.testing.assert_allclose(x.grad.numpy(), 2 * X * np.cos(X * X), rtol=1e-5)


def test_use_reentrant_must_be_passed_warning():
    for L, cp in LIBS:
        x = L.tensor(X, requires_grad=True)
        with pytest.warns(UserWarning, match="use_reentrant parameter should be passed"):
            y = cp.checkpoint(lambda a: a * 2, x)
        assert type(y.grad_fn).__name__ == "CheckpointFunctionBackward"  # the reentrant node
        with pytest.warns(UserWarning, match="use_reentrant parameter should be passed"):
            cp.checkpoint_sequential([lambda a: a * 2], 1, x)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            cp.checkpoint(lambda a: a * 2, x, use_reentrant=False)


def test_argument_errors_like_torch():
    for L, cp in LIBS:
        x = L.tensor(X, requires_grad=True)
        with pytest.raises(ValueError, match="context_fn. or .debug. is only supported"):
            cp.checkpoint(lambda a: a, x, use_reentrant=True, debug=True)
        with pytest.raises(ZeroDivisionError):
            cp.checkpoint_sequential([lambda a: a], 0, x, use_reentrant=False)
        with pytest.raises(ValueError):
            cp.checkpoint_sequential([lambda a: a], 3, x, use_reentrant=False)
        with pytest.raises(ValueError, match="Unexpected keyword arguments: foo"):
            cp.checkpoint_sequential([lambda a: a], 1, x, use_reentrant=False, foo=1)


def test_recomputation_that_changes_shape_raises():
    calls = []

    def f(a):
        calls.append(1)
        return a[: len(calls) + 1] * 2

    y = ncp.checkpoint(f, ng.tensor(X, requires_grad=True), use_reentrant=False)
    with pytest.raises(ncp.CheckpointError, match="determinism_check='none'"):
        y.sum().backward()


@pytest.mark.parametrize("reentrant", [True, False])
@pytest.mark.parametrize("segments", [1, 2, 3, 4])
def test_checkpoint_sequential_matches_torch(reentrant, segments):
    out = {}
    for L, cp in LIBS:
        net = _net(L)
        x = L.tensor(X, requires_grad=True)
        y = cp.checkpoint_sequential(net, segments, x, use_reentrant=reentrant)
        (y**2).sum().backward()
        out[L] = [y.detach().numpy()] + _grads(net, x)
    for a, b in zip(out[ng], out[torch]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
