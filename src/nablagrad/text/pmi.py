"""Count-based embeddings: co-occurrence counts, PMI / PPMI, truncated SVD (Levy et al. 2015).

With ``#(w, c)`` the number of times ``c`` occurs within ``window`` words of ``w`` (inside one
sentence), ``#(w) = sum_c #(w, c)``, ``#(c) = sum_w #(w, c)`` and ``N = sum #(w, c)``:

    PMI(w, c)  = log( #(w, c) * N / (#(w) * #(c)) )
    PPMI(w, c) = max(PMI(w, c), 0)

Context-distribution smoothing (``alpha``, typically 0.75) replaces ``#(c) / N`` by
``P_a(c) = #(c)^a / sum_c' #(c')^a``, so PMI = log( #(w,c) / N / (#(w)/N * P_a(c)) ).
Only observed pairs are stored; unobserved pairs have PMI = -inf and PPMI = 0.
``svd_embeddings`` returns ``U_d * S_d^power`` of the truncated SVD ``M ≈ U_d S_d V_d^T``.

Example:
    >>> res = pmi_matrix(["a b a c"], window=1)
    >>> res.vocab.words, res.counts.toarray().tolist()
    (['a', 'b', 'c'], [[0.0, 2.0, 1.0], [2.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    >>> round(float(res.pmi[0, 1]), 4)  # log(2 * 6 / (3 * 2))
    0.6931
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from ..backend import np, scipy
from .keyedvectors import KeyedVectors
from .vocab import Corpus, Tokenizer, Vocab, materialize, window_pairs

if TYPE_CHECKING:
    import scipy.sparse as sp  # annotations only


class PMI(NamedTuple):
    """Result of :func:`pmi_matrix`: sparse ``(V, V)`` CSR matrices and the vocabulary."""

    counts: sp.csr_matrix
    pmi: sp.csr_matrix
    ppmi: sp.csr_matrix
    vocab: Vocab


def cooccurrence_matrix(
    corpus: Corpus,
    window: int = 2,
    min_count: int = 1,
    max_vocab_size: int | None = None,
    tokenizer: Tokenizer | None = None,
    vocab: Vocab | None = None,
    chunk_size: int = 1_000_000,
) -> tuple[sp.csr_matrix, Vocab]:
    """Symmetric counts ``#(w, c)`` of word pairs at distance <= ``window`` in a sentence.

    Out-of-vocabulary tokens are removed before windows are taken (as word2vec does).  The
    corpus is processed ``chunk_size`` tokens at a time (memory), with exact results.
    """
    sp = scipy("sparse")

    corpus = materialize(corpus)
    if vocab is None:
        vocab = Vocab.build(corpus, min_count, max_vocab_size, tokenizer)
    ids, sids = vocab.encode_corpus(corpus, tokenizer)
    V = len(vocab)
    total = sp.csr_matrix((V, V), dtype=np.float64)
    chunk = max(int(chunk_size), 1)
    for start in range(0, len(ids), chunk):
        # overlap chunks by `window` tokens so pairs across the cut are counted exactly once
        lo = max(0, start - window)
        c_ids, c_sids = ids[lo : start + chunk], sids[lo : start + chunk]
        w, c = window_pairs(c_sids, window, shrink=False)
        keep = np.maximum(w, c) >= start - lo  # drop pairs lying wholly in the overlap
        w, c = c_ids[w[keep]], c_ids[c[keep]]
        ones = np.ones(len(w), dtype=np.float64)
        total = total + sp.coo_matrix((ones, (w, c)), shape=(V, V)).tocsr()
    total.sum_duplicates()
    return total.tocsr(), vocab


def pmi_from_counts(
    counts: sp.spmatrix | np.ndarray, positive: bool = False, alpha: float | None = None
) -> sp.csr_matrix:
    """PMI (or PPMI with ``positive=True``) of a co-occurrence count matrix, on its nonzeros."""
    sp = scipy("sparse")

    C = sp.csr_matrix(counts, dtype=np.float64)
    if C.shape[0] == 0 or C.nnz == 0:
        raise ValueError("PMI of an empty co-occurrence matrix: the corpus has no word pairs")
    if (C.data < 0).any():
        raise ValueError("co-occurrence counts must be non-negative")
    C.eliminate_zeros()
    N = C.data.sum()
    row = np.asarray(C.sum(axis=1)).ravel()
    col = np.asarray(C.sum(axis=0)).ravel()
    if alpha is None:
        log_pc = np.log(np.maximum(col, 1e-300) / N)
    else:
        if not 0 < alpha <= 1:
            raise ValueError(f"context smoothing alpha must be in (0, 1], got {alpha}")
        ca = col**alpha
        log_pc = np.log(np.maximum(ca, 1e-300) / ca.sum())
    rows = np.repeat(np.arange(C.shape[0]), np.diff(C.indptr))
    data = np.log(C.data / N) - np.log(row[rows] / N) - log_pc[C.indices]
    out = sp.csr_matrix((data, C.indices.copy(), C.indptr.copy()), shape=C.shape)
    if positive:
        out.data = np.maximum(out.data, 0.0)
        out.eliminate_zeros()
    return out


def pmi_matrix(
    corpus: Corpus,
    window: int = 2,
    *,
    alpha: float | None = None,
    min_count: int = 1,
    max_vocab_size: int | None = None,
    tokenizer: Tokenizer | None = None,
) -> PMI:
    """Counts, PMI and PPMI of ``corpus`` as SciPy sparse matrices (see the module formulas).

    ``alpha`` enables context-distribution smoothing (0.75 is the usual choice).
    """

    counts, vocab = cooccurrence_matrix(corpus, window, min_count, max_vocab_size, tokenizer)
    pmi = pmi_from_counts(counts, positive=False, alpha=alpha)
    ppmi = pmi.copy()
    ppmi.data = np.maximum(ppmi.data, 0.0)
    ppmi.eliminate_zeros()
    return PMI(counts, pmi, ppmi, vocab)


def svd_embeddings(
    matrix: sp.spmatrix | np.ndarray, dim: int, power: float = 0.5, seed: int = 0
) -> np.ndarray:
    """Rows of ``U_d * S_d^power`` from the rank-``dim`` truncated SVD of ``matrix``.

    Columns are ordered by decreasing singular value, with a deterministic sign (each column's
    largest-magnitude entry positive).  ``power=0.5`` is the symmetric variant of Levy et al.
    """
    sp = scipy("sparse")

    n = min(matrix.shape)
    if dim < 1:
        raise ValueError(f"svd_embeddings: dim must be >= 1, got {dim}")
    if dim > n:
        raise ValueError(
            f"svd_embeddings: dim={dim} exceeds the matrix rank bound {n} (matrix shape "
            f"{matrix.shape}); use dim <= {n}"
        )
    if dim >= n - 1 or n <= 200:
        dense = matrix.toarray() if sp.issparse(matrix) else np.asarray(matrix, dtype=np.float64)
        U, S, _ = np.linalg.svd(dense, full_matrices=False)
        U, S = U[:, :dim], S[:dim]
    else:
        svds = scipy("sparse.linalg").svds

        v0 = np.random.default_rng(seed).standard_normal(n)
        U, S, _ = svds(sp.csr_matrix(matrix, dtype=np.float64), k=dim, v0=v0)
        order = np.argsort(-S)
        U, S = U[:, order], S[order]
    signs = np.sign(U[np.abs(U).argmax(axis=0), np.arange(U.shape[1])])
    signs[signs == 0] = 1.0
    return (U * signs * S**power).astype(np.float32)


def ppmi_svd(
    corpus: Corpus,
    dim: int = 100,
    window: int = 2,
    alpha: float | None = 0.75,
    min_count: int = 1,
    max_vocab_size: int | None = None,
    power: float = 0.5,
    tokenizer: Tokenizer | None = None,
    seed: int = 0,
) -> KeyedVectors:
    """Word vectors from the truncated SVD of the (smoothed) PPMI matrix of ``corpus``."""
    res = pmi_matrix(
        corpus,
        window,
        alpha=alpha,
        min_count=min_count,
        max_vocab_size=max_vocab_size,
        tokenizer=tokenizer,
    )
    dim = min(dim, len(res.vocab))
    return KeyedVectors(res.vocab.words, svd_embeddings(res.ppmi, dim, power, seed))
