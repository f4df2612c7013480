"""Corpora that exist everywhere without downloads: the Python docs and synthetic text.

Example:
    >>> from nablagrad.text import planted_corpus
    >>> sents, clusters = planted_corpus(n_clusters=3, words_per_cluster=4, n_sentences=10)
    >>> len(sents), len(clusters), sents[0][:2]  # doctest: +SKIP
    (10, 3, ['c1w3', 'c1w0'])
"""

from __future__ import annotations

from ..backend import np


def default_corpus() -> list[str]:
    """The English help topics shipped with CPython in ``pydoc_data`` (about 65k words),
    one paragraph per sentence."""
    try:
        from pydoc_data.topics import topics
    except ImportError as e:  # some minimal Python builds strip pydoc_data
        raise RuntimeError(
            "the default corpus needs the standard library's pydoc_data module, which this "
            "Python lacks; pass a corpus file instead"
        ) from e
    paragraphs = []
    for key in sorted(topics):
        paragraphs += [p for p in topics[key].split("\n\n") if p.strip()]
    return paragraphs


def planted_corpus(
    n_clusters: int = 10,
    words_per_cluster: int = 20,
    n_sentences: int = 2000,
    sentence_length: int = 12,
    n_common: int = 0,
    seed: int = 0,
) -> tuple[list[list[str]], list[list[str]]]:
    """Sentences with planted topic structure: each sentence picks one cluster and draws its
    words uniformly from that cluster (plus, with ``n_common > 0``, from shared filler words
    ``f0, f1, ...`` a third of the time).  Returns ``(sentences, clusters)``; cluster ``k``
    holds the words ``c{k}w0 ... c{k}w{words_per_cluster-1}``."""
    rng = np.random.default_rng(seed)
    clusters = [[f"c{k}w{j}" for j in range(words_per_cluster)] for k in range(n_clusters)]
    topic = rng.integers(0, n_clusters, size=n_sentences)
    picks = rng.integers(0, words_per_cluster, size=(n_sentences, sentence_length))
    filler = rng.random((n_sentences, sentence_length)) < (1 / 3 if n_common else 0)
    fill_ids = rng.integers(0, max(n_common, 1), size=(n_sentences, sentence_length))
    sentences = []
    for s in range(n_sentences):
        words = clusters[topic[s]]
        sentences.append(
            [
                f"f{fill_ids[s, i]}" if filler[s, i] else words[picks[s, i]]
                for i in range(sentence_length)
            ]
        )
    return sentences, clusters


def zipf_corpus(
    n_tokens: int = 1_000_000,
    vocab_size: int = 10_000,
    exponent: float = 1.0,
    sentence_length: int = 1000,
    seed: int = 0,
) -> list[list[str]]:
    """I.i.d. tokens with Zipf frequencies ``p(rank r) ∝ r^-exponent`` over ``vocab_size``
    words ``w0, w1, ...``, cut into sentences (a speed benchmark corpus)."""
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, vocab_size + 1) ** exponent
    ids = rng.choice(vocab_size, size=n_tokens, p=p / p.sum())
    names = np.array([f"w{i}" for i in range(vocab_size)], dtype=object)
    toks = names[ids]
    return [toks[i : i + sentence_length].tolist() for i in range(0, n_tokens, sentence_length)]
