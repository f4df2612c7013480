"""Tokenisation, Vocab, subsampling and context windows."""

import numpy as np
import pytest

from nablagrad.text import (
    Vocab,
    iter_sentences,
    keep_probabilities,
    subsample,
    tokenize,
    window_contexts,
    window_pairs,
)


def test_tokenize_lowercases_and_splits_words():
    assert tokenize("Hello, World! It's 2024 -- snake_case.") == [
        "hello",
        "world",
        "it's",
        "2024",
        "snake_case",
    ]
    assert tokenize("") == []


def test_iter_sentences_forms_and_custom_tokenizer():
    assert list(iter_sentences("A b\nc D")) == [["a", "b"], ["c", "d"]]
    assert list(iter_sentences([["X", "y"], "Z w"])) == [["X", "y"], ["z", "w"]]
    assert list(iter_sentences(["a-b c"], tokenizer=str.split)) == [["a-b", "c"]]
    with pytest.raises(TypeError, match="list of token lists"):
        list(iter_sentences([[1, 2]]))
    with pytest.raises(TypeError, match="decode"):
        list(iter_sentences(b"bytes"))


def test_vocab_counts_order_min_count_max_size():
    v = Vocab.build("b a c a b a d", min_count=1)
    assert v.words == ["a", "b", "c", "d"]  # by count, ties alphabetical
    assert v.counts.tolist() == [3, 2, 1, 1]
    assert v["b"] == 1 and v.count("a") == 3 and "d" in v and "z" not in v
    assert v.total_raw == 7
    v2 = Vocab.build("b a c a b a d", min_count=2)
    assert v2.words == ["a", "b"]
    v3 = Vocab.build("b a c a b a d", max_size=3)
    assert v3.words == ["a", "b", "c"]
    assert v.encode(["a", "zzz", "d"]).tolist() == [0, 3]


def test_vocab_errors_are_clear():
    with pytest.raises(ValueError, match="empty corpus"):
        Vocab.build("")
    with pytest.raises(ValueError, match="empty after min_count=5.*lower min_count"):
        Vocab.build("a b c a", min_count=5)
    with pytest.raises(KeyError, match="'zebra' is not in the vocabulary"):
        Vocab.build("a b")["zebra"]
    with pytest.raises(ValueError, match="no in-vocabulary tokens"):
        Vocab.build("a b").encode_corpus("c d")


def test_encode_corpus_keeps_sentence_ids():
    v = Vocab.build("a b\nc\n\na")
    ids, sids = v.encode_corpus("a b\nc\n\na")
    assert ids.tolist() == [v["a"], v["b"], v["c"], v["a"]]
    assert sids.tolist() == [0, 0, 1, 3]


def test_keep_probabilities_formula():
    counts = np.array([1000, 100, 10, 1])
    p = keep_probabilities(counts, 1e-2)
    t = 1e-2 * counts.sum()
    expected = np.minimum(1, (np.sqrt(counts / t) + 1) * t / counts)
    np.testing.assert_allclose(p, expected, rtol=1e-12)
    assert p[0] < 0.2 and p[-1] == 1.0
    assert np.all(keep_probabilities(counts, 0) == 1)


def test_subsample_is_seeded_and_matches_rates():
    ids = np.repeat(np.arange(2), 20000)
    keep = np.array([0.25, 1.0])
    a = subsample(ids, keep, np.random.default_rng(3), ids * 10)
    b = subsample(ids, keep, np.random.default_rng(3), ids * 10)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], a[0] * 10)
    assert abs((a[0] == 0).sum() / 20000 - 0.25) < 0.02
    assert (a[0] == 1).sum() == 20000


def _brute_pairs(sids, eff):
    out = set()
    for i in range(len(sids)):
        for j in range(len(sids)):
            if i != j and abs(i - j) <= eff[i] and sids[i] == sids[j]:
                out.add((i, j))
    return out


def test_window_pairs_fixed_and_shrunk_match_brute_force():
    sids = np.array([0, 0, 0, 0, 0, 1, 1, 1, 2, 3, 3, 3, 3, 3, 3])
    c, x = window_pairs(sids, 2, shrink=False)
    assert set(zip(c.tolist(), x.tolist())) == _brute_pairs(sids, [2] * len(sids))
    assert len(c) == len(set(zip(c.tolist(), x.tolist())))  # no duplicates
    c, x = window_pairs(sids, 3, np.random.default_rng(5))
    eff = np.random.default_rng(5).integers(1, 4, size=len(sids), dtype=np.int32)
    assert set(zip(c.tolist(), x.tolist())) == _brute_pairs(sids, eff)
    with pytest.raises(ValueError, match="window must be >= 1"):
        window_pairs(sids, 0)


def test_window_contexts_agree_with_window_pairs():
    sids = np.array([0] * 7 + [1] * 5)
    ctx, mask = window_contexts(sids, 3, np.random.default_rng(9))
    c, x = window_pairs(sids, 3, np.random.default_rng(9))
    from_ctx = {(i, int(ctx[i, j])) for i in range(len(sids)) for j in range(6) if mask[i, j]}
    assert from_ctx == set(zip(c.tolist(), x.tolist()))


@pytest.mark.parametrize("window", [1, 3, 7])
def test_compiled_windows_give_numpys_arrays(window, monkeypatch):
    """The compiled window kernels return NumPy's arrays exactly, in the same order, with
    positions or with ``values`` in their place, and the same count of positions that have no
    context (single-word sentences); also for chunks shorter than the window."""
    from nablagrad import backend
    from nablagrad.text.vocab import _contexts_counted

    if not backend.jit_available():
        pytest.skip("Numba is not installed (pip install -e '.[test]' brings it)")
    rng = np.random.default_rng(window)
    for n in [0, 1, 2, 5, 40]:
        sids = np.sort(rng.integers(0, max(1, n // 3), n))
        sids[n // 2 :] += 100  # a one-word sentence in the middle of most chunks
        if n > 4:
            sids[n // 2] = 50
        values = rng.integers(0, 1000, n).astype(np.int32)
        for vals in (None, values):
            for shrink in (True, False):
                got = {}
                for jit in (True, False):
                    monkeypatch.setattr(backend, "_jit_enabled", jit)
                    pairs = window_pairs(sids, window, np.random.default_rng(1), shrink, vals)
                    ctx = _contexts_counted(sids, window, np.random.default_rng(1), shrink, vals)
                    got[jit] = pairs + ctx
                for a, b in zip(got[True], got[False]):
                    np.testing.assert_array_equal(a, b)
                    assert np.asarray(a).dtype == np.asarray(b).dtype
                if n > 4:
                    assert got[True][-1] >= 1  # the one-word sentence has no context


def test_draw_negatives_is_uniform_over_the_table_and_the_same_on_both_paths(monkeypatch):
    """Both paths draw the same entries from the same seed (also for an odd count, which
    leaves half of the last raw word unused), every entry comes from the table, and the
    table's slots are hit uniformly (chi-square against 10 slots)."""
    from nablagrad import backend
    from nablagrad.text.word2vec import draw_negatives

    table = np.array([5, 1, 1, 2, 9, 9, 9, 0, 3, 4], dtype=np.int32)
    draws = {}
    for jit in [True, False] if backend.jit_available() else [False]:
        monkeypatch.setattr(backend, "_jit_enabled", jit)
        draws[jit] = draw_negatives(np.random.default_rng(3), table, 20001)
    for d in draws.values():
        np.testing.assert_array_equal(d, draws[False])
        assert d.dtype == table.dtype and d.shape == (20001,)
    counts = np.bincount(draws[False], minlength=10)
    expected = np.bincount(table, minlength=10) / len(table) * 20001
    seen = expected > 0
    assert counts[~seen].sum() == 0
    chi2 = (((counts - expected)[seen] ** 2) / expected[seen]).sum()
    assert chi2 < 25  # 6 degrees of freedom: p ~ 3e-4
