"""``nablagrad embed``: train word vectors and print nearest neighbours.

Example:
    $ nablagrad embed --model skipgram --dim 50 --epochs 3       # the built-in corpus
    $ nablagrad embed corpus.txt --model ppmi-svd --save vecs.txt
"""

from __future__ import annotations

import argparse
import os
import time

MODELS = ("skipgram", "cbow", "ppmi-svd")
# common English function words skipped when picking query words automatically
_STOP = set(
    "about after also been before being both could does each either from have here into more "
    "most must only other same should some such than that their them then there these they "
    "this those through used using were what when where which while will with would your".split()
)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "embed",
        help="train word embeddings (skip-gram, CBOW or PPMI-SVD) and show nearest neighbours",
        description="Train word vectors on a text file (one sentence or paragraph per line) or, "
        "with no file, on the Python documentation topics shipped with the standard library.",
    )
    p.add_argument("corpus", nargs="?", help="UTF-8 text file (default: built-in corpus)")
    p.add_argument("--model", choices=MODELS, default="skipgram")
    p.add_argument("--dim", type=int, default=100, help="vector size (default 100)")
    p.add_argument("--window", type=int, default=5, help="context window (default 5)")
    p.add_argument("--epochs", type=int, default=5, help="word2vec passes (default 5)")
    p.add_argument("--negative", type=int, default=5, help="negatives per example (default 5)")
    p.add_argument("--min-count", type=int, default=5, help="drop rarer words (default 5)")
    p.add_argument("--sample", type=float, default=1e-3, help="subsampling threshold")
    p.add_argument("--alpha", type=float, default=0.025, help="initial learning rate")
    p.add_argument("--batch-size", type=int, default=1024, help="examples per SGD step")
    p.add_argument("--workers", type=int, default=1, help="training threads (default 1)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--words", default=None, help="comma-separated query words")
    p.add_argument("--topn", type=int, default=5, help="neighbours to show (default 5)")
    p.add_argument("--save", default=None, help="write vectors in word2vec format")
    p.add_argument("--binary", action="store_true", help="save in binary word2vec format")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(func=run_embed)


def _query_words(vocab_words: list[str], n: int = 6) -> list[str]:
    """A few frequent content-looking words: the most frequent words of >= 4 letters that are
    not common function words."""
    picked = [w for w in vocab_words if len(w) >= 4 and w.isalpha() and w not in _STOP][:n]
    return picked or vocab_words[:n]


def run_embed(args: argparse.Namespace) -> int:
    from ..cli import CLIError
    from .corpus import default_corpus
    from .pmi import ppmi_svd
    from .word2vec import Word2Vec

    if args.corpus is None:
        corpus: list[str] = default_corpus()
        print(
            "no corpus file given: using the built-in corpus, the Python documentation topics "
            f"from the standard library's pydoc_data ({len(corpus)} paragraphs)"
        )
    else:
        if not os.path.isfile(args.corpus):
            raise CLIError(f"corpus file not found: {args.corpus}")
        try:
            with open(args.corpus, encoding="utf-8") as f:
                corpus = f.read().splitlines()
        except UnicodeDecodeError as e:
            raise CLIError(f"{args.corpus} is not UTF-8 text ({e.reason} at byte {e.start})") from e
    for name in ("dim", "window", "epochs", "negative", "min_count", "topn", "workers"):
        if getattr(args, name) < 1:
            raise CLIError(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
    if not args.sample >= 0:
        raise CLIError(f"--sample must be >= 0 (0 disables subsampling), got {args.sample}")
    from ..cli import check_output_path

    check_output_path(args.save, "--save")
    t0 = time.perf_counter()
    try:
        if args.model == "ppmi-svd":
            wv = ppmi_svd(
                corpus, dim=args.dim, window=args.window, min_count=args.min_count, seed=args.seed
            )
            info = f"PPMI-SVD (window {args.window}, context smoothing 0.75)"
        else:
            model = Word2Vec(
                corpus,
                sg=1 if args.model == "skipgram" else 0,
                vector_size=args.dim,
                window=args.window,
                negative=args.negative,
                min_count=args.min_count,
                sample=args.sample,
                alpha=args.alpha,
                epochs=args.epochs,
                batch_size=args.batch_size,
                workers=args.workers,
                seed=args.seed,
                progress=not args.no_progress,
            )
            wv = model.wv
            info = (
                f"{args.model} (window {args.window}, negative {args.negative}, "
                f"{args.epochs} epochs, {model.words_per_sec:,.0f} words/s, "
                f"final loss {model.losses[-1]:.4f})"
            )
    except ValueError as e:
        raise CLIError(str(e)) from e
    print(
        f"trained {info}: {len(wv)} words x {wv.vector_size} dims "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    queries = args.words.split(",") if args.words else _query_words(wv.index_to_key)
    for q in (w.strip().lower() for w in queries):
        if q not in wv:
            raise CLIError(
                f"query word {q!r} is not in the vocabulary (min_count "
                f"{args.min_count}); pick another word or lower --min-count"
            )
        nb = ", ".join(f"{w} {s:.2f}" for w, s in wv.most_similar(q, topn=args.topn))
        print(f"  {q:>14s} -> {nb}")
    if args.save:
        wv.save_word2vec_format(args.save, binary=args.binary)
        print(f"saved {len(wv)} vectors to {args.save} ({'binary' if args.binary else 'text'})")
    return 0
