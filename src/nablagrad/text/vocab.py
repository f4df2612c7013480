"""Tokenisation, vocabularies, frequent-word subsampling and context windows.

These are the corpus-side building blocks shared by :mod:`nablagrad.text.word2vec` and
:mod:`nablagrad.text.pmi`.  A *corpus* is either one string (each line is a sentence) or an
iterable of sentences, where a sentence is a string (tokenised here) or a list of tokens.

Example:
    >>> from nablagrad.text import tokenize, Vocab
    >>> tokenize("The cat sat on the mat.")
    ['the', 'cat', 'sat', 'on', 'the', 'mat']
    >>> v = Vocab.build("the cat sat on the mat", min_count=1)
    >>> v.words[:2], v["the"], v.count("the")
    (['the', 'cat'], 0, 2)
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import repeat

from ..backend import jit_available, np

Tokenizer = Callable[[str], list[str]]
Corpus = str | Iterable[str | Sequence[str]]

_WORD_RE = re.compile(r"[a-z0-9]+(?:['_][a-z0-9]+)*")


def tokenize(text: str) -> list[str]:
    """Lower-case ``text`` and return its words (runs of letters/digits, inner ' and _ kept).

    Example:
        >>> tokenize("Don't panic: 42 towels!")
        ["don't", 'panic', '42', 'towels']
    """
    if not isinstance(text, str):
        raise TypeError(f"tokenize: expected a str, got {type(text).__name__}")
    return _WORD_RE.findall(text.lower())


def iter_sentences(corpus: Corpus, tokenizer: Tokenizer | None = None) -> Iterator[Sequence[str]]:
    """Yield each sentence of ``corpus`` as a list of tokens.

    A string corpus is split into lines; string sentences go through ``tokenizer`` (default
    :func:`tokenize`); token lists are used as they are.
    """
    tok = tokenizer or tokenize
    if isinstance(corpus, str):
        corpus = corpus.splitlines()
    elif isinstance(corpus, bytes):
        raise TypeError("corpus is bytes: decode it first, e.g. corpus.decode('utf-8')")
    for sentence in corpus:
        if isinstance(sentence, str):
            yield tok(sentence)
        elif isinstance(sentence, (list, tuple)):
            if sentence and not isinstance(sentence[0], str):
                raise TypeError(
                    f"sentence tokens must be str, got {type(sentence[0]).__name__}: "
                    "pass a list of token lists, e.g. [['the', 'cat'], ['a', 'dog']]"
                )
            yield sentence  # read only: the caller's list itself, not a copy
        else:
            raise TypeError(
                f"corpus items must be str or list of str, got {type(sentence).__name__}"
            )


def materialize(corpus: Corpus) -> Corpus:
    """A corpus that can be read more than once: one-shot iterators become lists."""
    if isinstance(corpus, (str, list, tuple)):
        return corpus
    return list(corpus)


class Vocab:
    """Word <-> index maps with counts, most frequent word first (ties broken alphabetically).

    Args:
        counts: word -> number of occurrences.
        min_count: drop words seen fewer times.
        max_size: keep at most this many words (the most frequent).

    Example:
        >>> v = Vocab({"a": 3, "b": 1, "c": 2}, min_count=2)
        >>> v.words, v.index("c"), len(v)
        (['a', 'c'], 1, 2)
    """

    def __init__(
        self, counts: dict[str, int], min_count: int = 1, max_size: int | None = None
    ) -> None:
        if min_count < 1:
            raise ValueError(f"min_count must be >= 1, got {min_count}")
        if max_size is not None and max_size < 1:
            raise ValueError(f"max_size must be >= 1 or None, got {max_size}")
        if not counts:
            raise ValueError("empty corpus: no tokens found (is the file empty?)")
        items = sorted(
            ((w, c) for w, c in counts.items() if c >= min_count), key=lambda wc: (-wc[1], wc[0])
        )
        if max_size is not None:
            items = items[:max_size]
        if not items:
            best = max(counts.values())
            raise ValueError(
                f"vocabulary is empty after min_count={min_count}: the most frequent of the "
                f"{len(counts)} distinct words occurs {best} times; lower min_count"
            )
        self.words: list[str] = [w for w, _ in items]
        self.counts: np.ndarray = np.array([c for _, c in items], dtype=np.int64)
        self.stoi: dict[str, int] = {w: i for i, w in enumerate(self.words)}
        self.total_raw = int(sum(counts.values()))

    @classmethod
    def build(
        cls,
        corpus: Corpus,
        min_count: int = 1,
        max_size: int | None = None,
        tokenizer: Tokenizer | None = None,
    ) -> Vocab:
        """Count the tokens of ``corpus`` and build the vocabulary."""
        counter: Counter[str] = Counter()
        for sent in iter_sentences(corpus, tokenizer):
            counter.update(sent)
        return cls(counter, min_count=min_count, max_size=max_size)

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.stoi

    def __getitem__(self, word: str) -> int:
        return self.index(word)

    def __repr__(self) -> str:
        head = ", ".join(self.words[:5])
        return f"Vocab(size={len(self)}, most frequent: {head}{', ...' if len(self) > 5 else ''})"

    def index(self, word: str) -> int:
        """Index of ``word``; a clear ``KeyError`` when it is not in the vocabulary."""
        try:
            return self.stoi[word]
        except KeyError:
            raise KeyError(
                f"word {word!r} is not in the vocabulary ({len(self)} words; it was unseen "
                "or rarer than min_count)"
            ) from None

    def count(self, word: str) -> int:
        return int(self.counts[self.index(word)])

    def encode(self, tokens: Iterable[str]) -> np.ndarray:
        """Indices of the in-vocabulary tokens (out-of-vocabulary tokens are dropped)."""
        if not isinstance(tokens, (list, tuple)):
            tokens = list(tokens)
        # -1 for out-of-vocabulary tokens, dropped below (one C-level pass over the tokens)
        ids = np.fromiter(map(self.stoi.get, tokens, repeat(-1)), np.int32, len(tokens))
        return ids if ids.size == 0 or ids.min() >= 0 else ids[ids >= 0]

    def encode_corpus(
        self, corpus: Corpus, tokenizer: Tokenizer | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The corpus as one index array plus each token's sentence id (windows stay inside).

        Returns ``(ids, sentence_ids)``, both ``int32`` and of equal length.
        """
        ids, lengths = [], []
        for sent in iter_sentences(corpus, tokenizer):
            e = self.encode(sent)
            ids.append(e)
            lengths.append(len(e))
        if not any(lengths):
            raise ValueError("empty corpus: no in-vocabulary tokens to train on")
        sids = np.repeat(np.arange(len(lengths), dtype=np.int32), lengths)
        return np.concatenate(ids), sids


def keep_probabilities(counts: np.ndarray, sample: float) -> np.ndarray:
    """Per-word keep probability of word2vec's frequent-word subsampling.

    With ``t = sample * total`` (word2vec.c / gensim form of Mikolov et al. 2013):
    ``keep(w) = min(1, (sqrt(count(w) / t) + 1) * t / count(w))``.  ``sample <= 0`` keeps all.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if sample <= 0:
        return np.ones_like(counts)
    t = sample * counts.sum()
    return np.minimum(1.0, (np.sqrt(counts / t) + 1.0) * t / counts)


def subsample(
    ids: np.ndarray, keep_prob: np.ndarray, rng: np.random.Generator, *others: np.ndarray
) -> tuple[np.ndarray, ...]:
    """Drop each token with probability ``1 - keep_prob[id]`` (seeded by ``rng``).

    Returns the kept ``ids`` and the matching entries of each array in ``others``.
    """
    mask = rng.random(len(ids)) < keep_prob[ids]
    return (ids[mask],) + tuple(o[mask] for o in others)


def _effective_windows(
    n: int, window: int, rng: np.random.Generator | None, shrink: bool
) -> np.ndarray:
    """Each of ``n`` positions' window: drawn from ``1..window`` with ``shrink``, else
    ``window``."""
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    if not shrink:
        return np.full(n, window, dtype=np.int32)
    if rng is None:
        raise ValueError("shrink=True needs an rng")
    return rng.integers(1, window + 1, size=n, dtype=np.int32)


def _positions_as(values: np.ndarray | None, positions: np.ndarray) -> np.ndarray:
    """``values[positions]`` (``np.take``: ~2x fancy indexing), or the positions."""
    return positions if values is None else np.take(values, positions)


def window_pairs(
    sentence_ids: np.ndarray,
    window: int,
    rng: np.random.Generator | None = None,
    shrink: bool = True,
    values: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Positions ``(centre, context)`` of all pairs within ``window`` inside one sentence.

    With ``shrink`` each centre draws its effective window ``b`` uniformly from
    ``1..window`` (as word2vec does, weighting near words more); otherwise ``b = window``.
    With ``values`` (one per position, e.g. the words' ids) the pairs hold ``values[i]``
    instead of the positions ``i`` (the compiled kernel writes them in the same pass).

    Example:
        >>> c, x = window_pairs(np.array([0, 0, 0]), 1, shrink=False)
        >>> sorted(zip(c.tolist(), x.tolist()))
        [(0, 1), (1, 0), (1, 2), (2, 1)]
    """
    n = len(sentence_ids)
    eff = _effective_windows(n, window, rng, shrink)
    if jit_available():
        from ._batches_jit import kernels

        vals = np.arange(n, dtype=np.int32) if values is None else np.ascontiguousarray(values)
        most = 2 * max(0, min(window, n - 1)) * n
        centres, contexts = np.empty(most, vals.dtype), np.empty(most, vals.dtype)
        ids = np.ascontiguousarray(sentence_ids)
        m = kernels()[0](ids, eff, window, vals, centres, contexts)
        return centres[:m], contexts[:m]
    pos = np.arange(n, dtype=np.int32)
    centres, contexts = [], []
    for o in range(1, min(window, n - 1) + 1):
        same = sentence_ids[:-o] == sentence_ids[o:]
        right = same & (eff[:-o] >= o)  # centre i, context i + o
        left = same & (eff[o:] >= o)  # centre i + o, context i
        i = pos[:-o][right]
        centres += [i, pos[o:][left]]
        contexts += [i + o, pos[:-o][left]]
    if not centres:
        empty = _positions_as(values, np.zeros(0, dtype=np.int32))
        return empty, empty
    return (
        _positions_as(values, np.concatenate(centres)),
        _positions_as(values, np.concatenate(contexts)),
    )


def window_contexts(
    sentence_ids: np.ndarray,
    window: int,
    rng: np.random.Generator | None = None,
    shrink: bool = True,
    values: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """For CBOW: each position's context positions as a padded ``(n, 2*window)`` array.

    Returns ``(ctx, mask)``; ``ctx[i, j]`` is a position (0 where ``mask`` is False), or with
    ``values`` that position's value (as :func:`window_pairs`).  Same window rule as
    :func:`window_pairs`.
    """
    ctx, mask, _ = _contexts_counted(sentence_ids, window, rng, shrink, values)
    return ctx, mask


def _contexts_counted(
    sentence_ids: np.ndarray,
    window: int,
    rng: np.random.Generator | None,
    shrink: bool,
    values: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """``window_contexts`` and how many positions have no context word (word2vec drops
    them; when there are none it need not look: ``mask.any(axis=1)`` on a chunk of 16,384
    positions took ~0.5 ms)."""
    n = len(sentence_ids)
    eff = _effective_windows(n, window, rng, shrink)
    if jit_available():
        from ._batches_jit import kernels

        vals = np.arange(n, dtype=np.int32) if values is None else np.ascontiguousarray(values)
        ctx, mask = np.empty((n, 2 * window), vals.dtype), np.empty((n, 2 * window), bool)
        lonely = kernels()[1](np.ascontiguousarray(sentence_ids), eff, window, vals, ctx, mask)
        return ctx, mask, int(lonely)
    # built one offset at a time on (2*window, n) rows: each is a shifted slice (no gathers,
    # no (n, 2*window) int64 temporaries), then one transposed copy to (n, 2*window)
    offsets = [o for o in range(-window, window + 1) if o]
    pos = np.arange(n, dtype=np.int32)
    ctx_t = np.zeros((len(offsets), n), dtype=np.int32)
    mask_t = np.zeros((len(offsets), n), dtype=bool)
    for j, o in enumerate(offsets):
        lo, hi = max(0, -o), min(n, n - o)  # positions i whose i + o lies inside
        if lo >= hi:
            continue
        ctx_t[j, lo:hi] = pos[lo + o : hi + o]
        m = mask_t[j, lo:hi]
        np.equal(sentence_ids[lo + o : hi + o], sentence_ids[lo:hi], out=m)
        m &= eff[lo:hi] >= abs(o)
    ctx = _positions_as(values, np.ascontiguousarray(ctx_t.T))
    mask = np.ascontiguousarray(mask_t.T)
    return ctx, mask, n - int(np.count_nonzero(mask.any(axis=1)))
