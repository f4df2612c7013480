"""Run-time pieces PyTorch scripts use, against torch: anomaly detection, ``Variable``,
``compile``, deterministic-algorithm flags, ``torch.backends``, ``torch.special``,
``torch.testing.assert_close`` and the stream data sets / weighted sampler of utils.data."""

import numpy as np
import pytest
import torch
import torch.utils.data as tdata

import nablagrad as ng
import nablagrad.utils.data as ndata


def test_detect_anomaly_names_the_node_like_torch():
    for lib in (ng, torch):
        x = lib.tensor([-1.0, 4.0], requires_grad=True)
        with lib.autograd.detect_anomaly():
            assert lib.is_anomaly_enabled()
            with pytest.raises(
                RuntimeError, match=r"Function 'Sqrt\w*' returned nan values in its 0th output"
            ):
                x.sqrt().sum().backward()
        assert not lib.is_anomaly_enabled()
        x.sqrt().sum().backward()  # outside: NaN gradients pass silently, as in torch
        assert np.isnan(x.grad[0].item())


def test_variable_is_a_detached_tensor_like_torch():
    x = ng.ones(2, requires_grad=True) * 2
    v = ng.autograd.Variable(x)
    assert v is not x and not v.requires_grad and v.grad_fn is None
    w = ng.autograd.Variable(ng.ones(2), requires_grad=True)
    assert w.requires_grad and w.is_leaf
    with pytest.raises(TypeError, match="has to be a tensor"):
        ng.autograd.Variable([1.0])


def test_compile_and_flags():
    net = ng.nn.Linear(2, 1)
    assert ng.compile(net) is net
    assert ng.compile(mode="reduce-overhead")(net) is net
    assert not ng.are_deterministic_algorithms_enabled()
    ng.use_deterministic_algorithms(True, warn_only=True)
    assert ng.are_deterministic_algorithms_enabled()
    assert ng.is_deterministic_algorithms_warn_only_enabled()
    ng.use_deterministic_algorithms(False)
    with pytest.raises(RuntimeError, match="expects a bool"):
        ng.use_deterministic_algorithms("yes")
    ng.backends.cudnn.benchmark = True
    assert ng.backends.cudnn.benchmark and not ng.backends.cudnn.is_available()
    assert ng.backends.mps.is_available() is torch.backends.mps.is_available() is False


X = np.array([-2.5, -0.3, 0.0, 0.4, 1.7, 3.0])


@pytest.mark.parametrize(
    "name,x",
    [
        ("expit", X), ("ndtr", X), ("log_ndtr", X), ("entr", np.abs(X) + 0.1), ("gammaln", X + 3.1),
        ("digamma", X + 3.1), ("psi", X + 3.1), ("sinc", X), ("erf", X), ("erfc", X),
        ("erfinv", X / 3.1), ("ndtri", np.array([0.05, 0.3, 0.5, 0.9])),
        ("logit", np.abs(X) / 3.1 + 0.01),
        ("log1p", np.abs(X)), ("expm1", X), ("exp2", X), ("round", X),
    ],
)  # fmt: skip
def test_special_matches_torch(name, x):
    a = ng.tensor(x, requires_grad=True)
    b = torch.tensor(x, requires_grad=True)
    ya, yb = getattr(ng.special, name)(a), getattr(torch.special, name)(b)
    np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=1e-10, atol=1e-12)
    if name != "round":
        w = np.linspace(0.5, 1.5, len(x))
        (ya * ng.tensor(w)).sum().backward()
        (yb * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_entr_values_at_zero_and_below_like_torch():
    x = np.array([-1.0, 0.0, 0.5])
    np.testing.assert_array_equal(
        ng.special.entr(ng.tensor(x)).numpy(), torch.special.entr(torch.tensor(x)).numpy()
    )


def test_special_two_argument_and_softmax():
    x, y = np.array([0.0, 1.0, 2.0, 0.0]), np.array([-1.0, 0.5, 1.0, 3.0])
    np.testing.assert_allclose(
        ng.special.xlog1py(ng.tensor(x), ng.tensor(y)).numpy(),
        torch.special.xlog1py(torch.tensor(x), torch.tensor(y)).numpy(),
    )
    np.testing.assert_allclose(
        ng.special.xlogy(ng.tensor(x), ng.tensor(y + 2)).numpy(),
        torch.special.xlogy(torch.tensor(x), torch.tensor(y + 2)).numpy(),
    )
    z = np.arange(6.0).reshape(2, 3)
    for f in ("softmax", "log_softmax"):
        np.testing.assert_allclose(
            getattr(ng.special, f)(ng.tensor(z), 1, dtype=ng.float32).numpy(),
            getattr(torch.special, f)(torch.tensor(z), 1, dtype=torch.float32).numpy(),
            rtol=1e-6,
        )


def _message(lib, a, b, **kw):
    with pytest.raises(AssertionError) as info:
        lib.testing.assert_close(a, b, **kw)
    return str(info.value).replace("nablagrad.", "torch.")


@pytest.mark.parametrize(
    "a,b,kw",
    [
        ([1.0, 2.0, 3.0], [1.0, 2.0, 3.1], {}),
        ([1.0, 2.0, 3.0], [1.5, 2.0, 3.1], {"rtol": 0.0, "atol": 0.2}),
        ([[0.0, 1.0]], [[0.0, 1.0 + 1e-4]], {}),
    ],
)
def test_assert_close_message_matches_torch(a, b, kw):
    mine = _message(ng, ng.tensor(a), ng.tensor(b), **kw)
    theirs = _message(torch, torch.tensor(a), torch.tensor(b), **kw)
    head = lambda s: s.split("Greatest")[0]  # noqa: E731 - float text of the maxima differs
    assert head(mine) == head(theirs)


def test_assert_close_checks_like_torch():
    ng.testing.assert_close(ng.tensor([1.0, 2.0]), ng.tensor([1.0, 2.0 + 1e-6]))
    ng.testing.assert_close({"a": [ng.ones(2)]}, {"a": [ng.ones(2)]})
    ng.testing.assert_close(ng.tensor([float("nan")]), ng.tensor([float("nan")]), equal_nan=True)
    for a, b in [
        (ng.ones(3), ng.ones(2)),
        (ng.ones(3), ng.ones(3, dtype=ng.float64)),
        (ng.tensor([float("nan")]), ng.tensor([float("nan")])),
        ([ng.ones(1)], [ng.ones(1), ng.ones(1)]),
    ]:
        with pytest.raises(AssertionError):
            ng.testing.assert_close(a, b)
    ng.testing.assert_close(ng.ones(3), ng.ones(3, dtype=ng.float64), check_dtype=False)
    with pytest.raises(ValueError, match="Both 'rtol' and 'atol'"):
        ng.testing.assert_close(ng.ones(1), ng.ones(1), rtol=0.1)


class _Stream:
    def __init__(self, lib, n):
        self.lib, self.n = lib, n

    def __iter__(self):
        return iter([self.lib.tensor([float(i), i + 0.5]) for i in range(self.n)])

    def __len__(self):
        return self.n


def _stream(lib, n):
    base = ndata.IterableDataset if lib is ng else tdata.IterableDataset
    cls = type("Stream", (_Stream, base), {})
    return cls(lib, n)


@pytest.mark.parametrize(
    "kw", [{"batch_size": 2}, {"batch_size": 2, "drop_last": True}, {"batch_size": None}]
)
def test_iterable_dataset_loader_matches_torch(kw):
    mine = ndata.DataLoader(_stream(ng, 5), **kw)
    theirs = tdata.DataLoader(_stream(torch, 5), **kw)
    assert [b.tolist() for b in mine] == [b.tolist() for b in theirs]
    assert len(mine) == len(theirs)
    chained = list(_stream(ng, 2) + _stream(ng, 3))
    assert [c.tolist() for c in chained] == [
        c.tolist() for c in _stream(torch, 2) + _stream(torch, 3)
    ]
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        ndata.DataLoader(_stream(ng, 2), shuffle=True)


def test_stack_dataset_and_worker_info_like_torch():
    for lib in (ndata, tdata):
        assert lib.StackDataset([1, 2], [3, 4])[1] == (2, 4)
        assert lib.StackDataset(x=[1, 2], y=[3, 4])[0] == {"x": 1, "y": 3}
        with pytest.raises(ValueError, match="Size mismatch"):
            lib.StackDataset([1], [1, 2])
        assert lib.get_worker_info() is None


def test_weighted_random_sampler_follows_the_weights():
    g = ng.Generator().manual_seed(0)
    s = ndata.WeightedRandomSampler([1.0, 0.0, 3.0], 4000, generator=g)
    counts = np.bincount(list(s), minlength=3)
    assert len(s) == 4000 and counts[1] == 0 and 2.6 < counts[2] / counts[0] < 3.4
    no_repl = list(ndata.WeightedRandomSampler([1.0, 1.0, 1.0, 1.0], 4, replacement=False))
    assert sorted(no_repl) == [0, 1, 2, 3]
    for bad in (dict(weights=[1.0], num_samples=0), dict(weights=[[1.0]], num_samples=1)):
        with pytest.raises(ValueError):
            ndata.WeightedRandomSampler(**bad)
    # as torch: a zero weight is drawn last without replacement, and too many draws raise
    # when iterating (torch.multinomial's check), not at construction
    assert list(ndata.WeightedRandomSampler([1.0, 0.0], 2, replacement=False)) == [0, 1]
    too_many = ndata.WeightedRandomSampler([1.0, 0.0], 3, replacement=False)
    with pytest.raises(RuntimeError, match="without replacement"):
        list(too_many)
