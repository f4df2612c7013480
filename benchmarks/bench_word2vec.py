"""word2vec speed and quality: nablagrad vs gensim in one process.

Speed: words/s of one training epoch on a Zipf corpus (default 1,000,000 tokens, 10,000-word
vocabulary; dim 100, window 5, negative 5, sample 1e-3); gensim with 2 worker threads,
nablagrad with 1 step thread (plus its batch-prefetch thread) and with --workers step
threads.  Vocabularies are built beforehand, so only training is timed; the best of
--repeats interleaved runs is kept (the machine may be shared).
Quality: precision@5 (share of each word's 5 nearest neighbours in its own cluster) on a
corpus with planted topic clusters, for skip-gram, CBOW (both libraries) and PPMI-SVD.

Prints time ratios nablagrad/gensim (lower is better) and words/s ratios (higher is better).

    PYTHONPATH=src python benchmarks/bench_word2vec.py [--tokens 1000000] [--workers 2]
"""

from __future__ import annotations

import argparse
import time

from gensim.models import Word2Vec as GensimWord2Vec

from nablagrad.text import KeyedVectors, Word2Vec, planted_corpus, ppmi_svd, zipf_corpus


def precision_at_5(wv: KeyedVectors, clusters: list[list[str]]) -> float:
    """Share of each cluster word's 5 nearest neighbours that lie in its own cluster."""
    hits = total = 0
    for cluster in clusters:
        members = set(cluster)
        for w in cluster:
            hits += sum(x in members for x, _ in wv.most_similar(w, topn=5))
            total += 5
    return hits / total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tokens", type=int, default=1_000_000)
    ap.add_argument("--vocab", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=2048)
    ap.add_argument("--repeats", type=int, default=2, help="best of N timings per library")
    args = ap.parse_args()
    common = dict(vector_size=100, window=5, negative=5, min_count=1, sample=1e-3, epochs=1)
    common["seed"] = 1

    print(f"Zipf corpus: {args.tokens:,} tokens, {args.vocab:,}-word vocabulary")
    sents = zipf_corpus(args.tokens, args.vocab, seed=0)
    for sg, name in ((1, "skip-gram"), (0, "CBOW")):
        best = {}
        for _ in range(args.repeats):  # interleaved, best of N: the machine may be shared
            for label, workers in (("nablagrad w=1", 1), (f"nablagrad w={args.workers}", 0)):
                ng = Word2Vec(
                    sg=sg, workers=workers or args.workers, batch_size=args.batch_size, **common
                )
                ng.build_vocab(sents)
                t0 = time.perf_counter()
                ng.train(sents)
                best[label] = min(best.get(label, 1e9), time.perf_counter() - t0)
            gs = GensimWord2Vec(sg=sg, workers=args.workers, **common)
            gs.build_vocab(sents)
            t0 = time.perf_counter()
            gs.train(sents, total_examples=len(sents), epochs=1)
            best["gensim"] = min(best.get("gensim", 1e9), time.perf_counter() - t0)
        t_gs = best.pop("gensim")
        print(f"{name}: gensim (workers={args.workers}) {args.tokens / t_gs:10,.0f} words/s")
        for label, t in best.items():
            print(
                f"  {label:14s} {args.tokens / t:10,.0f} words/s  time ratio {t / t_gs:.2f}  "
                f"(words/s ratio {t_gs / t:.2f}x gensim)"
            )

    print("\nplanted clusters: 10 clusters x 20 words + 60 filler words, 3000 sentences")
    sents, clusters = planted_corpus(10, 20, n_sentences=3000, n_common=60, seed=0)
    for epochs in (1, 2, 5):
        q = dict(vector_size=50, window=5, negative=5, min_count=1, epochs=epochs, sample=1e-3)
        for sg, name in ((1, "skip-gram"), (0, "CBOW")):
            ng = Word2Vec(sents, sg=sg, seed=1, batch_size=args.batch_size, **q)
            gs = GensimWord2Vec(sents, sg=sg, workers=args.workers, seed=1, **q)
            p_ng, p_gs = precision_at_5(ng.wv, clusters), precision_at_5(gs.wv, clusters)
            print(f"{name:9s} {epochs} ep: precision@5 nablagrad {p_ng:.3f}  gensim {p_gs:.3f}")
    kv = ppmi_svd(sents, dim=20, window=5)
    print(f"PPMI-SVD : precision@5 nablagrad {precision_at_5(kv, clusters):.3f}")


if __name__ == "__main__":
    main()
