"""Word2Vec and PPMI-SVD on a corpus with planted cluster structure, plus input checks."""

import numpy as np
import pytest

from nablagrad.text import KeyedVectors, Word2Vec, cooccurrence_matrix, planted_corpus, ppmi_svd


def precision_at_5(wv: KeyedVectors, clusters) -> float:
    """Share of each cluster word's 5 nearest neighbours that are in its own cluster."""
    hits = total = 0
    for cluster in clusters:
        for w in cluster:
            hits += sum(x in cluster for x, _ in wv.most_similar(w, topn=5))
            total += 5
    return hits / total


@pytest.fixture(scope="module")
def planted():
    # 8 clusters x 10 words, 800 sentences of 10 words; a third are shared filler words.
    # Chance level of precision@5 is about 9/97 ~ 0.09.
    return planted_corpus(8, 10, n_sentences=800, sentence_length=10, n_common=15, seed=1)


@pytest.mark.parametrize("sg,cbow_mean", [(1, 1), (0, 1), (0, 0)])
def test_word2vec_recovers_planted_clusters(planted, sg, cbow_mean):
    sents, clusters = planted
    # CBOW learns more slowly on so small a corpus (gensim's CBOW scores ~0.6 after 5 epochs)
    epochs = 5 if sg else 10
    model = Word2Vec(sents, sg=sg, vector_size=24, window=4, min_count=1, epochs=epochs, seed=0,
                     cbow_mean=cbow_mean)  # fmt: skip
    assert precision_at_5(model.wv, clusters) >= 0.9
    assert model.losses[-1] < model.losses[0]  # the loss went down


def test_ppmi_svd_recovers_planted_clusters(planted):
    sents, clusters = planted
    kv = ppmi_svd(sents, dim=12, window=4)
    assert precision_at_5(kv, clusters) >= 0.9


def test_two_workers_train_as_well(planted):
    sents, clusters = planted
    model = Word2Vec(sents, vector_size=24, window=4, min_count=1, epochs=5, workers=2)
    assert precision_at_5(model.wv, clusters) >= 0.9


@pytest.mark.parametrize("sg", [1, 0])
def test_workers_step_every_batch_of_the_epoch_once(sg, monkeypatch):
    """Each worker prepares whole chunks itself; together they step exactly the batches that
    ``batches()`` (the one-worker order) yields: the same examples, negatives and rates."""
    from nablagrad import parallel

    corpus = [" ".join(f"w{(i * 7 + k) % 23}" for i in range(40)) for k in range(60)]
    # one chunk = 8 batches: this corpus makes several chunks of several batches each
    m = Word2Vec(sg=sg, vector_size=4, window=3, min_count=1, epochs=2, batch_size=16,
                 workers=2, seed=5)  # fmt: skip
    m.build_vocab(corpus)
    ids, sids = m.vocab.encode_corpus(corpus)

    def key(arrays, lr):
        return (round(lr, 12),) + tuple(a.tobytes() for a in arrays)

    expected = sorted(key(a, lr) for e in range(2) for a, lr, _ in m.batches(ids, sids, e))
    seen = []
    lock = __import__("threading").Lock()

    def recording_step_function():
        def step(arrays, lrs):  # a chunk: its batches one after another
            size = m.batch_size
            with lock:
                for t, lr in enumerate(lrs):
                    seen.append(key([a[t * size : (t + 1) * size] for a in arrays], float(lr)))
            return 0.0

        return step

    monkeypatch.setattr(m, "_step_function", recording_step_function)
    old = parallel.get_num_threads()
    parallel.set_num_threads(2)
    try:
        m.train(corpus)
    finally:
        parallel.set_num_threads(old)
    assert len(expected) > 16
    assert sorted(seen) == expected


def test_generator_corpus_is_read_twice_safely(planted):
    sents, clusters = planted
    model = Word2Vec((s for s in sents), vector_size=24, window=4, min_count=1, epochs=5)
    assert precision_at_5(model.wv, clusters) >= 0.9
    counts, _ = cooccurrence_matrix(iter(sents), window=2)
    assert counts.sum() > 0


def test_training_is_reproducible_for_a_seed():
    corpus = ["a b c d e f a b c", "d e f a b c d"] * 10
    kw = dict(vector_size=6, window=2, min_count=1, epochs=2)
    a, b = Word2Vec(corpus, seed=3, **kw), Word2Vec(corpus, seed=3, **kw)
    np.testing.assert_array_equal(a.W_in, b.W_in)
    assert not np.array_equal(a.W_in, Word2Vec(corpus, seed=4, **kw).W_in)


def test_learning_rate_decays_linearly_to_min_alpha():
    corpus = [" ".join(f"w{i % 7}" for i in range(200))] * 5
    m = Word2Vec(sg=1, vector_size=4, window=2, min_count=1, epochs=2, batch_size=32)
    m.alpha, m.min_alpha = 0.1, 0.01
    m.build_vocab(corpus)
    ids, sids = m.vocab.encode_corpus(corpus)
    lrs = [lr for e in range(2) for _, lr, _ in m.batches(ids, sids, e)]
    assert lrs[0] == pytest.approx(0.1, abs=1e-3)
    assert all(x >= y for x, y in zip(lrs, lrs[1:]))
    assert 0.01 <= lrs[-1] < 0.013
    assert lrs[len(lrs) // 2] == pytest.approx(0.055, abs=0.006)


def test_batches_are_valid_and_negatives_follow_table():
    m = Word2Vec(sg=0, vector_size=4, window=3, min_count=1, epochs=1, negative=7)
    corpus = ["a b c d e", "f g"] * 20
    m.build_vocab(corpus)
    ids, sids = m.vocab.encode_corpus(corpus)
    for (ctx, mask, centres, negs), _, _ in m.batches(ids, sids, 0):
        assert ctx.shape == mask.shape and ctx.shape[1] == 6 and mask.any(axis=1).all()
        assert negs.shape == (len(centres), 7) and negs.max() < len(m.vocab)


def test_progress_bar_reports_words_per_second(capsys):
    Word2Vec(["a b c d"] * 20, vector_size=4, min_count=1, epochs=1, progress=True)
    err = capsys.readouterr().err
    assert "word/s" in err and "word2vec" in err


def test_bad_input_errors_are_clear():
    with pytest.raises(ValueError, match="empty corpus"):
        Word2Vec([], min_count=1)
    with pytest.raises(ValueError, match="empty corpus"):
        Word2Vec(["", "  ...  "], min_count=1)
    with pytest.raises(ValueError, match="vocabulary is empty after min_count=5"):
        Word2Vec(["one two three"], min_count=5)
    with pytest.raises(ValueError, match="no training pairs"):
        Word2Vec(["a", "b", "a c"], min_count=2)  # no sentence keeps 2 words
    with pytest.raises(ValueError, match="sg must be 1"):
        Word2Vec(sg=2)
    with pytest.raises(ValueError, match="cbow_mean must be 1"):
        Word2Vec(sg=0, cbow_mean=2)
    with pytest.raises(ValueError, match="vector_size must be a positive int"):
        Word2Vec(vector_size=0)
    with pytest.raises(ValueError, match="path must be"):
        Word2Vec(path="gpu")
    with pytest.raises(RuntimeError, match="call build_vocab"):
        _ = Word2Vec().wv
    wv = Word2Vec(["a b c"] * 5, vector_size=4, min_count=1, epochs=1).wv
    with pytest.raises(KeyError, match="'zzz' not in vocabulary"):
        wv.most_similar("zzz")
