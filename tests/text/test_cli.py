"""The `nablagrad embed` command."""

import numpy as np

from nablagrad.cli import main
from nablagrad.text import KeyedVectors, planted_corpus


def _write_corpus(tmp_path):
    sents, _ = planted_corpus(4, 6, n_sentences=300, sentence_length=8, seed=2)
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(" ".join(s) for s in sents), encoding="utf-8")
    return path


def test_embed_ppmi_svd_saves_vectors(tmp_path, capsys):
    corpus = _write_corpus(tmp_path)
    out = tmp_path / "vecs.bin"
    argv = ["embed", str(corpus), "--model", "ppmi-svd", "--dim", "4", "--window", "3"]
    argv += ["--words", "c0w1,c3w2", "--topn", "3", "--save", str(out), "--binary"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "PPMI-SVD" in text and "24 words x 4 dims" in text
    line = next(ln for ln in text.splitlines() if "c0w1 ->" in ln)
    assert line.count("c0w") == 4  # the query and its 3 neighbours, all from cluster 0
    kv = KeyedVectors.load_word2vec_format(out, binary=True)
    assert len(kv) == 24 and kv.vector_size == 4


def test_embed_word2vec_models(tmp_path, capsys):
    corpus = _write_corpus(tmp_path)
    for model in ("skipgram", "cbow"):
        argv = ["embed", str(corpus), "--model", model, "--dim", "8", "--epochs", "1"]
        assert main(argv + ["--no-progress", "--words", "c1w0"]) == 0
        text = capsys.readouterr().out
        assert f"trained {model}" in text and "words/s" in text and "c1w0 ->" in text


def test_embed_default_corpus_says_so(capsys):
    argv = ["embed", "--model", "ppmi-svd", "--dim", "8", "--window", "2", "--min-count", "20"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "built-in corpus" in text and "pydoc_data" in text
    assert text.count(" -> ") == 6


def test_embed_errors(tmp_path, capsys):
    assert main(["embed", str(tmp_path / "missing.txt")]) == 2
    assert "corpus file not found" in capsys.readouterr().err
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    assert main(["embed", str(empty), "--model", "ppmi-svd"]) == 2
    assert "empty corpus" in capsys.readouterr().err
    corpus = _write_corpus(tmp_path)
    assert main(["embed", str(corpus), "--model", "ppmi-svd", "--min-count", "100000"]) == 2
    assert "vocabulary is empty after min_count" in capsys.readouterr().err
    argv = ["embed", str(corpus), "--model", "ppmi-svd", "--dim", "4", "--words", "zebra"]
    assert main(argv) == 2
    assert "'zebra' is not in the vocabulary" in capsys.readouterr().err
    binary = tmp_path / "bin.txt"
    binary.write_bytes(np.arange(256, dtype=np.uint8).tobytes())
    assert main(["embed", str(binary)]) == 2
    assert "not UTF-8" in capsys.readouterr().err
