"""word2vec: skip-gram and CBOW trained with negative sampling (Mikolov et al. 2013).

Skip-gram predicts each context word ``o`` from the centre word ``c``; CBOW predicts the
centre word from the mean ``h`` of its context vectors.  Both minimise, per example,

    L = -log sigma(h . u_o) - sum_{k=1..K} log sigma(-h . u_k),    u_k ~ P(w) ∝ count(w)^0.75

with ``h = W_in[c]`` (skip-gram) or ``mean_j W_in[c_j]`` (CBOW) and output rows ``u = W_out``.
Training is SGD over batches of examples; the learning rate decays linearly from ``alpha`` to
``min_alpha``.  Frequent words are subsampled and windows are randomly shrunk, as word2vec does.

Two interchangeable paths compute each step: ``path="fast"`` (fused NumPy kernels in
:mod:`nablagrad.text.sgns`) and ``path="reference"`` (``nn.Embedding`` + autograd, in
:mod:`nablagrad.text.reference`); fed the same batches they agree to float rounding.

Example:
    >>> from nablagrad.text import Word2Vec
    >>> corpus = ["the cat sat on the mat", "the dog sat on the log"] * 50
    >>> model = Word2Vec(corpus, vector_size=16, window=2, min_count=1, epochs=2, seed=0)
    >>> model.wv.most_similar("cat", topn=1)[0][0] in model.wv
    True
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import NamedTuple, TypeVar

from .. import parallel
from ..backend import jit_available, np
from .keyedvectors import KeyedVectors
from .sgns import Workspace, cbow_steps, in_batches, sgns_steps
from .vocab import (
    Corpus,
    Tokenizer,
    Vocab,
    _contexts_counted,
    keep_probabilities,
    materialize,
    subsample,
    window_pairs,
)

T = TypeVar("T")


class _EpochPlan(NamedTuple):
    """An epoch's subsampled tokens and where its chunks start."""

    ids: np.ndarray  # the kept token ids
    sids: np.ndarray  # their sentence ids
    positions: np.ndarray  # their positions in the raw corpus
    starts: range  # the first kept token of every chunk
    n_raw: int  # the raw corpus length


def negative_table(counts: np.ndarray, power: float = 0.75, size: int | None = None) -> np.ndarray:
    """word2vec's unigram^power sampling table: word ``w`` fills a share of the table equal to
    ``count(w)^power / sum_v count(v)^power``; uniform draws from it sample negatives."""
    p = np.asarray(counts, dtype=np.float64) ** power
    cum = np.cumsum(p / p.sum())
    size = size or int(min(1e8, max(1e6, 100 * len(counts))))
    return np.searchsorted(cum, (np.arange(size) + 0.5) / size).astype(np.int32)


def draw_negatives(rng: np.random.Generator, table: np.ndarray, n: int) -> np.ndarray:
    """``n`` entries of ``table`` drawn uniformly: entry ``(u * len(table)) >> 32`` for each
    32-bit half ``u`` of ``rng``'s raw 64-bit output (low half first), as word2vec's C code
    and gensim index their tables with a random integer (a bias below len(table) / 2**32,
    2e-4 for the 10**6-entry table).  One raw draw per two samples: ~2.5 ns a sample against
    ~7 for ``rng.integers`` plus the gather, and (compiled) one pass without the GIL.

    Example:
        >>> table = np.array([7, 8, 9], dtype=np.int32)
        >>> draws = draw_negatives(np.random.default_rng(0), table, 1000)
        >>> draws.shape, sorted(set(draws.tolist()))
        ((1000,), [7, 8, 9])
    """
    raw = rng.bit_generator.random_raw((n + 1) // 2)
    if jit_available():
        from ._batches_jit import kernels

        out = np.empty(n, table.dtype)
        kernels()[2](raw, np.ascontiguousarray(table), out)
        return out
    halves = np.empty((len(raw), 2), np.uint64)
    halves[:, 0] = raw & np.uint64(0xFFFFFFFF)
    halves[:, 1] = raw >> np.uint64(32)
    picks = (halves.reshape(-1)[:n] * np.uint64(len(table))) >> np.uint64(32)
    return np.take(table, picks)


class Word2Vec:
    """Train word vectors with skip-gram (``sg=1``) or CBOW (``sg=0``) and negative sampling.

    Args (gensim's names and defaults where they exist):
        sentences: corpus to train on right away (see :func:`~nablagrad.text.iter_sentences`).
        sg: 1 for skip-gram, 0 for CBOW.
        vector_size: embedding dimension.
        window: maximum distance between centre and context word.
        negative: negatives per example, drawn from the unigram^0.75 table.
        min_count, max_vocab_size: vocabulary pruning.
        sample: subsampling threshold (0 disables).
        alpha, min_alpha: learning rate, decayed linearly over all epochs (gensim's 0.025
            and 0.0001).
        cbow_mean: CBOW's input h: 1 the mean of the context vectors, each context row then
            updated by the whole error (not the mean's gradient, 1/n of it), 0 their sum,
            each updated by 1/n of the error: gensim's and word2vec.c's update either way.
        epochs: passes over the corpus.
        batch_size: examples (pairs for skip-gram, centre words for CBOW) per SGD step.
        max_repeat: a row updated more than this many times in one batch has its summed
            update scaled down to this many (keeps big batches of frequent words stable;
            None turns it off: plain minibatch SGD).
        seed: seeds initialisation, subsampling, windows and negatives.
        shrink_windows: draw each centre's window from 1..window (word2vec) or use ``window``.
        tokenizer: turns a string sentence into tokens (default: lower-case word regex).
        path: ``"fast"`` (fused NumPy) or ``"reference"`` (``nn.Embedding`` + autograd).
        workers: fast-path batches stepped concurrently (lock-free "Hogwild" updates as in
            word2vec/gensim; results then vary slightly from run to run), on nablagrad's
            thread pool: at most ``nablagrad.get_num_threads()`` of them run at a time.  1 is
            exactly reproducible for a given seed.
        progress: show a progress bar with words/s.

    After training, ``model.wv`` holds the input vectors as :class:`KeyedVectors` and
    ``model.losses`` the mean loss per example of each epoch.
    """

    def __init__(
        self,
        sentences: Corpus | None = None,
        *,
        sg: int = 1,
        vector_size: int = 100,
        window: int = 5,
        negative: int = 5,
        min_count: int = 5,
        max_vocab_size: int | None = None,
        sample: float = 1e-3,
        alpha: float = 0.025,
        min_alpha: float = 1e-4,
        cbow_mean: int = 1,
        epochs: int = 5,
        batch_size: int = 1024,
        max_repeat: int | None = None,
        seed: int = 1,
        shrink_windows: bool = True,
        tokenizer: Tokenizer | None = None,
        path: str = "fast",
        workers: int = 1,
        progress: bool = False,
    ) -> None:
        checks = {
            "vector_size": vector_size,
            "window": window,
            "negative": negative,
            "epochs": epochs,
            "batch_size": batch_size,
            "workers": workers,
        }
        for name, value in checks.items():
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"Word2Vec: {name} must be a positive int, got {value!r}")
        if sg not in (0, 1):
            raise ValueError(f"Word2Vec: sg must be 1 (skip-gram) or 0 (CBOW), got {sg!r}")
        if path not in ("fast", "reference"):
            raise ValueError(f"Word2Vec: path must be 'fast' or 'reference', got {path!r}")
        if cbow_mean not in (0, 1):
            raise ValueError(f"Word2Vec: cbow_mean must be 1 (mean) or 0 (sum), got {cbow_mean!r}")
        if not sample >= 0:
            raise ValueError(f"Word2Vec: sample must be >= 0 (0 disables it), got {sample}")
        if not (alpha > 0 and 0 <= min_alpha <= alpha):
            raise ValueError(
                f"Word2Vec: need alpha > 0 and 0 <= min_alpha <= alpha, got "
                f"alpha={alpha}, min_alpha={min_alpha}"
            )
        self.sg, self.vector_size, self.window, self.negative = sg, vector_size, window, negative
        self.min_count, self.max_vocab_size, self.sample = min_count, max_vocab_size, sample
        self.alpha, self.min_alpha, self.epochs = alpha, min_alpha, epochs
        self.cbow_mean = cbow_mean
        self.batch_size, self.max_repeat = batch_size, max_repeat
        if max_repeat is not None and max_repeat < 1:
            raise ValueError(f"Word2Vec: max_repeat must be >= 1 or None, got {max_repeat!r}")
        self.seed, self.shrink_windows, self.tokenizer = seed, shrink_windows, tokenizer
        self.path, self.progress, self.workers = path, progress, workers
        if workers > 1 and path == "reference":
            raise ValueError("Word2Vec: the reference path runs with workers=1")
        self.vocab: Vocab | None = None
        self._wv: KeyedVectors | None = None
        self.losses: list[float] = []
        self.train_seconds = 0.0
        self.words_per_sec = 0.0
        if sentences is not None:
            sentences = materialize(sentences)
            self.build_vocab(sentences)
            self.train(sentences)

    # ------------------------------------------------------------------------------ setup
    def build_vocab(self, sentences: Corpus) -> Word2Vec:
        """Count words, prune by ``min_count``/``max_vocab_size`` and initialise the weights
        (``W_in ~ U(-0.5/d, 0.5/d)``, ``W_out = 0``, as word2vec)."""
        self.vocab = Vocab.build(sentences, self.min_count, self.max_vocab_size, self.tokenizer)
        rng = np.random.default_rng(self.seed)
        V, d = len(self.vocab), self.vector_size
        self.W_in = ((rng.random((V, d), dtype=np.float32) - 0.5) / d).astype(np.float32)
        self.W_out = np.zeros((V, d), dtype=np.float32)
        self._table = negative_table(self.vocab.counts)
        self._keep = keep_probabilities(self.vocab.counts, self.sample)
        self._wv = None
        return self

    @property
    def wv(self) -> KeyedVectors:
        """The input vectors as :class:`KeyedVectors` (sharing memory with ``W_in``)."""
        if self.vocab is None:
            raise RuntimeError("Word2Vec has no vectors yet: call build_vocab() and train()")
        if self._wv is None:
            self._wv = KeyedVectors(self.vocab.words, self.W_in)
        return self._wv

    # ---------------------------------------------------------------------------- batches
    def batches(
        self, ids: np.ndarray, sids: np.ndarray, epoch: int
    ) -> Iterator[tuple[tuple[np.ndarray, ...], float, int]]:
        """Yield ``(arrays, lr, raw_tokens_done)`` for one epoch.

        Skip-gram arrays are ``(centres, contexts, negatives)``; CBOW arrays are
        ``(contexts, mask, centres, negatives)``.  Deterministic for a given seed and epoch:
        the subsampling draws from the epoch's generator, each chunk's windows and negatives
        from the chunk's own (so workers preparing different chunks give the same batches).
        """
        plan = self._epoch_plan(ids, sids, epoch)
        for chunk in range(len(plan.starts)):
            yield from self._chunk_batches(plan, epoch, chunk)

    def _epoch_plan(self, ids: np.ndarray, sids: np.ndarray, epoch: int) -> _EpochPlan:
        """The epoch's subsampled tokens, split into chunks of ``8 * batch_size`` examples'
        tokens."""
        rng = np.random.default_rng([self.seed, epoch])
        n_raw = len(ids)
        positions = np.arange(n_raw, dtype=np.int64)
        kept, ksids, kpos = subsample(ids, self._keep, rng, sids, positions)
        per_token = (self.window + 1) if self.sg else 1
        chunk = max(1, self.batch_size // per_token) * 8
        return _EpochPlan(kept, ksids, kpos, range(0, len(kept), chunk), n_raw)

    def _chunk_batches(
        self, plan: _EpochPlan, epoch: int, chunk: int
    ) -> Iterator[tuple[tuple[np.ndarray, ...], float, int]]:
        """The batches of chunk number ``chunk`` of an epoch's plan (see :meth:`batches`)."""
        arrays, lrs, done = self._chunk(plan, epoch, chunk)
        for batch, lr in in_batches(arrays, lrs, self.batch_size):
            yield batch, lr, done

    def _chunk(
        self, plan: _EpochPlan, epoch: int, chunk: int
    ) -> tuple[tuple[np.ndarray, ...], np.ndarray, int]:
        """Chunk number ``chunk`` of an epoch's plan whole: its examples' arrays (batch t is
        their rows ``t * batch_size`` up to ``(t + 1) * batch_size``), each batch's learning
        rate, and how many raw tokens of the epoch are done after it."""
        kept, ksids, kpos, starts, n_raw = plan
        rng = np.random.default_rng([self.seed, epoch, chunk + 1])
        start, stop = starts[chunk], min(starts[chunk] + starts.step, len(kept))
        c_ids, c_sids = kept[start:stop], ksids[start:stop]
        first = int(kpos[start])  # raw corpus positions spanned by this chunk
        done = int(kpos[stop - 1]) + 1
        total = self.epochs * n_raw
        K = self.negative
        if self.sg:
            examples = window_pairs(c_sids, self.window, rng, self.shrink_windows, c_ids)
        else:
            ctx, mask, lonely = _contexts_counted(
                c_sids, self.window, rng, self.shrink_windows, c_ids
            )
            if not lonely:
                examples = (ctx, mask, c_ids)
            else:  # a centre word needs at least one context word
                has = mask.any(axis=1)
                examples = (ctx[has], mask[has], c_ids[has])
        n_ex = len(examples[0])
        negs = draw_negatives(rng, self._table, n_ex * K).reshape(n_ex, K)
        # linear decay by the share of raw tokens seen (interpolated inside a chunk)
        starts_b = np.arange(0, n_ex, self.batch_size)
        seen = epoch * n_raw + first + (done - first) * starts_b / n_ex
        lrs = self.alpha - (self.alpha - self.min_alpha) * seen / total
        return tuple(examples) + (negs,), lrs, done

    # ------------------------------------------------------------------------------ train
    def train(self, sentences: Corpus | None = None, epochs: int | None = None) -> Word2Vec:
        """Train on ``sentences`` (building the vocabulary from them first if there is none)."""
        if sentences is not None:
            sentences = materialize(sentences)
        if self.vocab is None:
            if sentences is None:
                raise ValueError("Word2Vec.train needs sentences (or call build_vocab first)")
            self.build_vocab(sentences)
        if sentences is None:
            raise ValueError("Word2Vec.train needs the corpus to train on")
        if epochs is not None:
            self.epochs = epochs
        ids, sids = self.vocab.encode_corpus(sentences, self.tokenizer)
        if not np.any(sids[1:] == sids[:-1]):
            raise ValueError(
                "no training pairs: every sentence has fewer than 2 in-vocabulary words "
                "(windows stay inside a sentence; is there one word per line, or is "
                "min_count too high?)"
            )
        step = self._step_function()
        bar = None
        if self.progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=self.epochs * len(ids), unit="word", unit_scale=True, desc="word2vec")
        t0 = time.perf_counter()
        lock = threading.Lock()  # guards the chunk counter, the totals and the bar
        totals = [0.0, 0, 0]  # this epoch's loss sum, examples, raw tokens shown on the bar

        def account(loss: float, n: int, done: int, epoch: int) -> None:
            with lock:
                totals[0] += loss
                totals[1] += n
                if bar is not None and done > totals[2]:
                    bar.update(done - totals[2])
                    mean = totals[0] / max(totals[1], 1)
                    bar.set_postfix(epoch=epoch + 1, loss=f"{mean:.4f}")
                    totals[2] = done

        for epoch in range(self.epochs):
            totals[:] = [0.0, 0, 0]
            plan = self._epoch_plan(ids, sids, epoch)
            if self.workers == 1:
                # one step thread; a background thread prepares the next chunks meanwhile
                prepared = (self._chunk(plan, epoch, c) for c in range(len(plan.starts)))
                for arrays, lrs, done in prefetch(prepared):
                    account(step(arrays, lrs), len(arrays[-1]), done, epoch)
            else:
                chunks = iter(range(len(plan.starts)))

                def consume(plan=plan, chunks=chunks, epoch=epoch, lock=lock) -> None:
                    """Take the next chunk, prepare its batches and step them, until none is
                    left (one per worker: preparation runs in parallel too)."""
                    while True:
                        with lock:
                            chunk = next(chunks, None)
                        if chunk is None:
                            return
                        arrays, lrs, done = self._chunk(plan, epoch, chunk)
                        account(step(arrays, lrs), len(arrays[-1]), done, epoch)

                # that many consumers on the shared thread pool, each stepping whole batches
                # (lock-free updates, as gensim)
                parallel.run([consume] * self.workers)
            if bar is not None and totals[2] < len(ids):
                bar.update(len(ids) - totals[2])
            self.losses.append(totals[0] / max(totals[1], 1))
        self._wv = None  # unit-vector cache is stale now
        self.train_seconds = time.perf_counter() - t0
        self.words_per_sec = self.epochs * len(ids) / max(self.train_seconds, 1e-9)
        if bar is not None:
            bar.close()
        return self

    def _step_function(self) -> Callable[[tuple, np.ndarray], float]:
        """``step(arrays, lrs)``: SGD on a chunk's batches (``_chunk``), batch after batch;
        their summed loss."""
        W_in, W_out, cap, size = self.W_in, self.W_out, self.max_repeat, self.batch_size
        if self.path == "reference":
            from .reference import reference_cbow_step, reference_sgns_step

            one = reference_sgns_step if self.sg else reference_cbow_step

            extra = {} if self.sg else {"cbow_mean": bool(self.cbow_mean)}

            def step(arrays: tuple, lrs: np.ndarray) -> float:
                batches = in_batches(arrays, lrs, size)
                return sum(
                    one(W_in, W_out, *batch, lr, max_repeat=cap, **extra) for batch, lr in batches
                )

            return step
        local = threading.local()

        def step(arrays: tuple, lrs: np.ndarray) -> float:
            if not hasattr(local, "ws"):
                local.ws = Workspace(shared=self.workers > 1)
            if self.sg:
                losses = sgns_steps(W_in, W_out, *arrays, lrs, size, local.ws, cap)
            else:
                losses = cbow_steps(
                    W_in, W_out, *arrays, lrs, size, local.ws, cap, bool(self.cbow_mean)
                )
            return float(losses.sum())

        return step


def prefetch(items: Iterator[T], depth: int = 4) -> Iterator[T]:
    """Yield from ``items``, which a background thread runs up to ``depth`` items ahead
    (batch preparation overlaps the SGD steps; NumPy releases the GIL in both)."""
    q: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                q.put(item)
            q.put(done)
        except BaseException as e:  # hand the error to the consumer
            q.put(e)

    worker = threading.Thread(target=produce, daemon=True)
    worker.start()
    try:
        while True:
            item = q.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            try:
                q.get_nowait()
            except queue.Empty:
                worker.join(0.01)
