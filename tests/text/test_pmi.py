"""Co-occurrence counts, PMI/PPMI by hand, context smoothing and truncated SVD."""

import math

import numpy as np
import pytest
import scipy.sparse as sp

from nablagrad.text import cooccurrence_matrix, pmi_from_counts, pmi_matrix, svd_embeddings


def test_pmi_equals_hand_computation():
    # "a b a c" with window 1 -> pairs (a,b) (b,a) (b,a) (a,b) (a,c) (c,a)
    res = pmi_matrix(["a b a c"], window=1)
    assert res.vocab.words == ["a", "b", "c"]
    C = res.counts.toarray()
    np.testing.assert_array_equal(C, [[0, 2, 1], [2, 0, 0], [1, 0, 0]])
    N = 6.0
    cw = {"a": 3.0, "b": 2.0, "c": 1.0}  # row sums = column sums
    ab = math.log(2 * N / (cw["a"] * cw["b"]))  # log 2
    ac = math.log(1 * N / (cw["a"] * cw["c"]))  # log 2
    assert res.pmi[0, 1] == pytest.approx(ab, abs=1e-12)
    assert res.pmi[1, 0] == pytest.approx(ab, abs=1e-12)
    assert res.pmi[0, 2] == pytest.approx(ac, abs=1e-12)
    assert res.pmi.nnz == 4 and sp.isspmatrix_csr(res.pmi)


def test_ppmi_clips_negative_pmi_and_sentences_separate_windows():
    corpus = ["x y x y x y", "z y"]
    res = pmi_matrix(corpus, window=2)
    C = res.counts.toarray()
    v = res.vocab
    # z and y co-occur once (second sentence); x and z never (different sentences)
    assert C[v["z"], v["y"]] == 1 and C[v["x"], v["z"]] == 0
    N = C.sum()
    r = C.sum(1)
    i, j = v["x"], v["x"]
    expected = math.log(C[i, j] * N / (r[i] * r[j]))
    assert res.pmi[i, j] == pytest.approx(expected, abs=1e-12)
    dense_pmi = res.pmi.toarray()
    assert (dense_pmi < 0).any()  # some negative PMI...
    np.testing.assert_allclose(res.ppmi.toarray(), np.maximum(dense_pmi, 0), atol=1e-12)
    assert (res.ppmi.data > 0).all()  # ...clipped and dropped from the PPMI matrix


def test_context_distribution_smoothing_by_hand():
    C = np.array([[0, 4, 1], [4, 0, 2], [1, 2, 0]], dtype=float)
    out = pmi_from_counts(C, alpha=0.75).toarray()
    N = C.sum()
    pw = C.sum(1) / N
    ca = C.sum(0) ** 0.75
    pc = ca / ca.sum()
    for i, j in [(0, 1), (1, 2), (2, 0)]:
        assert out[i, j] == pytest.approx(math.log(C[i, j] / N / (pw[i] * pc[j])), abs=1e-12)


def test_cooccurrence_chunking_is_exact():
    rng = np.random.default_rng(0)
    sents = [[f"w{k}" for k in rng.integers(0, 20, size=rng.integers(1, 30))] for _ in range(40)]
    full, _ = cooccurrence_matrix(sents, window=3)
    chunked, _ = cooccurrence_matrix(sents, window=3, chunk_size=17)
    np.testing.assert_array_equal(full.toarray(), chunked.toarray())
    np.testing.assert_array_equal(full.toarray(), full.toarray().T)


def test_svd_embeddings_dense_and_sparse_paths():
    rng = np.random.default_rng(1)
    # well-separated spectrum (10, 8, 6, 4, 2, then 0.1 ...) so ARPACK converges quickly
    Uq, _ = np.linalg.qr(rng.normal(size=(230, 210)))
    Vq, _ = np.linalg.qr(rng.normal(size=(210, 210)))
    sv = np.r_[10, 8, 6, 4, 2, np.full(205, 0.1)]
    M = (Uq * sv) @ Vq.T
    E = svd_embeddings(sp.csr_matrix(M), 4, power=1.0)  # sparse solver path (n > 200)
    U, S, _ = np.linalg.svd(M, full_matrices=False)
    ref = U[:, :4] * S[:4]
    np.testing.assert_allclose(np.abs(E), np.abs(ref), rtol=1e-4, atol=1e-4)
    small = svd_embeddings(M[:20, :30], 3, power=0.5)  # dense path
    U, S, _ = np.linalg.svd(M[:20, :30], full_matrices=False)
    np.testing.assert_allclose(np.abs(small), np.abs(U[:, :3] * S[:3] ** 0.5), rtol=1e-4)
    with pytest.raises(ValueError, match="dim=7 exceeds"):
        svd_embeddings(np.eye(6), 7)


def test_pmi_errors():
    with pytest.raises(ValueError, match="empty co-occurrence"):
        pmi_from_counts(sp.csr_matrix((3, 3)))
    with pytest.raises(ValueError, match="alpha must be in"):
        pmi_from_counts(np.ones((2, 2)), alpha=1.5)
    with pytest.raises(ValueError, match="empty corpus"):
        pmi_matrix("")
