"""Word vectors with similarity queries and the word2vec file formats (gensim-compatible).

Cosine similarity ``cos(a, b) = a . b / (|a| |b|)``; analogies use 3CosAdd: the answer to
"a is to b as c is to ?" maximises ``cos(x, b^ - a^ + c^)`` over words other than a, b, c
(``^`` = unit-normalised), as in Mikolov et al. 2013 and gensim's ``most_similar``.

Example:
    >>> import numpy as np
    >>> kv = KeyedVectors(["king", "queen", "man", "woman"],
    ...                   np.array([[1, 1], [1, -1], [2, 1.1], [2, -0.9]], np.float32))
    >>> kv.analogy("man", "woman", "king")
    'queen'
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence

from ..backend import np


class KeyedVectors:
    """A vocabulary of words mapped to the rows of a ``(n_words, dim)`` float32 matrix."""

    def __init__(self, words: Sequence[str], vectors: np.ndarray) -> None:
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or len(words) != vectors.shape[0]:
            raise ValueError(
                f"KeyedVectors needs one row per word: got {len(words)} words and vectors of "
                f"shape {vectors.shape}; expected ({len(words)}, dim)"
            )
        self.index_to_key: list[str] = list(words)
        self.key_to_index: dict[str, int] = {w: i for i, w in enumerate(self.index_to_key)}
        if len(self.key_to_index) != len(self.index_to_key):
            raise ValueError("KeyedVectors words must be unique")
        self.vectors = vectors
        self._unit: np.ndarray | None = None

    @property
    def vector_size(self) -> int:
        return int(self.vectors.shape[1])

    def __len__(self) -> int:
        return len(self.index_to_key)

    def __contains__(self, word: object) -> bool:
        return word in self.key_to_index

    def __getitem__(self, word: str) -> np.ndarray:
        return self.get_vector(word)

    def __repr__(self) -> str:
        return f"KeyedVectors({len(self)} words, dim {self.vector_size})"

    def get_index(self, word: str) -> int:
        """Row of ``word``; a ``KeyError`` naming the word when it is unknown."""
        try:
            return self.key_to_index[word]
        except KeyError:
            raise KeyError(
                f"word {word!r} not in vocabulary ({len(self)} words); check spelling and "
                "lower-casing, or lower min_count when training"
            ) from None

    def get_vector(self, word: str, norm: bool = False) -> np.ndarray:
        i = self.get_index(word)
        return self.unit_vectors()[i] if norm else self.vectors[i]

    def unit_vectors(self) -> np.ndarray:
        """The rows scaled to length 1 (zero rows stay zero); cached."""
        if self._unit is None or self._unit.shape != self.vectors.shape:
            norms = np.linalg.norm(self.vectors, axis=1, keepdims=True)
            self._unit = (self.vectors / np.maximum(norms, 1e-12)).astype(np.float32)
        return self._unit

    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two words."""
        u = self.unit_vectors()
        return float(u[self.get_index(a)] @ u[self.get_index(b)])

    def most_similar(
        self,
        positive: str | np.ndarray | Sequence[str | np.ndarray] | None = None,
        negative: str | Sequence[str] | None = None,
        topn: int = 10,
    ) -> list[tuple[str, float]]:
        """The ``topn`` words with the highest cosine to ``mean(positive) - mean(negative)``.

        Words given as queries are excluded from the result (as gensim does).
        """
        if topn < 1:
            raise ValueError(f"topn must be >= 1, got {topn}")
        pos = [positive] if isinstance(positive, (str, np.ndarray)) else list(positive or [])
        neg = [negative] if isinstance(negative, str) else list(negative or [])
        if not pos and not neg:
            raise ValueError("most_similar needs at least one positive or negative word")
        u = self.unit_vectors()
        query = np.zeros(self.vector_size, dtype=np.float32)
        exclude = []
        for sign, items in ((1.0, pos), (-1.0, neg)):
            for item in items:
                if isinstance(item, str):
                    i = self.get_index(item)
                    exclude.append(i)
                    query += sign * u[i]
                else:
                    v = np.asarray(item, dtype=np.float32)
                    if v.shape != (self.vector_size,):
                        raise ValueError(
                            f"query vector has shape {v.shape}; expected ({self.vector_size},)"
                        )
                    query += sign * v / max(float(np.linalg.norm(v)), 1e-12)
        query /= max(float(np.linalg.norm(query)), 1e-12)
        sims = u @ query
        sims[exclude] = -np.inf
        k = min(topn, len(self) - len(set(exclude)))
        if k <= 0:
            return []
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[np.argsort(-sims[top], kind="stable")]
        return [(self.index_to_key[i], float(sims[i])) for i in top]

    def analogy(self, a: str, b: str, c: str) -> str:
        """Answer "a is to b as c is to ?": the word nearest ``b - a + c`` (3CosAdd)."""
        return self.most_similar(positive=[b, c], negative=[a], topn=1)[0][0]

    # ---------------------------------------------------------------- word2vec file formats
    def save_word2vec_format(self, path: str | os.PathLike, binary: bool = False) -> None:
        """Write the word2vec C format: header ``"<n> <dim>"``, then one word and its vector
        per line (text), or the word, a space and ``dim`` little-endian float32s (binary).
        Written atomically (temporary file, then ``os.replace``)."""
        for w in self.index_to_key:
            if not w or any(ch.isspace() for ch in w):
                raise ValueError(f"word {w!r} cannot be saved: word2vec format needs no spaces")
        path = os.fspath(path)
        d = os.path.dirname(os.path.abspath(path))
        fd, tmp = tempfile.mkstemp(prefix=".tmp-w2v-", dir=d)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(f"{len(self)} {self.vector_size}\n".encode())
                vecs = self.vectors.astype("<f4")
                if binary:
                    for w, v in zip(self.index_to_key, vecs):
                        f.write(w.encode("utf-8") + b" " + v.tobytes() + b"\n")
                else:
                    lines = (
                        w + " " + " ".join(f"{x:.6g}" for x in v.tolist())
                        for w, v in zip(self.index_to_key, vecs)
                    )
                    f.write(("\n".join(lines) + "\n").encode("utf-8"))
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    @classmethod
    def load_word2vec_format(cls, path: str | os.PathLike, binary: bool = False) -> KeyedVectors:
        """Read a file in the word2vec C format (as written by word2vec.c or gensim)."""
        path = os.fspath(path)
        if not os.path.exists(path):
            raise FileNotFoundError(f"word vectors file not found: {path}")
        with open(path, "rb") as f:
            raw = f.read()
        nl = raw.find(b"\n")
        try:
            n, dim = (int(x) for x in raw[: nl if nl >= 0 else len(raw)].split())
        except ValueError:
            raise ValueError(
                f"{path}: not a word2vec file: the first line must be '<n_words> <dim>', got "
                f"{raw[:60]!r}"
            ) from None
        if n < 0 or dim < 1:
            raise ValueError(f"{path}: bad header n_words={n}, dim={dim}")
        words: list[str] = []
        vectors = np.empty((n, dim), dtype=np.float32)
        pos = nl + 1
        if binary:
            width = 4 * dim
            for i in range(n):
                while pos < len(raw) and raw[pos : pos + 1] in (b"\n", b"\r"):
                    pos += 1
                sp_ = raw.find(b" ", pos)
                if sp_ < 0 or sp_ + 1 + width > len(raw):
                    raise ValueError(
                        f"{path}: truncated binary word2vec file: header says {n} words, "
                        f"only {i} complete (was it saved with binary=False?)"
                    )
                words.append(raw[pos:sp_].decode("utf-8", errors="replace"))
                vectors[i] = np.frombuffer(raw, dtype="<f4", count=dim, offset=sp_ + 1)
                pos = sp_ + 1 + width
        else:
            lines = raw[pos:].decode("utf-8", errors="replace").splitlines()
            lines = [ln for ln in lines if ln.strip()]
            if len(lines) < n:
                raise ValueError(
                    f"{path}: truncated word2vec file: header says {n} words, found {len(lines)}"
                )
            for i, line in enumerate(lines[:n]):
                parts = line.rstrip().split(" ")
                if len(parts) != dim + 1:
                    raise ValueError(
                        f"{path}: line {i + 2} has {len(parts) - 1} numbers, expected {dim} "
                        "(is this a binary file? pass binary=True)"
                    )
                words.append(parts[0])
                try:
                    vectors[i] = np.asarray(parts[1:], dtype=np.float32)
                except ValueError:
                    raise ValueError(f"{path}: line {i + 2} has a non-numeric value") from None
        return cls(words, vectors)
