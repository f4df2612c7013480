"""KeyedVectors queries and word2vec file formats, checked against gensim."""

import os

import numpy as np
import pytest
from gensim.models import KeyedVectors as GensimKV

from nablagrad.text import KeyedVectors


@pytest.fixture
def kv():
    rng = np.random.default_rng(0)
    words = ["king", "queen", "man", "woman", "café", "x_y"] + [f"w{i}" for i in range(20)]
    return KeyedVectors(words, rng.normal(size=(len(words), 7)).astype(np.float32))


def test_similarity_and_most_similar_match_gensim(kv):
    g = GensimKV(7)
    g.add_vectors(kv.index_to_key, kv.vectors)
    a, b = kv["king"], kv["queen"]
    cos = a @ b / np.linalg.norm(a) / np.linalg.norm(b)
    assert kv.similarity("king", "queen") == pytest.approx(cos, abs=1e-6)
    ours = kv.most_similar("king", topn=5)
    theirs = g.most_similar("king", topn=5)
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], atol=1e-5)
    ours = kv.most_similar(positive=["queen", "man"], negative=["king"], topn=4)
    theirs = g.most_similar(positive=["queen", "man"], negative=["king"], topn=4)
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    assert "king" not in [w for w, _ in kv.most_similar("king", topn=30)]


def test_analogy_on_planted_vectors():
    vecs = np.array([[1, 1, 0], [1, -1, 0], [3, 1, 0.2], [3, -1, 0.2], [0, 0, 1]], np.float32)
    kv = KeyedVectors(["king", "queen", "man", "woman", "other"], vecs)
    assert kv.analogy("man", "woman", "king") == "queen"
    assert kv.analogy("king", "queen", "man") == "woman"


def test_query_errors(kv):
    with pytest.raises(KeyError, match="'prince' not in vocabulary"):
        kv.similarity("king", "prince")
    with pytest.raises(KeyError, match="'prince'"):
        kv.analogy("king", "prince", "man")
    with pytest.raises(ValueError, match="topn must be >= 1"):
        kv.most_similar("king", topn=0)
    with pytest.raises(ValueError, match="shape"):
        kv.most_similar(np.zeros(3))
    with pytest.raises(ValueError, match="one row per word"):
        KeyedVectors(["a", "b"], np.zeros((3, 2)))


@pytest.mark.parametrize("binary", [False, True])
def test_save_loads_in_gensim_and_back(kv, tmp_path, binary):
    path = tmp_path / ("v.bin" if binary else "v.txt")
    kv.save_word2vec_format(path, binary=binary)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temp file left behind
    g = GensimKV.load_word2vec_format(str(path), binary=binary)
    assert g.index_to_key == kv.index_to_key
    np.testing.assert_allclose(g.vectors, kv.vectors, rtol=1e-5, atol=1e-6)
    back = KeyedVectors.load_word2vec_format(path, binary=binary)
    assert back.index_to_key == kv.index_to_key
    np.testing.assert_allclose(back.vectors, kv.vectors, rtol=1e-5, atol=1e-6)
    out = tmp_path / ("g.bin" if binary else "g.txt")
    g.save_word2vec_format(str(out), binary=binary)  # and files gensim writes load here
    theirs = KeyedVectors.load_word2vec_format(out, binary=binary)
    np.testing.assert_array_equal(theirs.vectors, g.vectors)
    assert theirs.index_to_key == g.index_to_key


def test_corrupt_and_missing_files(kv, tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        KeyedVectors.load_word2vec_format(tmp_path / "nope.txt")
    bad = tmp_path / "bad.txt"
    bad.write_text("hello world\n")
    with pytest.raises(ValueError, match="first line must be"):
        KeyedVectors.load_word2vec_format(bad)
    kv.save_word2vec_format(tmp_path / "v.bin", binary=True)
    data = (tmp_path / "v.bin").read_bytes()
    (tmp_path / "cut.bin").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated binary"):
        KeyedVectors.load_word2vec_format(tmp_path / "cut.bin", binary=True)
    kv.save_word2vec_format(tmp_path / "v.txt")
    lines = (tmp_path / "v.txt").read_text().splitlines()
    (tmp_path / "cut.txt").write_text("\n".join(lines[:5]))
    with pytest.raises(ValueError, match="header says 26 words, found 4"):
        KeyedVectors.load_word2vec_format(tmp_path / "cut.txt")
    with pytest.raises(ValueError, match="pass binary=True"):
        KeyedVectors.load_word2vec_format(tmp_path / "v.bin")
    with pytest.raises(ValueError, match="no spaces"):
        KeyedVectors(["a b"], np.zeros((1, 2))).save_word2vec_format(tmp_path / "s.txt")
    assert not os.path.exists(tmp_path / "s.txt")
