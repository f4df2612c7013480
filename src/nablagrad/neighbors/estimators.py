"""k-nearest-neighbour classification and regression, brute force on the backend.

Both estimators follow scikit-learn's conventions (``fit``, ``predict``, ``predict_proba``,
``score``, ``kneighbors``, ``get_params`` / ``set_params``).  For a query x with neighbours
N_k(x) (the k training rows nearest under the chosen distance) and weights w_j (1 for
``weights="uniform"``, 1/d(x, x_j) for ``"distance"``)::

    P(class c | x) = sum_{j in N_k(x), y_j = c} w_j / sum_{j in N_k(x)} w_j
    y_hat(x)       = sum_{j in N_k(x)} w_j y_j / sum_{j in N_k(x)} w_j      (regression)

With ``weights="distance"``, a query at distance 0 from some training rows gets weight 1 on
exactly those rows and 0 elsewhere (as scikit-learn).  The search is brute force over the
backend's arrays, so estimators fitted on CUDA tensors run on the GPU.

Deterministic tie-breaking: neighbours at equal distance are ordered by training index (the
earlier row wins, also for the k-th place), and equal class votes go to the smallest class
label (``classes_`` is sorted).  scikit-learn breaks distance ties in an unspecified order,
so results may differ from it only when distances tie exactly.

Example:
    >>> import numpy as np
    >>> from nablagrad.neighbors import KNeighborsClassifier
    >>> X = np.array([[0.0], [1.0], [10.0], [11.0]]); y = np.array([0, 0, 1, 1])
    >>> KNeighborsClassifier(n_neighbors=3).fit(X, y).predict(np.array([[0.5], [10.2]]))
    array([0, 1])
"""

from __future__ import annotations

from typing import Any

from ..backend import get_array_module, np, to_host
from ..tensor import Tensor
from . import sharded as _sharded
from .distances import DEFAULT_MAX_MEMORY, kneighbors_raw, resolve_metric


def as_2d_array(X: Any, who: str, name: str = "X") -> Any:
    """A floating 2-D array (NumPy or CuPy) from X, with clear errors for bad input."""
    data = X._data if isinstance(X, Tensor) else X
    xp = get_array_module(data)
    arr = xp.asarray(data)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"{who}: {name} must be numeric, got dtype {arr.dtype}")
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float64)
    elif arr.dtype == np.float16:
        arr = arr.astype(np.float32)
    if arr.ndim != 2:
        raise ValueError(
            f"{who}: {name} must be 2-D (n_samples, n_features), got shape {tuple(arr.shape)}; "
            "reshape a single sample with x.reshape(1, -1) or a single feature with "
            "x.reshape(-1, 1)"
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(
            f"{who}: {name} is empty (shape {tuple(arr.shape)}): need at least one sample "
            "and one feature"
        )
    if not bool(xp.isfinite(arr).all()):
        raise ValueError(f"{who}: {name} contains NaN or infinity: clean or impute it first")
    return arr


class _KNeighborsBase:
    """Shared fit / kneighbors machinery of the classifier and the regressor."""

    _param_names = ("n_neighbors", "weights", "p", "metric", "max_memory")

    def __init__(
        self,
        n_neighbors: int = 5,
        *,
        weights: str = "uniform",
        p: float = 2,
        metric: str = "minkowski",
        max_memory: int = DEFAULT_MAX_MEMORY,
    ) -> None:
        self.n_neighbors = n_neighbors
        self.weights = weights
        self.p = p
        self.metric = metric
        self.max_memory = max_memory
        self._check_params()

    # -- scikit-learn parameter protocol ------------------------------------------------------

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor parameters as a dict (scikit-learn's protocol)."""
        return {name: getattr(self, name) for name in self._param_names}

    def set_params(self, **params: Any) -> _KNeighborsBase:
        """Set constructor parameters by name; returns self. Unknown names raise."""
        for name, value in params.items():
            if name not in self._param_names:
                raise ValueError(
                    f"{type(self).__name__}.set_params: unknown parameter {name!r}; valid "
                    f"parameters are {', '.join(self._param_names)}"
                )
            setattr(self, name, value)
        self._check_params()
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def _check_params(self) -> None:
        who = type(self).__name__
        k = self.n_neighbors
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"{who}: n_neighbors must be a positive integer, got {k!r}")
        if self.weights not in ("uniform", "distance"):
            raise ValueError(
                f"{who}: weights must be 'uniform' or 'distance', got {self.weights!r}"
            )
        self._kind = resolve_metric(self.metric, self.p, who)
        if not isinstance(self.max_memory, (int, float)) or self.max_memory <= 0:
            raise ValueError(f"{who}: max_memory must be a positive number of bytes")

    # -- fitting and searching ----------------------------------------------------------------

    def _fit_X(self, X: Any, y: Any) -> Any:
        self._check_params()
        self._sharded = False
        who = type(self).__name__
        Xa = as_2d_array(X, f"{who}.fit")
        ya = y._data if isinstance(y, Tensor) else y
        ya = to_host(get_array_module(ya).asarray(ya))
        if ya.ndim == 0 or ya.shape[0] != Xa.shape[0]:
            raise ValueError(
                f"{who}.fit: X has {Xa.shape[0]} samples but y has shape {tuple(ya.shape)}: "
                "need one target per row of X"
            )
        self._X = Xa
        self.n_features_in_ = int(Xa.shape[1])
        self.n_samples_fit_ = int(Xa.shape[0])
        return ya

    def _check_fitted(self, what: str) -> None:
        if not hasattr(self, "_X"):
            raise RuntimeError(
                f"{type(self).__name__}.{what}: this estimator is not fitted yet; call "
                "fit(X, y) first"
            )

    def _query(self, X: Any, what: str) -> Any:
        self._check_fitted(what)
        who = f"{type(self).__name__}.{what}"
        Q = as_2d_array(X, who)
        if Q.shape[1] != self.n_features_in_:
            raise ValueError(
                f"{who}: got X of shape {tuple(Q.shape)} but the estimator was fitted on "
                f"{self.n_features_in_} features: expected {self.n_features_in_} columns"
            )
        if get_array_module(Q) is not get_array_module(self._X):
            raise ValueError(
                f"{who}: X is on a different device than the training data: move it with "
                ".to(device) first"
            )
        if Q.dtype != self._X.dtype:
            Q = Q.astype(np.promote_types(Q.dtype, self._X.dtype))
        return Q

    def _shard(self) -> None:
        """Make this fit one shard of a training set split across ranks (``sharded.py``)."""
        self._sharded = True
        _sharded.setup(self)

    def _neighbors_with(self, Q: Any, k: int, values: Any) -> tuple[Any, Any, Any]:
        """Neighbours of ``Q`` and ``values`` (labels or targets) at them."""
        if getattr(self, "_sharded", False):
            self._neighbors(Q, k, check_only=True)
            return _sharded.kneighbors(self, Q, k, values)
        dist, ind = self._neighbors(Q, k)
        return dist, ind, values[ind]

    def _neighbors(self, Q: Any, k: int, exclude_self: bool = False,
                   check_only: bool = False) -> tuple[Any, Any]:  # fmt: skip
        who = type(self).__name__
        n_fit = self.n_samples_fit_ - (1 if exclude_self else 0)
        if k > n_fit:
            raise ValueError(
                f"{who}: n_neighbors={k} is larger than the {n_fit} training samples"
                f"{' (excluding each point itself)' if exclude_self else ''}: use "
                f"n_neighbors <= {n_fit}"
            )
        if check_only:
            return None, None
        if getattr(self, "_sharded", False):
            if exclude_self:
                raise NotImplementedError(
                    f"{who}.kneighbors(X=None) is not supported on a sharded fit: pass the "
                    "queries explicitly"
                )
            dist, ind, _ = _sharded.kneighbors(self, Q, k, None)
            return dist, ind
        ref = self._X if self._X.dtype == Q.dtype else self._X.astype(Q.dtype)
        if not exclude_self:
            return kneighbors_raw(Q, ref, k, self._kind, self.max_memory)
        xp = get_array_module(Q)
        dist, ind = kneighbors_raw(Q, ref, k + 1, self._kind, self.max_memory)
        own = ind == xp.arange(Q.shape[0])[:, None]
        missing = ~own.any(axis=1)
        own[missing, -1] = True  # the point is not among its k+1 neighbours: drop the last
        keep = ~own
        return dist[keep].reshape(-1, k), ind[keep].reshape(-1, k)

    def kneighbors(
        self, X: Any = None, n_neighbors: int | None = None, return_distance: bool = True
    ) -> Any:
        """Distances and indices (n_queries, k) of each query's nearest training rows,
        nearest first, ties ordered by training index.

        ``X=None`` queries the training set itself, leaving each point out of its own
        neighbours (as scikit-learn).  Arrays in give arrays out; Tensors give Tensors.
        """
        k = self.n_neighbors if n_neighbors is None else n_neighbors
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"kneighbors: n_neighbors must be a positive integer, got {k!r}")
        if X is None:
            self._check_fitted("kneighbors")
            dist, ind = self._neighbors(self._X, int(k), exclude_self=True)
        else:
            dist, ind = self._neighbors(self._query(X, "kneighbors"), int(k))
        dist, ind = _like(X, dist), _like(X, ind)
        return (dist, ind) if return_distance else ind

    def _weights(self, dist: Any) -> Any:
        """Neighbour weights (n, k): ones, or 1/d with exact matches taking all the weight."""
        xp = get_array_module(dist)
        if self.weights == "uniform":
            return xp.ones_like(dist)
        zero = dist == 0
        with np.errstate(divide="ignore"):
            w = 1.0 / dist
        exact = zero.any(axis=1)
        w[exact] = zero[exact].astype(w.dtype)
        return w


def _like(X: Any, arr: Any) -> Any:
    """Tensors for Tensor queries, arrays otherwise."""
    return Tensor._wrap(arr) if isinstance(X, Tensor) else arr


class KNeighborsClassifier(_KNeighborsBase):
    """Classify by a (weighted) vote of the k nearest training rows.

    Parameters: ``n_neighbors`` (k), ``weights`` ("uniform" or "distance"), ``p`` (L_p
    exponent >= 1, ``float("inf")`` for Chebyshev) used by ``metric="minkowski"``, or a named
    ``metric`` ("euclidean", "manhattan", "chebyshev", "cosine"), and ``max_memory``: the bytes
    of distances held at once (queries are processed in chunks).

    Example:
        >>> import numpy as np
        >>> from nablagrad.neighbors import KNeighborsClassifier
        >>> X = np.array([[0.0, 0], [0, 1], [5, 5], [5, 6]]); y = np.array(["a", "a", "b", "b"])
        >>> clf = KNeighborsClassifier(n_neighbors=1, p=1).fit(X, y)
        >>> clf.predict(np.array([[4.0, 4]])), clf.score(X, y)
        (array(['b'], dtype='<U1'), 1.0)
    """

    def fit(self, X: Any, y: Any, *, sharded: bool = False) -> KNeighborsClassifier:
        """Store the training rows and labels (any sortable labels: ints, strings).

        ``sharded=True`` (under an initialised process group): X, y are this rank's part of
        a training set split across the ranks in rank order; predictions then use all parts
        (see ``neighbors.sharded``) and every rank must pass the same queries.
        """
        ya = self._fit_X(X, y)
        if ya.ndim != 1:
            raise ValueError(
                f"KNeighborsClassifier.fit: y must be 1-D class labels, got shape {ya.shape}"
            )
        self.classes_, codes = np.unique(ya, return_inverse=True)
        if sharded:
            self._shard()
            self.classes_ = _sharded.global_classes(ya)
            codes = np.searchsorted(self.classes_, ya)
        xp = get_array_module(self._X)
        self._codes = xp.asarray(codes.reshape(-1).astype(np.int64))
        return self

    def predict_proba(self, X: Any) -> Any:
        """Class probabilities (n_queries, n_classes), columns in the order of ``classes_``."""
        Q = self._query(X, "predict_proba")
        return _like(X, self._proba(Q))

    def _proba(self, Q: Any) -> Any:
        xp = get_array_module(Q)
        dist, ind, labels = self._neighbors_with(Q, int(self.n_neighbors), self._codes)
        w = self._weights(dist)
        proba = xp.zeros((Q.shape[0], len(self.classes_)), dtype=w.dtype)
        rows = xp.arange(Q.shape[0])
        for j in range(labels.shape[1]):  # k is small; within one column rows are distinct
            proba[rows, labels[:, j]] += w[:, j]
        proba /= proba.sum(axis=1, keepdims=True)
        return proba

    def predict(self, X: Any) -> Any:
        """The most probable class per query (ties go to the smallest label)."""
        Q = self._query(X, "predict")
        best = to_host(get_array_module(Q).argmax(self._proba(Q), axis=1))
        labels = self.classes_[best]
        if isinstance(X, Tensor) and labels.dtype.kind in "iufb":
            xp = get_array_module(Q)
            return Tensor._wrap(xp.asarray(labels))
        return labels

    def score(self, X: Any, y: Any) -> float:
        """Mean accuracy of ``predict(X)`` against ``y``."""
        pred = self.predict(X)
        pred = to_host(pred._data) if isinstance(pred, Tensor) else pred
        ya = to_host(y._data) if isinstance(y, Tensor) else np.asarray(y)
        if ya.shape != pred.shape:
            raise ValueError(
                f"KNeighborsClassifier.score: y has shape {ya.shape}, expected {pred.shape}"
            )
        return float((pred == ya).mean())


class KNeighborsRegressor(_KNeighborsBase):
    """Predict the (weighted) mean target of the k nearest training rows.

    Same parameters as ``KNeighborsClassifier``; targets may be 1-D or (n, n_outputs).

    Example:
        >>> import numpy as np
        >>> from nablagrad.neighbors import KNeighborsRegressor
        >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0.0, 1.0, 4.0, 9.0])
        >>> KNeighborsRegressor(n_neighbors=2).fit(X, y).predict(np.array([[0.4]]))
        array([0.5])
    """

    def fit(self, X: Any, y: Any, *, sharded: bool = False) -> KNeighborsRegressor:
        """Store the training rows and numeric targets (``sharded``: as the classifier's)."""
        ya = self._fit_X(X, y)
        if ya.ndim > 2 or ya.dtype.kind not in "fiub":
            raise ValueError(
                "KNeighborsRegressor.fit: y must be numeric of shape (n,) or (n, n_outputs), "
                f"got {ya.dtype} {ya.shape}"
            )
        if not np.isfinite(ya.astype(np.float64)).all():
            raise ValueError("KNeighborsRegressor.fit: y contains NaN or infinity: clean it first")
        xp = get_array_module(self._X)
        self._y = xp.asarray(ya.astype(np.float64))
        if sharded:
            self._shard()
        return self

    def predict(self, X: Any) -> Any:
        """Weighted mean of the neighbours' targets, shape (n,) or (n, n_outputs)."""
        Q = self._query(X, "predict")
        dist, ind, yn = self._neighbors_with(Q, int(self.n_neighbors), self._y)
        w = self._weights(dist).astype(np.float64)  # yn: (n, k) or (n, k, outputs)
        if yn.ndim == 3:
            pred = (yn * w[:, :, None]).sum(axis=1) / w.sum(axis=1)[:, None]
        else:
            pred = (yn * w).sum(axis=1) / w.sum(axis=1)
        return _like(X, pred)

    def score(self, X: Any, y: Any) -> float:
        """Coefficient of determination R^2 = 1 - SS_res / SS_tot (averaged over outputs)."""
        pred = self.predict(X)
        pred = to_host(pred._data) if isinstance(pred, Tensor) else pred
        ya = to_host(y._data) if isinstance(y, Tensor) else np.asarray(y, dtype=np.float64)
        if ya.shape != pred.shape:
            raise ValueError(
                f"KNeighborsRegressor.score: y has shape {ya.shape}, expected {pred.shape}"
            )
        ss_res = ((ya - pred) ** 2).sum(axis=0)
        ss_tot = ((ya - ya.mean(axis=0)) ** 2).sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            r2 = np.where(ss_tot > 0, 1 - ss_res / ss_tot, np.where(ss_res == 0, 1.0, 0.0))
        return float(np.mean(r2))
