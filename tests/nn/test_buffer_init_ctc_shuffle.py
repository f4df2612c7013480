"""nn.Buffer, nn.init.dirac_/sparse_ and the deprecated init names, CTC loss, channel shuffle and
Gumbel-softmax, against torch."""

from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pytest
import torch

import nablagrad as ng


def _module(lib):  # noqa: ANN001, ANN202
    class M(lib.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = lib.nn.Buffer(lib.ones(2))
            self.b = lib.nn.Buffer(lib.zeros(1), persistent=False)
            self.w = lib.nn.Parameter(lib.ones(1))

    return M()


def test_buffer_registers_like_torch() -> None:
    ours, theirs = _module(ng), _module(torch)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["w", "a"]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    for m, lib in ((ours, ng), (theirs, torch)):
        m.a = lib.zeros(3)  # a plain tensor to an existing buffer keeps it a buffer
        m.b = lib.nn.Buffer(lib.zeros(1))  # now persistent
        assert list(m.state_dict()) == ["w", "a", "b"]
        with pytest.raises(TypeError):
            m.w = lib.nn.Buffer(lib.ones(1))  # a parameter's name
    assert repr(ng.nn.Buffer(ng.ones(1))) == repr(torch.nn.Buffer(torch.ones(1)))
    assert tuple(ng.nn.Buffer().shape) == tuple(torch.nn.Buffer().shape) == (0,)
    x = ng.ones(2)
    buf = ng.nn.Buffer(x)
    buf._data[0] = 5.0
    assert float(x[0]) == 5.0  # shares memory, as torch's detach()
    m2 = copy.deepcopy(ours)
    assert list(m2.state_dict()) == ["w", "a", "b"]
    b2 = pickle.loads(pickle.dumps(ng.nn.Buffer(ng.ones(2), persistent=False)))
    assert b2.persistent is False and b2.tolist() == [1.0, 1.0]
    assert ours.double().a.dtype == ng.float64


@pytest.mark.parametrize("shape,groups", [((4, 4, 3), 1), ((6, 3, 3, 5), 2), ((4, 2, 3, 3, 3), 2)])
def test_dirac_matches_torch(shape: tuple, groups: int) -> None:
    ours = ng.nn.init.dirac_(ng.empty(*shape), groups)
    theirs = torch.nn.init.dirac_(torch.empty(*shape), groups)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    # a dirac conv weight passes its input through
    x = np.random.default_rng(0).normal(size=(1, 4, 7)).astype(np.float32)
    w = ng.nn.init.dirac_(ng.empty(4, 4, 3))
    y = ng.nn.functional.conv1d(ng.tensor(x), w, padding=1)
    np.testing.assert_allclose(y.numpy(), x, rtol=1e-6)


def test_dirac_and_sparse_errors_like_torch() -> None:
    for lib in (ng, torch):
        with pytest.raises(ValueError, match="3, 4, or 5"):
            lib.nn.init.dirac_(lib.empty(2, 2))
        with pytest.raises(ValueError, match="divisible by groups"):
            lib.nn.init.dirac_(lib.empty(3, 2, 2), groups=2)
        with pytest.raises(ValueError, match="2 dimensions"):
            lib.nn.init.sparse_(lib.empty(2, 2, 2), 0.5)


def test_sparse_zeros_per_column_and_std() -> None:
    ng.manual_seed(0)
    w = ng.nn.init.sparse_(ng.empty(200, 50), sparsity=0.3, std=0.5)
    t = torch.nn.init.sparse_(torch.empty(200, 50), sparsity=0.3, std=0.5)
    assert ((w == 0).sum(0)).tolist() == ((t == 0).sum(0)).tolist() == [60] * 50
    nz = w.numpy()[w.numpy() != 0]
    assert abs(nz.std() - 0.5) < 0.02 and abs(nz.mean()) < 0.02


@pytest.mark.parametrize(
    "name,args",
    [
        ("uniform", (0.0, 1.0)),
        ("normal", ()),
        ("constant", (0.5,)),
        ("eye", ()),
        ("xavier_uniform", ()),
        ("xavier_normal", ()),
        ("kaiming_uniform", ()),
        ("kaiming_normal", ()),
        ("orthogonal", ()),
        ("sparse", (0.5,)),
    ],
)
def test_deprecated_init_names_warn_like_torch(name: str, args: tuple) -> None:
    messages = []
    for lib in (ng, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = getattr(lib.nn.init, name)(lib.empty(4, 4), *args)
        assert tuple(out.shape) == (4, 4)
        messages.append([(w.category, str(w.message)) for w in caught])
    assert messages[0] == messages[1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = ng.nn.init.dirac(ng.empty(2, 2, 3))
    assert float(d.sum()) == 2.0


# -- F.ctc_loss / nn.CTCLoss ---------------------------------------------------------------------


def _ctc_pair(x, targets, il, tl, dtype=np.float64, **kw):  # noqa: ANN001, ANN003, ANN202
    """Loss, grad wrt the logits and wrt the log-probs (a non-leaf) in both libraries."""
    outs = []
    for lib in (ng, torch):
        xl = lib.tensor(x.astype(dtype), requires_grad=True)
        lp = lib.nn.functional.log_softmax(xl, -1)
        lp.retain_grad()
        loss = lib.nn.CTCLoss(**kw)(lp, lib.tensor(targets), lib.tensor(il), lib.tensor(tl))
        weights = lib.tensor(np.arange(1.0, loss.numel() + 1).astype(dtype)).reshape(loss.shape)
        (loss * weights).sum().backward()
        outs.append([loss.detach().numpy(), xl.grad.numpy(), lp.grad.numpy()])
    return outs


RNG = np.random.default_rng(0)
X = RNG.normal(size=(12, 4, 5))
PADDED = np.array([[1, 2, 2, 3], [3, 1, 1, 1], [4, 4, 4, 1], [2, 1, 1, 1]])
TL, IL = [3, 2, 4, 1], [12, 10, 12, 7]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("concatenated", [False, True])
def test_ctc_loss_values_and_gradients_match_torch(reduction: str, concatenated: bool) -> None:
    targets = np.concatenate([PADDED[i, : TL[i]] for i in range(4)]) if concatenated else PADDED
    ours, theirs = _ctc_pair(X, targets, IL, TL, reduction=reduction)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_ctc_loss_blank_float32_and_unbatched() -> None:
    targets = np.where(PADDED == 2, 0, PADDED)  # labels 0, 1, 3, 4 with blank=2
    ours, theirs = _ctc_pair(X, targets, IL, TL, np.float32, blank=2)
    for a, b in zip(ours, theirs):
        assert a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    res = []
    for lib in (ng, torch):
        lp = lib.nn.functional.log_softmax(lib.tensor(X[:, 0]), -1)
        res.append(
            lib.nn.functional.ctc_loss(
                lp, lib.tensor(PADDED[0, :3]), lib.tensor(12), lib.tensor(3), reduction="none"
            )
        )
    np.testing.assert_allclose(res[0].numpy(), res[1].numpy(), rtol=1e-10)
    assert tuple(res[0].shape) == tuple(res[1].shape)


def test_ctc_loss_zero_infinity_like_torch() -> None:
    il = [2, 10, 12, 7]  # 2 frames cannot emit the 3 labels 1, 2, 2 (needs 4): infinite loss
    for zero in (False, True):
        ours, theirs = _ctc_pair(X, PADDED, il, TL, reduction="none", zero_infinity=zero)
        np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-9)
        if zero:
            for a, b in zip(ours[1:], theirs[1:]):
                np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
        else:
            assert np.isinf(ours[0][0])


def test_ctc_loss_bad_input_and_repr() -> None:
    lp = ng.nn.functional.log_softmax(ng.tensor(X), -1)
    with pytest.raises(RuntimeError, match="input_lengths"):
        ng.nn.functional.ctc_loss(lp, ng.tensor(PADDED), [13, 1, 1, 1], TL)
    with pytest.raises(RuntimeError, match="size at least"):
        ng.nn.functional.ctc_loss(lp, ng.tensor(PADDED), IL, [5, 1, 1, 1])
    with pytest.raises(RuntimeError, match="blank"):
        ng.nn.functional.ctc_loss(lp, ng.tensor(PADDED), IL, TL, blank=7)
    with pytest.raises(TypeError, match="input_lengths"):
        ng.nn.functional.ctc_loss(lp, ng.tensor(PADDED), 12, TL)
    with pytest.raises(ValueError, match="reduction"):
        ng.nn.functional.ctc_loss(lp, ng.tensor(PADDED), IL, TL, reduction="avg")
    assert repr(ng.nn.CTCLoss(blank=1)) == repr(torch.nn.CTCLoss(blank=1)) == "CTCLoss()"


# -- F.channel_shuffle / nn.ChannelShuffle, F.gumbel_softmax -------------------------------------


def test_channel_shuffle_matches_torch() -> None:
    x = RNG.normal(size=(2, 6, 3, 2))
    for shape in [(2, 6, 3, 2), (2, 6, 5)]:
        x = RNG.normal(size=shape)
        a = ng.tensor(x, requires_grad=True)
        b = torch.tensor(x, requires_grad=True)
        ya, yb = ng.nn.ChannelShuffle(3)(a), torch.nn.ChannelShuffle(3)(b)
        np.testing.assert_array_equal(ya.detach().numpy(), yb.detach().numpy())
        w = RNG.normal(size=shape)
        (ya * ng.tensor(w)).sum().backward()
        (yb * torch.tensor(w)).sum().backward()
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())
    assert repr(ng.nn.ChannelShuffle(3)) == repr(torch.nn.ChannelShuffle(3))
    for groups, match in [(4, "divisible"), (0, "positive")]:
        for lib in (ng, torch):
            with pytest.raises(RuntimeError, match=match):
                lib.nn.functional.channel_shuffle(lib.zeros(1, 6, 2), groups)
    for lib in (ng, torch):
        with pytest.raises(RuntimeError, match="> 2 dims"):
            lib.nn.functional.channel_shuffle(lib.zeros(6, 2), 2)


@pytest.mark.parametrize("dim", [-1, 0])
def test_gumbel_softmax_statistics_match_torch(dim: int) -> None:
    """Draws differ between libraries; the frequencies of the argmax match softmax(logits)."""
    logits = np.array([1.0, 0.0, -1.0, 0.5])
    n = 20000
    ng.manual_seed(0)
    torch.manual_seed(0)
    shape = (n, 4) if dim == -1 else (4, n)
    tile = np.tile(logits, (n, 1)) if dim == -1 else np.tile(logits[:, None], (1, n))
    freqs = []
    for lib in (ng, torch):
        y = lib.nn.functional.gumbel_softmax(lib.tensor(tile), tau=0.5, hard=True, dim=dim)
        assert tuple(y.shape) == shape
        arr = y.numpy()
        assert set(np.unique(arr)) == {0.0, 1.0} and np.all(arr.sum(dim) == 1)
        freqs.append(arr.mean(1 - (dim % 2)))
    p = np.exp(logits) / np.exp(logits).sum()
    np.testing.assert_allclose(freqs[0], p, atol=0.015)
    np.testing.assert_allclose(freqs[1], p, atol=0.015)
    soft = ng.nn.functional.gumbel_softmax(ng.tensor(tile), tau=1.0, dim=dim).numpy()
    np.testing.assert_allclose(soft.sum(dim), 1.0, rtol=1e-12)
    assert soft.min() > 0 and not np.all(np.isin(soft, [0.0, 1.0]))


def test_gumbel_softmax_hard_gradient_is_the_soft_one() -> None:
    """Straight-through: d(sum(w * y_hard))/dlogits equals the soft sample's gradient,
    softmax'(z) w / tau, for the same Gumbel draw (torch's structure)."""
    x = RNG.normal(size=(3, 5))
    w = RNG.normal(size=(3, 5))
    grads = []
    for hard in (False, True):
        ng.manual_seed(7)
        a = ng.tensor(x, requires_grad=True)
        y = ng.nn.functional.gumbel_softmax(a, tau=0.7, hard=hard)
        (y * ng.tensor(w)).sum().backward()
        grads.append((y.detach().numpy(), a.grad.numpy()))
    (soft, g_soft), (hardy, g_hard) = grads
    np.testing.assert_allclose(g_hard, g_soft, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(hardy.argmax(-1), soft.argmax(-1))
    s = soft  # the soft sample's Jacobian: diag(s) - s s^T, divided by tau
    expected = (s * w - s * (s * w).sum(-1, keepdims=True)) / 0.7
    np.testing.assert_allclose(g_soft, expected, rtol=1e-9, atol=1e-12)
    # the same structure in torch
    torch.manual_seed(7)
    t = torch.tensor(x, requires_grad=True)
    ty = torch.nn.functional.gumbel_softmax(t, tau=0.7, hard=True)
    (ty * torch.tensor(w)).sum().backward()
    assert tuple(t.grad.shape) == (3, 5)
    np.testing.assert_allclose(t.grad.numpy().sum(-1), 0.0, atol=1e-9)
    np.testing.assert_allclose(g_hard.sum(-1), 0.0, atol=1e-9)
    with pytest.warns(UserWarning, match="eps"):
        ng.nn.functional.gumbel_softmax(ng.zeros(2), eps=1e-5)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("concatenated", [False, True])
def test_ctc_loss_empty_target_matches_torch(reduction: str, concatenated: bool) -> None:
    # a zero target length: the all-blank path (the recursion crashed on a one-state lattice)
    tl = [0, 2, 0, 1]
    targets = np.array([1, 2, 3]) if concatenated else PADDED[:, :2]
    ours, theirs = _ctc_pair(X, targets, IL, tl, reduction=reduction)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-8)
