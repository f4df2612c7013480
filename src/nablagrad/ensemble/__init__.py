"""Ensembles: bagging (the same model on bootstrap resamples) and voting over different models.

``Bagging(model_fn, n_models)`` trains ``n_models`` fresh models from ``model_fn()``, each with
``nablagrad.train.fit`` on its own bootstrap sample (n draws with replacement, so each member
misses about 1/e = 37% of the data), and predicts by majority vote (classification) or by the
mean (regression).  Every training sample is predicted by the members that did not see it:
the out-of-bag (OOB) error is a validation estimate that costs no held-out data.

``VotingEnsemble(models, voting="hard"|"soft")`` combines different models: hard voting takes
the most common label, soft voting the label with the highest mean probability.

Both are ``nn.Module``s: ``forward`` returns the log of the members' mean class probability
(classification; usable as logits by ``CrossEntropyLoss``, ``evaluate`` and ONNX export) or
the mean output (regression), and ``state_dict`` holds every member.

Example:
    >>> import nablagrad as torch
    >>> from nablagrad import nn
    >>> from nablagrad.datasets import make_moons
    >>> from nablagrad.ensemble import Bagging
    >>> X, y = make_moons(200, noise=0.2, seed=0)
    >>> bag = Bagging(lambda: nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2)),
    ...               n_models=5, seed=0).fit(X, y, epochs=20)  # doctest: +SKIP
    >>> bag.oob_score_, bag.score(X, y)  # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

from .. import nn, optim
from ..autograd.grad_mode import no_grad
from ..backend import np, to_host
from ..ops.shape import stack
from ..random import Generator, manual_seed
from ..tensor import Tensor
from ..train.loop import fit

__all__ = ["Bagging", "VotingEnsemble"]


def _host(x: Any) -> np.ndarray:
    return to_host(x._data) if isinstance(x, Tensor) else np.asarray(x)


def _tensor(a: np.ndarray) -> Tensor:
    return Tensor._wrap(np.ascontiguousarray(a))


def _task(task: str, y: np.ndarray | None) -> str:
    if task not in ("auto", "classification", "regression"):
        raise ValueError(f"task must be 'auto', 'classification' or 'regression', got {task!r}")
    if task != "auto":
        return task
    if y is None:
        raise ValueError("task='auto' needs training targets to decide; pass task=")
    return "classification" if y.dtype.kind in "iub" else "regression"


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _vote(labels: np.ndarray, n_classes: int, weights: np.ndarray | None = None) -> np.ndarray:
    """Majority vote over axis 0 of (members, N) labels; ties go to the smaller label."""
    w = np.ones(len(labels)) if weights is None else weights
    counts = np.zeros((labels.shape[1], n_classes))
    for lab, wi in zip(labels, w):
        np.add.at(counts, (np.arange(labels.shape[1]), lab), wi)
    return counts.argmax(axis=1)


class _Ensemble(nn.Module):
    task: str
    n_classes_: int | None

    def _outputs(self, X: Any, batch_size: int = 1024) -> np.ndarray:
        """(members, N, ...) raw outputs in eval mode."""
        x = _host(X)
        outs = []
        for m in self.members:
            was = m.training
            m.eval()
            dev = next((p.device for p in m.parameters()), None)  # the member's device
            parts = []
            with no_grad():
                for i in range(0, len(x), batch_size):
                    xb = _tensor(x[i : i + batch_size])
                    parts.append(_host(m(xb if dev is None else xb.to(dev))))
            m.train(was)
            outs.append(np.concatenate(parts) if parts else np.zeros((0,)))
        return np.stack(outs)

    def forward(self, x: Tensor) -> Tensor:
        """log(mean of the members' softmax) for classification, the mean for regression
        (weighted by ``weights`` where the ensemble has them)."""
        outs = stack([m(x) for m in self.members], 0)
        w = getattr(self, "weights", None)
        if w is None:
            if self.task == "regression":
                return outs.mean(0)
            # log mean_k softmax(z_k) = logsumexp_k log_softmax(z_k) - log K
            return nn.functional.log_softmax(outs, dim=-1).logsumexp(0) - float(
                np.log(len(self.members))
            )
        shape = (len(w),) + (1,) * (outs.ndim - 1)
        share = Tensor._wrap((w / w.sum()).reshape(shape)).to(device=outs.device, dtype=outs.dtype)
        if self.task == "regression":
            return (outs * share).sum(0)
        # log sum_k w_k softmax(z_k) = logsumexp_k (log_softmax(z_k) + log w_k)
        return (nn.functional.log_softmax(outs, dim=-1) + share.log()).logsumexp(0)

    def predict_proba(self, X: Any) -> np.ndarray:
        """The members' mean class probabilities, shape (N, classes)."""
        self._need_classification("predict_proba")
        return _softmax(self._outputs(X)).mean(axis=0)

    def _need_classification(self, what: str) -> None:
        if self.task != "classification":
            raise ValueError(f"{what} is only defined for classification ensembles")

    def member_proba(self, X: Any) -> np.ndarray:
        """Each member's class probabilities, shape (members, N, classes)."""
        self._need_classification("member_proba")
        return _softmax(self._outputs(X))

    def member_predictions(self, X: Any) -> np.ndarray:
        """Each member's prediction: labels (members, N) or outputs (members, N, ...)."""
        outs = self._outputs(X)
        return outs.argmax(axis=-1) if self.task == "classification" else outs

    def disagreement(self, X: Any) -> float:
        """Mean fraction of member pairs that predict different labels (classification), or
        the mean variance of the members' outputs (regression)."""
        p = self.member_predictions(X)
        if self.task == "regression":
            return float(p.var(axis=0).mean())
        k = len(p)
        if k < 2:
            return 0.0
        same = sum(float((p[i] == p[j]).mean()) for i in range(k) for j in range(i + 1, k))
        return 1.0 - same / (k * (k - 1) / 2)

    def score(self, X: Any, y: Any) -> float:
        """Accuracy (classification) or R^2 (regression) of ``predict``."""
        pred, t = self.predict(X), _host(y)
        if self.task == "classification":
            return float((pred == t).mean())
        t = t.reshape(pred.shape)
        ss = ((t - t.mean(axis=0)) ** 2).sum()
        return float(1 - ((t - pred) ** 2).sum() / ss) if ss > 0 else 0.0


def _fit_one(model: Any, x: np.ndarray, y: np.ndarray, task: str, loss: Any, optimizer: Any,
             lr: float, epochs: int, batch_size: int, seed: int | None,
             fit_kwargs: dict) -> Any:  # fmt: skip
    loss = loss if loss is not None else (
        nn.CrossEntropyLoss() if task == "classification" else nn.MSELoss()
    )  # fmt: skip
    opt = optimizer(model.parameters()) if optimizer is not None else optim.Adam(
        model.parameters(), lr=lr
    )  # fmt: skip
    gen = Generator().manual_seed(seed) if seed is not None else None
    fit_kwargs.setdefault("progress", False)
    return fit(model, (_tensor(x), _tensor(y)), None, loss, opt, epochs, batch_size=batch_size,
               generator=gen, **fit_kwargs)  # fmt: skip


class Bagging(_Ensemble):
    """Bootstrap aggregating: ``n_models`` models from ``model_fn()``, each trained on its own
    resample of the data, combined by vote (classification) or mean (regression).

    Args:
        model_fn: builds a fresh, untrained model (called once per member).
        n_models: the ensemble size.
        bootstrap: draw with replacement (otherwise subsample without replacement).
        oob: compute the out-of-bag predictions and score after ``fit``.
        max_samples: the size of each member's sample, as a fraction of the data (float) or a
            count (int).
        task: ``"classification"``, ``"regression"`` or ``"auto"`` (integer targets classify).
        voting: ``"hard"`` (majority of labels, the default) or ``"soft"`` (mean probability).
        seed: seeds the resampling, each member's initialisation (``manual_seed(seed + i)``)
            and its batch order.

    After ``fit``: ``samples_`` (each member's indices), ``histories_``, and with ``oob``:
    ``oob_prediction_`` (labels or means; -1 / NaN for samples every member saw),
    ``oob_score_`` (accuracy or R^2) and ``oob_error_`` (1 - accuracy, or the MSE).
    """

    def __init__(
        self,
        model_fn: Callable[[], Any],
        n_models: int = 10,
        bootstrap: bool = True,
        oob: bool = True,
        max_samples: float | int = 1.0,
        task: str = "auto",
        voting: str = "hard",
        seed: int | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(n_models, int) or n_models < 1:
            raise ValueError(f"n_models must be a positive integer, got {n_models!r}")
        if voting not in ("hard", "soft"):
            raise ValueError(f"voting must be 'hard' or 'soft', got {voting!r}")
        if oob and not bootstrap:
            warnings.warn("Bagging: oob=True without bootstrap: the out-of-bag samples are "
                          "those left out of each subsample", stacklevel=2)  # fmt: skip
        self.model_fn, self.n_models = model_fn, n_models
        self.bootstrap, self.oob, self.max_samples = bootstrap, oob, max_samples
        self.task, self.voting, self.seed = task, voting, seed
        self.members = nn.ModuleList()
        self.samples_: list[np.ndarray] = []
        self.histories_: list[Any] = []
        self.n_classes_ = None

    def build_members(self) -> Bagging:
        """Create ``n_models`` untrained members (to ``load_state_dict`` a saved ensemble)."""
        self.members = nn.ModuleList([self.model_fn() for _ in range(self.n_models)])
        return self

    def _n_draws(self, n: int) -> int:
        m = self.max_samples
        k = int(round(m * n)) if isinstance(m, float) else int(m)
        if not 1 <= k <= (n if not self.bootstrap else 10**12):
            raise ValueError(f"max_samples={m!r} gives {k} samples of {n}; need 1..{n}")
        return k

    def fit(
        self,
        X: Any,
        y: Any,
        epochs: int = 10,
        batch_size: int = 32,
        loss: Any = None,
        optimizer: Callable[[Any], Any] | None = None,
        lr: float = 1e-2,
        **fit_kwargs: Any,
    ) -> Bagging:
        """Train every member with ``nablagrad.train.fit`` on its resample and return ``self``.

        ``loss`` defaults to cross-entropy (classification) or MSE (regression), ``optimizer``
        (``params -> optimizer``) to Adam with ``lr``; other keywords go to ``fit``."""
        x, t = _host(X), _host(y)
        if len(x) != len(t):
            raise ValueError(f"Bagging.fit: {len(x)} inputs but {len(t)} targets")
        self.task = _task(self.task, t)
        if self.task == "classification":
            t = t.astype(np.int64)
            self.n_classes_ = int(t.max()) + 1
        n, k = len(x), self._n_draws(len(x))
        rng = np.random.default_rng(self.seed)
        self.members = nn.ModuleList()
        self.samples_, self.histories_ = [], []
        for i in range(self.n_models):
            idx = rng.integers(0, n, k) if self.bootstrap else rng.permutation(n)[:k]
            if self.seed is not None:
                manual_seed(self.seed + i)
            model = self.model_fn()
            seed = None if self.seed is None else self.seed + i
            self.histories_.append(
                _fit_one(
                    model,
                    x[idx],
                    t[idx],
                    self.task,
                    loss,
                    optimizer,
                    lr,
                    epochs,
                    batch_size,
                    seed,
                    dict(fit_kwargs),
                )
            )
            self.members.append(model)
            self.samples_.append(np.sort(idx))
        if self.oob:
            self._oob(x, t)
        return self

    def _combine(self, outs: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """Combine (members, N, ...) outputs; ``mask`` (members, N) selects who votes."""
        m = np.ones(outs.shape[:2], bool) if mask is None else mask
        if self.task == "regression":
            w = m.reshape(m.shape + (1,) * (outs.ndim - 2)).astype(outs.dtype)
            with np.errstate(invalid="ignore", divide="ignore"):
                return (outs * w).sum(axis=0) / w.sum(axis=0)
        if self.voting == "soft":
            p = _softmax(outs) * m[..., None]
            return p.sum(axis=0).argmax(axis=-1)
        counts = np.zeros((outs.shape[1], outs.shape[2]))
        labels = outs.argmax(axis=-1)
        cols = np.arange(outs.shape[1])
        for lab, mi in zip(labels, m):
            np.add.at(counts, (cols, lab), mi.astype(float))
        return counts.argmax(axis=1)  # ties: the smaller label

    def _oob(self, x: np.ndarray, t: np.ndarray) -> None:
        outs = self._outputs(x)
        mask = np.ones((self.n_models, len(x)), bool)
        for i, idx in enumerate(self.samples_):
            mask[i, idx] = False
        has = mask.any(axis=0)
        if not has.all():
            warnings.warn(
                f"Bagging: {int((~has).sum())} samples were in every member's sample "
                "and have no out-of-bag prediction; use more models",
                stacklevel=3,
            )
        pred = self._combine(outs, mask)
        if self.task == "classification":
            pred = np.where(has, pred, -1)
            self.oob_score_ = float((pred[has] == t[has]).mean()) if has.any() else float("nan")
            self.oob_error_ = 1.0 - self.oob_score_
        else:
            tt = t.reshape(pred.shape).astype(np.float64)
            err = (pred[has] - tt[has]) ** 2
            self.oob_error_ = float(err.mean()) if has.any() else float("nan")
            ss = ((tt[has] - tt[has].mean(axis=0)) ** 2).sum()
            self.oob_score_ = float(1 - err.sum() / ss) if ss > 0 else float("nan")
        self.oob_prediction_ = pred

    def predict(self, X: Any) -> np.ndarray:
        """Vote (classification: labels) or mean (regression) of the members."""
        if not len(self.members):
            raise RuntimeError("Bagging: call fit() before predict()")
        return self._combine(self._outputs(X))


class VotingEnsemble(_Ensemble):
    """Combine different (trained or untrained) models: ``voting="hard"`` takes the most
    common predicted label (ties to the smaller), ``"soft"`` the highest mean probability
    (``weights`` weight the members); ``task="regression"`` averages the outputs.

    ``fit(X, y, ...)`` trains every member on the full data with ``nablagrad.train.fit``.
    """

    def __init__(
        self,
        models: Sequence[Any],
        voting: str = "hard",
        weights: Sequence[float] | None = None,
        task: str = "classification",
    ) -> None:
        super().__init__()
        if voting not in ("hard", "soft"):
            raise ValueError(f"voting must be 'hard' or 'soft', got {voting!r}")
        if not models:
            raise ValueError("VotingEnsemble needs at least one model")
        if weights is not None and len(weights) != len(models):
            raise ValueError(f"{len(weights)} weights for {len(models)} models")
        self.members = nn.ModuleList(list(models))
        if task not in ("auto", "classification", "regression"):
            raise ValueError(f"task must be 'auto', 'classification' or 'regression', got {task!r}")
        self.voting, self.task = voting, task
        self.weights = None if weights is None else np.asarray(weights, dtype=np.float64)
        self.n_classes_ = None

    def fit(self, X: Any, y: Any, epochs: int = 10, batch_size: int = 32, loss: Any = None,
            optimizer: Callable[[Any], Any] | None = None, lr: float = 1e-2,
            **fit_kwargs: Any) -> VotingEnsemble:  # fmt: skip
        """Train every member on all of (X, y) and return ``self``."""
        x, t = _host(X), _host(y)
        self.task = _task(self.task, t)
        if self.task == "classification":
            t = t.astype(np.int64)
        self.histories_ = [
            _fit_one(m, x, t, self.task, loss, optimizer, lr, epochs, batch_size, None,
                     dict(fit_kwargs))
            for m in self.members
        ]  # fmt: skip
        return self

    def predict(self, X: Any) -> np.ndarray:
        outs = self._outputs(X)
        w = np.ones(len(outs)) if self.weights is None else self.weights
        if self.task == "regression":
            return np.tensordot(w / w.sum(), outs, axes=1)
        if self.voting == "soft":
            return np.tensordot(w, _softmax(outs), axes=1).argmax(axis=-1)
        return _vote(outs.argmax(axis=-1), outs.shape[-1], w)

    def predict_proba(self, X: Any) -> np.ndarray:
        self._need_classification("predict_proba")
        w = np.ones(len(self.members)) if self.weights is None else self.weights
        return np.tensordot(w / w.sum(), _softmax(self._outputs(X)), axes=1)
