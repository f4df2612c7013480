"""Module API: registration, traversal, modes, state_dict round trips, errors, containers,
init and nn.utils."""

import copy
import math
import pickle
import signal
import warnings
from contextlib import nullcontext

import numpy as np
import pytest
import torch

import nablagrad as ng
from nablagrad import nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(2, 3, 3)
        )
        self.bn = nn.BatchNorm1d(3)
        self.head = nn.Linear(3, 2)
        self.scale = nn.Parameter(ng.ones(1))
        self.register_buffer("steps", ng.zeros(1))
        self.plain = 5

    def forward(self, x):
        return self.head(self.bn(self.features(x).mean((2, 3)))) * self.scale


class TorchBlock(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.features = torch.nn.Sequential(
            torch.nn.Conv2d(1, 2, 3),
            torch.nn.ReLU(),
            torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(2, 3, 3),
        )
        self.bn = torch.nn.BatchNorm1d(3)
        self.head = torch.nn.Linear(3, 2)
        self.scale = torch.nn.Parameter(torch.ones(1))
        self.register_buffer("steps", torch.zeros(1))

    def forward(self, x):
        return self.head(self.bn(self.features(x).mean((2, 3)))) * self.scale


def test_registration_and_traversal_match_torch():
    m, t = Block(), TorchBlock()
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert list(m.state_dict()) == list(t.state_dict())
    assert [n for n, _ in m.named_modules()] == [n for n, _ in t.named_modules()]
    assert [n for n, _ in m.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert len(list(m.children())) == 3 and "plain" not in m._parameters
    assert isinstance(m.features[0].weight, nn.Parameter)
    assert all(p.requires_grad for p in m.parameters())


def test_state_dict_round_trip_with_torch_and_same_outputs():
    m, t = Block(), TorchBlock()
    t.train()
    x = np.random.default_rng(0).standard_normal((4, 1, 8, 8)).astype(np.float32)
    t(torch.from_numpy(x))  # move BN running stats away from their init
    m.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    m.eval()
    t.eval()
    np.testing.assert_allclose(
        m(ng.tensor(x)).numpy(force=True),
        t(torch.from_numpy(x)).detach().numpy(),
        rtol=1e-5,
        atol=1e-6,
    )
    t2 = TorchBlock()
    t2.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in m.state_dict().items()})
    for k, v in t2.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), t.state_dict()[k].numpy())


def test_load_state_dict_errors_list_keys():
    m = Block()
    sd = {k: v.numpy() for k, v in m.state_dict().items()}
    bad = dict(sd)
    del bad["head.bias"]
    bad["extra.weight"] = np.zeros(1)
    bad["features.0.weight"] = np.zeros((2, 1, 5, 5), np.float32)
    with pytest.raises(RuntimeError) as e:
        m.load_state_dict(bad)
    msg = str(e.value)
    assert "head.bias" in msg and "extra.weight" in msg and "features.0.weight" in msg
    assert "(2, 1, 5, 5)" in msg and "(2, 1, 3, 3)" in msg
    bad["features.0.weight"] = sd["features.0.weight"]
    res = m.load_state_dict(bad, strict=False)
    assert res.missing_keys == ["head.bias"] and res.unexpected_keys == ["extra.weight"]


def test_train_eval_zero_grad_requires_grad_apply():
    m = Block()
    m.eval()
    assert not m.training and not m.features[1].training
    m.train()
    assert m.bn.training
    m(ng.randn(4, 1, 8, 8)).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())
    seen = []
    m.apply(lambda mod: seen.append(type(mod).__name__))
    assert seen[-1] == "Block" and "Conv2d" in seen


def test_to_dtype_and_device():
    m = nn.Linear(3, 2).double()
    assert m.weight.dtype == ng.float64 and m.bias.dtype == ng.float64
    m.to("cpu").to(ng.float32)
    assert m.weight.dtype == ng.float32
    bn = nn.BatchNorm1d(2).double()
    assert bn.num_batches_tracked.dtype == ng.int64


def test_repr_tree():
    s = repr(nn.Sequential(nn.Linear(2, 3), nn.ReLU()))
    assert s == (
        "Sequential(\n  (0): Linear(in_features=2, out_features=3, bias=True)\n  (1): ReLU()\n)"
    )
    assert repr(nn.Conv2d(1, 6, 5, padding=2)) == str(torch.nn.Conv2d(1, 6, 5, padding=2))
    assert repr(nn.MaxPool2d(2)) == repr(torch.nn.MaxPool2d(2)).replace(
        "dilation=1, ceil_mode=False", "dilation=1, ceil_mode=False"
    )


def test_containers():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert isinstance(seq[-1], nn.Linear) and len(seq[1:]) == 2
    assert list(seq[1:].state_dict()) == ["2.weight", "2.bias"]  # torch keeps the keys
    seq.append(nn.Sigmoid())
    assert len(seq) == 4 and seq(ng.randn(5, 2)).shape == (5, 1)
    with pytest.raises(IndexError):
        seq[7]
    with pytest.raises(TypeError, match="not a Module"):
        nn.Sequential(lambda x: x)
    ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(list(ml.parameters())) == 6 and list(ml.state_dict())[0] == "0.weight"
    md = nn.ModuleDict({"a": nn.Linear(2, 2), "b": nn.Tanh()})
    assert list(md.keys()) == ["a", "b"] and "a" in md
    assert list(md.state_dict()) == ["a.weight", "a.bias"]
    from collections import OrderedDict

    named = nn.Sequential(OrderedDict(fc=nn.Linear(2, 2), act=nn.ReLU()))
    assert list(named.state_dict()) == ["fc.weight", "fc.bias"]
    assert nn.Identity(3, foo=1)(ng.ones(2)).shape == (2,)
    assert nn.Flatten()(ng.ones(2, 3, 4)).shape == (2, 12)
    assert nn.Unflatten(1, (3, 4))(ng.ones(2, 12)).shape == (2, 3, 4)


def test_shared_parameter_listed_once_and_copy_pickle():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(seq.parameters())) == 2
    clone = copy.deepcopy(seq)
    assert clone[0].weight is not lin.weight
    np.testing.assert_array_equal(clone[0].weight.numpy(force=True), lin.weight.numpy(force=True))
    restored = pickle.loads(pickle.dumps(seq))
    assert isinstance(restored[0].weight, nn.Parameter)


def test_bad_input_names_layer_and_shapes():
    with pytest.raises(
        RuntimeError,
        match=r"Linear\(784, 10\) got input of shape \(32, 100\): "
        r"expected last dim 784",
    ):
        nn.Linear(784, 10)(ng.randn(32, 100))
    with pytest.raises(
        RuntimeError,
        match=r"Conv2d\(3, 8\) got input of shape \(2, 1, 8, 8\): "
        r"expected 3 channels, got 1",
    ):
        nn.Conv2d(3, 8, 3)(ng.randn(2, 1, 8, 8))
    with pytest.raises(RuntimeError, match=r"expected 3-D or 4-D input.*\(8, 8\)"):
        nn.Conv2d(3, 8, 3)(ng.randn(8, 8))
    with pytest.raises(ValueError, match=r"BatchNorm2d\(4\) got input of shape \(2, 3, 5, 5\)"):
        nn.BatchNorm2d(4)(ng.randn(2, 3, 5, 5))
    with pytest.raises(RuntimeError, match="smaller than the kernel"):
        nn.Conv2d(1, 1, 5)(ng.randn(1, 1, 3, 3))
    with pytest.raises(RuntimeError, match="dtype"):
        nn.Linear(2, 2)(ng.randn(3, 2, dtype=ng.float64))
    with pytest.raises(TypeError, match="integer"):
        nn.Embedding(4, 2)(ng.tensor([0.0, 1.0]))
    with pytest.raises(AttributeError, match="super"):

        class Broken(nn.Module):
            def __init__(self):
                self.fc = nn.Linear(2, 2)

        Broken()


def test_init_functions():
    ng.manual_seed(0)
    w = ng.empty(300, 200)
    assert nn.init.calculate_gain("relu") == math.sqrt(2)
    assert nn.init.calculate_gain("leaky_relu", 0.2) == torch.nn.init.calculate_gain(
        "leaky_relu", 0.2
    )
    assert nn.init.calculate_gain("selu") == torch.nn.init.calculate_gain("selu")
    nn.init.xavier_uniform_(w, gain=2.0)
    bound = 2.0 * math.sqrt(6 / 500)
    assert np.abs(w.numpy()).max() <= bound
    np.testing.assert_allclose(w.numpy().std(), bound / math.sqrt(3), rtol=0.02)
    nn.init.xavier_normal_(w)
    np.testing.assert_allclose(w.numpy().std(), math.sqrt(2 / 500), rtol=0.02)
    nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    np.testing.assert_allclose(w.numpy().std(), math.sqrt(2 / 300), rtol=0.02)
    nn.init.kaiming_uniform_(w, nonlinearity="relu")
    np.testing.assert_allclose(np.abs(w.numpy()).max(), math.sqrt(6 / 200), rtol=0.01)
    nn.init.lecun_normal_(w)
    np.testing.assert_allclose(w.numpy().std(), math.sqrt(1 / 200), rtol=0.02)
    q = ng.empty(3, 5)
    nn.init.orthogonal_(q)
    np.testing.assert_allclose(q.numpy() @ q.numpy().T, np.eye(3), atol=1e-5)
    p = nn.Parameter(ng.empty(2, 2))
    nn.init.constant_(p, 0.5)
    np.testing.assert_array_equal(p.numpy(force=True), 0.5)
    nn.init.zeros_(p)
    nn.init.ones_(p)
    np.testing.assert_array_equal(p.numpy(force=True), 1)
    nn.init.normal_(w, 3.0, 0.5)
    np.testing.assert_allclose([w.numpy().mean(), w.numpy().std()], [3.0, 0.5], rtol=0.02)
    nn.init.uniform_(w, -2, -1)
    assert w.numpy().min() >= -2 and w.numpy().max() <= -1
    with pytest.raises(ValueError, match="fewer than 2"):
        nn.init.xavier_uniform_(ng.empty(3))


def test_orthogonal_of_an_empty_tensor_is_a_no_op_as_torch():
    for lib in (torch, ng):
        w = lib.empty(0, 3)
        assert lib.nn.init.orthogonal_(w) is w and tuple(w.shape) == (0, 3)


@pytest.mark.parametrize(
    "mean, std, a, b", [(10.0, 1.0, -2.0, 2.0), (0.0, 1.0, 2.0, 3.0), (0.0, 1.0, -10.0, -9.0)]
)
def test_trunc_normal_far_from_the_mean_is_torchs_truncated_normal(mean, std, a, b):
    """A window in the normal's far tail: torch samples it by uniform proposals; redrawing
    from the normal until every value lands inside never finishes."""

    def stuck(*_):
        raise TimeoutError("trunc_normal_ did not finish")

    old = signal.signal(signal.SIGALRM, stuck)
    signal.alarm(20)
    try:
        far = mean > b + 2 * std
        with pytest.warns(UserWarning, match="more than 2 std") if far else nullcontext():
            ours = nn.init.trunc_normal_(ng.empty(100_000), mean, std, a, b).numpy()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch.nn.init.trunc_normal_(torch.empty(100_000), mean, std, a, b).numpy()
    assert ours.min() >= a and ours.max() <= b
    np.testing.assert_allclose(ours.mean(), theirs.mean(), atol=0.01 * (b - a))
    np.testing.assert_allclose(ours.std(), theirs.std(), rtol=0.03)


def test_random_fill_argument_errors_match_torch():
    for lib in (torch, ng):
        with pytest.raises(RuntimeError):
            lib.nn.init.uniform_(lib.empty(3), 2.0, 1.0)
        with pytest.raises(RuntimeError):
            lib.nn.init.normal_(lib.empty(3), 0.0, -1.0)
        for dtype in (lib.int64, lib.bool, lib.uint8):
            with pytest.raises(NotImplementedError):
                lib.empty(3, dtype=dtype).uniform_()
            with pytest.raises(NotImplementedError):
                lib.empty(3, dtype=dtype).normal_()


def test_clip_grad_and_vectors():
    a = nn.Parameter(ng.tensor([3.0, 0.0]))
    b = nn.Parameter(ng.tensor([4.0]))
    a.grad, b.grad = ng.tensor([3.0, 0.0]), ng.tensor([4.0])
    ta = torch.nn.Parameter(torch.tensor([3.0, 0.0]))
    tb = torch.nn.Parameter(torch.tensor([4.0]))
    ta.grad, tb.grad = torch.tensor([3.0, 0.0]), torch.tensor([4.0])
    total = nn.utils.clip_grad_norm_([a, b], 1.0)
    t_total = torch.nn.utils.clip_grad_norm_([ta, tb], 1.0)
    np.testing.assert_allclose(total.item(), t_total.item())
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-6)
    a.grad = ng.tensor([3.0, -5.0])
    nn.utils.clip_grad_value_(a, 1.0)
    np.testing.assert_array_equal(a.grad.numpy(), [1.0, -1.0])
    inf_total = nn.utils.clip_grad_norm_([a, b], 10.0, norm_type=float("inf"))
    np.testing.assert_allclose(inf_total.item(), 1.0, rtol=1e-6)
    vec = nn.utils.parameters_to_vector([a, b])
    np.testing.assert_array_equal(vec.numpy(force=True), [3.0, 0.0, 4.0])
    nn.utils.vector_to_parameters(ng.tensor([1.0, 2.0, 3.0]), [a, b])
    np.testing.assert_array_equal(b.numpy(force=True), [3.0])
    with pytest.raises(ValueError, match="parameters need 3"):
        nn.utils.vector_to_parameters(ng.tensor([1.0]), [a, b])


def _params_with_grads(lib, values):
    params = []
    for v in values:
        p = lib.nn.Parameter(lib.tensor(v))
        p.grad = lib.tensor(v)
        params.append(p)
    return params


@pytest.mark.parametrize("norm_type", [0, -math.inf, math.inf, 1, 2, 3, 0.5, -1])
@pytest.mark.parametrize(
    "values",
    [
        [[1.0, 0.0, -3.0], [0.0, 2.0]],
        [[0.1, 0.0], [0.2]],
        [[0.0, 0.0], [0.5]],
        [[math.nan, 1.0], [2.0]],
        [[math.inf, 1.0], [2.0]],
    ],
)
@pytest.mark.parametrize("foreach", [None, False, True])
def test_clip_grad_norm_matches_torch(values, norm_type, foreach):
    results = {}
    for lib in (ng, torch):
        params = _params_with_grads(lib, values)
        total = lib.nn.utils.clip_grad_norm_(params, 1.0, norm_type=norm_type, foreach=foreach)
        errors = []
        try:
            lib.nn.utils.clip_grad_norm_(
                _params_with_grads(lib, values), 1.0, norm_type, error_if_nonfinite=True
            )
        except RuntimeError as e:
            errors.append(str(e))
        results[lib] = (total.item(), [p.grad.tolist() for p in params], errors)
    (n_total, n_grads, n_errors), (t_total, t_grads, t_errors) = results[ng], results[torch]
    np.testing.assert_allclose(n_total, t_total, rtol=1e-5)
    for n, t in zip(n_grads, t_grads):
        np.testing.assert_allclose(n, t, rtol=1e-5)
    assert n_errors == t_errors


def test_get_total_norm_and_clip_grads_with_norm_match_torch():
    for norm_type in (0, 2, -math.inf):
        n = nn.utils.get_total_norm([ng.tensor([3.0, 0.0]), ng.tensor([4.0])], norm_type)
        t = torch.nn.utils.get_total_norm(
            [torch.tensor([3.0, 0.0]), torch.tensor([4.0])], norm_type
        )
        np.testing.assert_allclose(n.item(), t.item(), rtol=1e-6)
    single = nn.utils.get_total_norm(ng.tensor([3.0, 4.0], dtype=ng.float64))
    assert single.dtype == ng.float64 and single.item() == 5.0
    assert nn.utils.get_total_norm([]).item() == 0.0
    grads = {}
    for lib in (ng, torch):
        params = _params_with_grads(lib, [[3.0, 4.0], [0.0]])
        lib.nn.utils.clip_grads_with_norm_(params, 1.0, lib.tensor(5.0), foreach=False)
        grads[lib] = [p.grad.tolist() for p in params]
    np.testing.assert_allclose(grads[ng][0], grads[torch][0], rtol=1e-6)
    with pytest.warns(UserWarning, match="empty generator"):
        nn.utils.clip_grad_norm_((p for p in []), 1.0)
    with pytest.warns(FutureWarning, match="deprecated"):
        nn.utils.clip_grad_norm(_params_with_grads(ng, [[1.0]]), 1.0)
    nn.utils.clip_grad_value_(_params_with_grads(ng, [[1.0]]), 1.0, foreach=None)


def _forward_hook_log(lib):
    log = []

    class Boom(lib.nn.Module):
        def forward(self, x, fail=False):
            if fail:
                raise ValueError("boom")
            return x * 2

    m = Boom()
    m.register_forward_hook(
        lambda mod, a, kw, out: log.append(("kw", sorted(kw))), with_kwargs=True
    )
    m.register_forward_hook(lambda mod, a, out: log.append("first"), prepend=True)
    m.register_forward_hook(
        lambda mod, a, out: log.append(("always", out is None)), always_call=True
    )
    with m.register_forward_hook(lambda mod, a, out: out + 1) as h:
        log.append(m(lib.ones(1), fail=False).tolist())
    assert h.id not in m._forward_hooks
    log.append(m(lib.ones(1)).tolist())
    with pytest.raises(ValueError):
        m(lib.ones(1), fail=True)
    return log


def test_forward_hook_kwargs_prepend_always_call_like_torch():
    assert _forward_hook_log(ng) == _forward_hook_log(torch)


def test_tensor_hook_handle_is_a_context_manager():
    for lib in (torch, ng):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with x.register_hook(lambda g: g * 10):
            (x * 2).sum().backward()
        (x * 2).sum().backward()  # hook removed on exit
        np.testing.assert_allclose(x.grad.numpy(), [22.0, 22.0])
