"""Word embeddings: word2vec (skip-gram / CBOW with negative sampling) and PPMI + SVD.

Example:
    >>> from nablagrad.text import Word2Vec
    >>> corpus = ["the cat sat on the mat", "the dog sat on the log"] * 50
    >>> wv = Word2Vec(corpus, vector_size=16, window=2, min_count=1, epochs=2).wv
    >>> len(wv), wv.vector_size
    (7, 16)
"""

from __future__ import annotations

from .corpus import default_corpus, planted_corpus, zipf_corpus
from .keyedvectors import KeyedVectors
from .pmi import cooccurrence_matrix, pmi_from_counts, pmi_matrix, ppmi_svd, svd_embeddings
from .vocab import (
    Vocab,
    iter_sentences,
    keep_probabilities,
    subsample,
    tokenize,
    window_contexts,
    window_pairs,
)
from .word2vec import Word2Vec, negative_table

__all__ = [
    "KeyedVectors",
    "Vocab",
    "Word2Vec",
    "cooccurrence_matrix",
    "default_corpus",
    "iter_sentences",
    "keep_probabilities",
    "negative_table",
    "planted_corpus",
    "pmi_from_counts",
    "pmi_matrix",
    "ppmi_svd",
    "subsample",
    "svd_embeddings",
    "tokenize",
    "window_contexts",
    "window_pairs",
    "zipf_corpus",
]
