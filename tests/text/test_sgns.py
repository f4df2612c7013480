"""The fused fast path against the autograd reference path (nn.Embedding) and PyTorch."""

import numpy as np
import pytest
import torch
from kernel_modes import kernel_mode  # noqa: F401 - runs every test with both kernels

import nablagrad
import nablagrad.nn.functional as F
from nablagrad.text import Word2Vec, negative_table, sgns
from nablagrad.text.reference import (
    _embeddings,
    reference_cbow_step,
    reference_sgns_step,
    sgns_loss,
)


def _batch(dtype, V=9, d=5, B=12, K=4, C=6, seed=0):
    rng = np.random.default_rng(seed)
    W_in = rng.normal(0, 0.5, (V, d)).astype(dtype)
    W_out = rng.normal(0, 0.5, (V, d)).astype(dtype)
    centres = rng.integers(0, V, B)
    contexts = rng.integers(0, V, B)
    centres[:4] = 2  # repeated rows must accumulate
    negs = rng.integers(0, V, (B, K))
    negs[0, :2] = contexts[0]  # collisions with the positive are skipped
    ctx = rng.integers(0, V, (B, C))
    ctx[:, 1] = ctx[:, 0]  # a word twice in one window
    mask = rng.random((B, C)) < 0.6
    mask[:, 0] = True
    return W_in, W_out, centres, contexts, negs, ctx, mask


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 2e-6)])
def test_fast_and_reference_sgns_agree(dtype, tol):
    W_in, W_out, c, o, n, _, _ = _batch(dtype)
    a, b = (W_in.copy(), W_out.copy()), (W_in.copy(), W_out.copy())
    la = sgns.sgns_step(*a, c, o, n, 0.3)
    lb = reference_sgns_step(*b, c, o, n, 0.3)
    assert la == pytest.approx(lb, rel=tol)
    np.testing.assert_allclose(a[0], b[0], atol=tol, rtol=0)
    np.testing.assert_allclose(a[1], b[1], atol=tol, rtol=0)
    assert not np.allclose(a[0], W_in)  # the step did something


@pytest.mark.parametrize("cbow_mean", [True, False])
@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 2e-6)])
def test_fast_and_reference_cbow_agree(dtype, tol, cbow_mean):
    W_in, W_out, _, o, n, ctx, mask = _batch(dtype)
    a, b = (W_in.copy(), W_out.copy()), (W_in.copy(), W_out.copy())
    la = sgns.cbow_step(*a, ctx, mask, o, n, 0.3, cbow_mean=cbow_mean)
    lb = reference_cbow_step(*b, ctx, mask, o, n, 0.3, cbow_mean=cbow_mean)
    assert la == pytest.approx(lb, rel=tol)
    np.testing.assert_allclose(a[0], b[0], atol=tol, rtol=0)
    np.testing.assert_allclose(a[1], b[1], atol=tol, rtol=0)


def _torch_loss(W_in, W_out, h_fn, pos, negs):
    Wi = torch.tensor(W_in, requires_grad=True)
    Wo = torch.tensor(W_out, requires_grad=True)
    h = h_fn(Wi)
    idx = torch.tensor(np.concatenate([pos[:, None], negs], 1))
    s = (torch.nn.functional.embedding(idx, Wo) * h[:, None, :]).sum(-1)
    m = torch.tensor(negs != pos[:, None], dtype=s.dtype)
    loss = -torch.nn.functional.logsigmoid(s[:, 0]).sum()
    loss = loss - (torch.nn.functional.logsigmoid(-s[:, 1:]) * m).sum()
    loss.backward()
    return loss.item(), Wi.grad.numpy(), Wo.grad.numpy()


def test_fast_path_loss_and_gradients_match_torch():
    W_in, W_out, c, o, n, ctx, mask = _batch(np.float64, seed=1)
    lr = 0.1
    ct = torch.tensor(c)
    ref = _torch_loss(W_in, W_out, lambda Wi: Wi[ct], o, n)
    a = (W_in.copy(), W_out.copy())
    loss = sgns.sgns_step(*a, c, o, n, lr)
    assert loss == pytest.approx(ref[0], rel=1e-12)
    np.testing.assert_allclose((W_in - a[0]) / lr, ref[1], atol=1e-10)
    np.testing.assert_allclose((W_out - a[1]) / lr, ref[2], atol=1e-10)

    # CBOW as gensim updates it: h the mean (cbow_mean) or the sum of the context rows, and
    # each context row moved by the whole error after a mean, by 1/n of it after a sum: h's
    # value from the one, its gradient through the other
    m = torch.tensor(mask, dtype=torch.float64)
    w = m / m.sum(1, keepdim=True)
    ctx_t = torch.tensor(ctx)
    for cbow_mean, (value, route) in ((True, (w, m)), (False, (m, w))):

        def h_fn(Wi, value=value, route=route):
            routed = (Wi[ctx_t] * route[..., None]).sum(1)
            return (Wi[ctx_t] * value[..., None]).sum(1).detach() + routed - routed.detach()

        ref = _torch_loss(W_in, W_out, h_fn, o, n)
        a = (W_in.copy(), W_out.copy())
        loss = sgns.cbow_step(*a, ctx, mask, o, n, lr, cbow_mean=cbow_mean)
        assert loss == pytest.approx(ref[0], rel=1e-12)
        np.testing.assert_allclose((W_in - a[0]) / lr, ref[1], atol=1e-10)
        np.testing.assert_allclose((W_out - a[1]) / lr, ref[2], atol=1e-10)


def _gensim_cbow_neg(W_in, W_out, context, centre, negatives, alpha, cbow_mean):
    """gensim's ``fast_sentence_cbow_neg`` (models/word2vec_inner.pyx, gensim 4.4) for one
    centre word, transcribed with the exact sigmoid instead of its table: neu1 the sum of the
    context rows (divided by their count with cbow_mean), for each of the centre (label 1)
    and the negatives (label 0, skipped where equal to the centre) g = (label - sigmoid(neu1
    . syn1neg[t])) * alpha, work += g syn1neg[t], syn1neg[t] += g neu1; then work divided by
    the count unless cbow_mean, and added to every context row."""
    neu1 = W_in[context].sum(0)
    count = len(context)
    if cbow_mean:
        neu1 = neu1 / count
    work = np.zeros_like(neu1)
    for d, target in enumerate([centre, *negatives]):
        if d > 0 and target == centre:
            continue
        label = 1.0 if d == 0 else 0.0
        g = (label - 1 / (1 + np.exp(-neu1 @ W_out[target]))) * alpha
        work += g * W_out[target]
        W_out[target] += g * neu1
    if not cbow_mean:
        work = work / count
    for row in context:
        W_in[row] += work


@pytest.mark.parametrize("cbow_mean", [True, False])
def test_cbow_step_is_gensims_update(cbow_mean):
    """One centre word per step (gensim steps word after word; a minibatch of one is the
    same update): ``cbow_step`` against gensim's CBOW inner loop, transcribed.  Distinct
    negatives in each step (gensim moves a row drawn twice in between; one may still be the
    centre, which both skip)."""
    W_in, W_out, _, o, _, ctx, mask = _batch(np.float64, seed=3)
    rng = np.random.default_rng(4)
    n = np.stack([rng.choice(len(W_out), 4, replace=False) for _ in o])
    assert (n == o[:, None]).any()
    ours, theirs = (W_in.copy(), W_out.copy()), (W_in.copy(), W_out.copy())
    for e in range(len(o)):
        sgns.cbow_step(
            *ours,
            ctx[e : e + 1],
            mask[e : e + 1],
            o[e : e + 1],
            n[e : e + 1],
            0.2,
            cbow_mean=cbow_mean,
        )
        _gensim_cbow_neg(*theirs, ctx[e][mask[e]], o[e], n[e], 0.2, cbow_mean)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=0, atol=1e-12)
    assert not np.allclose(ours[0], W_in)


def test_reference_loss_gradcheck():
    W_in, W_out, c, o, n, _, _ = _batch(np.float64, V=6, d=3, B=5, K=2)
    Wo = nablagrad.from_numpy(W_out.copy()).requires_grad_()

    def f(w_in, w_out):
        h = F.embedding(nablagrad.tensor(c), w_in)
        return sgns_loss(h, lambda idx: F.embedding(idx, w_out), o, n)

    Wi = nablagrad.from_numpy(W_in.copy()).requires_grad_()
    assert nablagrad.autograd.gradcheck(f, (Wi, Wo))
    assert _embeddings(W_in, W_out)[0].weight.shape == (6, 3)


def test_scatter_add_rows_matches_add_at_and_fallback(monkeypatch):
    rng = np.random.default_rng(0)
    rows = rng.integers(0, 5, (50, 3))
    coef = rng.normal(size=(50, 3))
    X = rng.normal(size=(50, 4))
    expected = np.zeros((5, 4))
    np.add.at(expected, rows, coef[..., None] * X[:, None, :])
    W = np.zeros((5, 4))
    sgns.scatter_add_rows(W, rows, coef, X)
    np.testing.assert_allclose(W, expected, atol=1e-12)
    monkeypatch.setattr(sgns, "_csc_matvecs", None)  # the public-API fallback
    W2 = np.zeros((5, 4))
    sgns.scatter_add_rows(W2, rows, coef, X)
    np.testing.assert_allclose(W2, expected, atol=1e-12)
    with pytest.raises(IndexError):
        monkeypatch.undo()
        sgns.scatter_add_rows(W, rows + 5, coef, X)


def test_negative_table_follows_unigram_075():
    counts = np.array([1000, 300, 50, 5])
    table = negative_table(counts, size=100_000)
    p = counts**0.75 / (counts**0.75).sum()
    np.testing.assert_allclose(np.bincount(table, minlength=4) / len(table), p, atol=2e-5)


@pytest.mark.parametrize("sg", [1, 0])
def test_word2vec_fast_and_reference_training_agree(sg):
    corpus = ["the quick brown fox jumps over the lazy dog", "a quick red fox and a dog"] * 6
    kw = dict(sg=sg, vector_size=8, window=3, negative=3, min_count=1, epochs=3, seed=4)
    kw.update(alpha=0.5, min_alpha=0.1, sample=0)
    fast = Word2Vec(corpus, batch_size=16, **kw)
    ref = Word2Vec(corpus, batch_size=16, path="reference", **kw)
    np.testing.assert_allclose(fast.W_in, ref.W_in, atol=1e-5, rtol=0)
    np.testing.assert_allclose(fast.W_out, ref.W_out, atol=1e-5, rtol=0)
    np.testing.assert_allclose(fast.losses, ref.losses, rtol=1e-5)
    assert np.abs(fast.W_out).max() > 0.05  # trained well away from the start


@pytest.mark.parametrize("sg", [1, 0])
def test_max_repeat_scaling_agrees_between_paths(sg):
    W_in, W_out, c, o, n, ctx, mask = _batch(np.float64, seed=2)
    a, b = (W_in.copy(), W_out.copy()), (W_in.copy(), W_out.copy())
    if sg:
        sgns.sgns_step(*a, c, o, n, 0.3, max_repeat=2)
        reference_sgns_step(*b, c, o, n, 0.3, max_repeat=2)
        plain = (W_in.copy(), W_out.copy())
        sgns.sgns_step(*plain, c, o, n, 0.3)
    else:
        sgns.cbow_step(*a, ctx, mask, o, n, 0.3, max_repeat=2)
        reference_cbow_step(*b, ctx, mask, o, n, 0.3, max_repeat=2)
        plain = (W_in.copy(), W_out.copy())
        sgns.cbow_step(*plain, ctx, mask, o, n, 0.3)
    np.testing.assert_allclose(a[0], b[0], atol=1e-12, rtol=0)
    np.testing.assert_allclose(a[1], b[1], atol=1e-12, rtol=0)
    assert not np.allclose(a[1], plain[1])  # the cap changed the frequent rows' updates


def test_max_repeat_keeps_large_batches_stable():
    # one word is 40% of the tokens and there is no subsampling: a batch of 8192 pairs sums
    # ~20k updates into its output row at once, which diverges as plain minibatch SGD
    rng = np.random.default_rng(0)
    ids = rng.choice(100, size=30000, p=np.r_[0.4, np.full(99, 0.6 / 99)])
    sents = [[f"w{i}" for i in ids[j : j + 100]] for j in range(0, 30000, 100)]
    kw = dict(vector_size=16, window=5, min_count=1, epochs=1, batch_size=8192, sample=0)
    with np.errstate(all="ignore"):
        plain = Word2Vec(sents, alpha=0.05, **kw)
    assert not np.isfinite(plain.losses[-1]) or np.abs(plain.W_out).max() > 100
    capped = Word2Vec(sents, alpha=0.05, max_repeat=64, **kw)
    assert np.isfinite(capped.losses[-1]) and np.abs(capped.W_out).max() < 5


def test_einsum_fallback_matches_vecmat(monkeypatch):
    W_in, W_out, c, o, n, _, _ = _batch(np.float64, seed=3)
    a, b = (W_in.copy(), W_out.copy()), (W_in.copy(), W_out.copy())
    la = sgns.sgns_step(*a, c, o, n, 0.3)
    monkeypatch.setattr(sgns, "_vecmat", None)  # NumPy < 2.2 path
    lb = sgns.sgns_step(*b, c, o, n, 0.3)
    assert la == pytest.approx(lb, rel=1e-12)
    np.testing.assert_allclose(a[0], b[0], atol=1e-12)
    np.testing.assert_allclose(a[1], b[1], atol=1e-12)
    _, _, _, _, _, ctx, mask = _batch(np.float64, seed=3)
    a, b = (W_in.copy(), W_out.copy()), (W_in.copy(), W_out.copy())
    monkeypatch.undo()
    la = sgns.cbow_step(*a, ctx, mask, o, n, 0.3)
    monkeypatch.setattr(sgns, "_vecmat", None)
    lb = sgns.cbow_step(*b, ctx, mask, o, n, 0.3)
    assert la == pytest.approx(lb, rel=1e-12)
    np.testing.assert_allclose(a[0], b[0], atol=1e-12)
    np.testing.assert_allclose(a[1], b[1], atol=1e-12)


@pytest.mark.parametrize("step", ["sgns", "cbow"])
@pytest.mark.parametrize("bad", ["input", "output"])
def test_rows_outside_the_matrices_raise_before_any_update(step, bad, kernel_mode):  # noqa: F811
    """An index past either matrix raises IndexError naming its row count, with both weight
    matrices left as they were (the compiled kernels check every index first)."""
    W_in, W_out, c, o, n, ctx, mask = _batch(np.float32, V=9)
    W_out = np.concatenate([W_out, W_out[:3]])  # 12 output rows: the two sizes differ
    if bad == "input":
        c, ctx = c.copy(), ctx.copy()
        c[5], ctx[5, 0] = 9, 9
    else:
        n = n.copy()
        n[7, 1] = 12
    a, b = W_in.copy(), W_out.copy()
    with pytest.raises(IndexError, match=f"matrix with {9 if bad == 'input' else 12} rows"):
        if step == "sgns":
            sgns.sgns_step(a, b, c, o, n, 0.3)
        else:
            sgns.cbow_step(a, b, ctx, mask, o, n, 0.3)
    np.testing.assert_array_equal(a, W_in)
    np.testing.assert_array_equal(b, W_out)


@pytest.mark.parametrize("sg", [1, 0])
@pytest.mark.parametrize("max_repeat", [None, 2])
def test_shared_workspace_sums_frequent_rows_to_the_same_step(sg, max_repeat, monkeypatch):
    """With ``Workspace(shared=True)`` (several workers on one pair of matrices) the compiled
    kernels sum the updates of the first HOT_ROWS output rows before writing them: the same
    step as the reference path, to rounding, whether a row is below that line or not."""
    monkeypatch.setattr(sgns, "HOT_ROWS", 4)  # rows 0-3 summed first, 4-8 written in place
    W_in, W_out, c, o, n, ctx, mask = _batch(np.float64, seed=4)
    n[:, 0] = 1  # a frequent negative: row 1 repeats in every example
    a, b = (W_in.copy(), W_out.copy()), (W_in.copy(), W_out.copy())
    ws = sgns.Workspace(shared=True)
    if sg:
        for _ in range(2):  # the second step reuses the workspace's stale row slots
            la = sgns.sgns_step(*a, c, o, n, 0.3, ws, max_repeat=max_repeat)
            lb = reference_sgns_step(*b, c, o, n, 0.3, max_repeat=max_repeat)
    else:
        for _ in range(2):
            la = sgns.cbow_step(*a, ctx, mask, o, n, 0.3, ws, max_repeat=max_repeat)
            lb = reference_cbow_step(*b, ctx, mask, o, n, 0.3, max_repeat=max_repeat)
    assert la == pytest.approx(lb, rel=1e-12)
    np.testing.assert_allclose(a[0], b[0], atol=1e-12, rtol=0)
    np.testing.assert_allclose(a[1], b[1], atol=1e-12, rtol=0)
    assert not np.allclose(a[1], W_out)


def test_cbow_example_without_context_raises_before_any_update():
    W_in, W_out, _, o, n, ctx, mask = _batch(np.float32)
    mask = mask.copy()
    mask[3] = False
    a, b = W_in.copy(), W_out.copy()
    with pytest.raises(ValueError, match="no context word"):
        sgns.cbow_step(a, b, ctx, mask, o, n, 0.3)
    np.testing.assert_array_equal(a, W_in)
    np.testing.assert_array_equal(b, W_out)


@pytest.mark.parametrize("sg", [1, 0])
@pytest.mark.parametrize("max_repeat", [None, 2])
@pytest.mark.parametrize("shared", [False, True])
def test_steps_run_the_batches_one_after_another(sg, max_repeat, shared):
    """``sgns_steps`` / ``cbow_steps`` (the compiled kernel steps a whole chunk in one call) are
    the single-batch steps run in order, each with its own rate: same losses, same weights."""
    W_in, W_out, c, o, n, ctx, mask = _batch(np.float64, B=12, seed=5)
    lrs = [0.3, 0.2, 0.1]  # batches of 5, 5 and 2
    a, b = (W_in.copy(), W_out.copy()), (W_in.copy(), W_out.copy())
    ws_a, ws_b = sgns.Workspace(shared=shared), sgns.Workspace(shared=shared)
    if sg:
        got = sgns.sgns_steps(*a, c, o, n, lrs, 5, ws_a, max_repeat)
        want = [
            sgns.sgns_step(*b, c[r], o[r], n[r], lr, ws_b, max_repeat)
            for r, lr in zip([slice(0, 5), slice(5, 10), slice(10, 12)], lrs)
        ]
    else:
        got = sgns.cbow_steps(*a, ctx, mask, o, n, lrs, 5, ws_a, max_repeat)
        want = [
            sgns.cbow_step(*b, ctx[r], mask[r], o[r], n[r], lr, ws_b, max_repeat)
            for r, lr in zip([slice(0, 5), slice(5, 10), slice(10, 12)], lrs)
        ]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(a[0], b[0], atol=1e-12, rtol=0)
    np.testing.assert_allclose(a[1], b[1], atol=1e-12, rtol=0)
    assert not np.allclose(a[1], W_out)


def test_steps_need_one_rate_per_batch():
    W_in, W_out, c, o, n, _, _ = _batch(np.float32, B=12)
    with pytest.raises(ValueError, match="2 learning rates for 12 examples in batches of 5"):
        sgns.sgns_steps(W_in, W_out, c, o, n, [0.1, 0.1], 5)
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        sgns.sgns_steps(W_in, W_out, c, o, n, [0.1], 0)
