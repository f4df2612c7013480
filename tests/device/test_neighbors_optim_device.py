"""kNN, cdist, every optimizer and the schedulers on ``cpu`` and the fake CUDA device."""

import numpy as np
import pytest

import nablagrad as ng
from nablagrad.datasets import load_digits
from nablagrad.neighbors import KNeighborsClassifier, KNeighborsRegressor, cdist


@pytest.mark.parametrize("p", [1, 2, 3, float("inf"), "cosine"])
def test_cdist_matches_the_cpu_and_its_gradient_comes_back(device, p):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((7, 5)), rng.standard_normal((4, 5))
    res = []
    for dev in ("cpu", device):
        ta = ng.tensor(a, device=dev, requires_grad=True)
        kw = {"metric": "cosine"} if p == "cosine" else {"p": p}
        d = cdist(ta, ng.tensor(b, device=dev), **kw)
        assert d.device.type == dev
        d.sum().backward()
        res.append((d.detach().cpu().numpy(), ta.grad.cpu().numpy()))
    for x, y in zip(res[1], res[0]):
        np.testing.assert_allclose(x, y, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("p", [1, 2, float("inf")])
def test_knn_on_device_tensors_predicts_as_on_the_cpu(device, p):
    X, y = load_digits()
    X = np.asarray(X, dtype=np.float32)[:600]
    y = np.asarray(y)[:600]
    Xd, yd = ng.tensor(X, device=device), ng.tensor(y, device=device)
    clf = KNeighborsClassifier(n_neighbors=3, p=p).fit(Xd[:500], yd[:500])
    pred = clf.predict(Xd[500:])
    ref = KNeighborsClassifier(n_neighbors=3, p=p).fit(X[:500], y[:500]).predict(X[500:])
    np.testing.assert_array_equal(np.asarray(pred.cpu() if hasattr(pred, "cpu") else pred), ref)
    assert clf.score(Xd[500:], yd[500:]) == pytest.approx(float((ref == y[500:]).mean()))
    dist, idx = clf.kneighbors(Xd[500:510])
    assert np.asarray(idx.cpu() if hasattr(idx, "cpu") else idx).shape == (10, 3)
    proba = clf.predict_proba(Xd[500:510])
    assert np.allclose(np.asarray(proba.cpu() if hasattr(proba, "cpu") else proba).sum(1), 1)
    reg = KNeighborsRegressor(n_neighbors=4, p=p).fit(Xd[:500], yd[:500].double())
    r = reg.predict(Xd[500:])
    r_ref = KNeighborsRegressor(n_neighbors=4, p=p).fit(X[:500], y[:500] * 1.0).predict(X[500:])
    np.testing.assert_allclose(np.asarray(r.cpu() if hasattr(r, "cpu") else r), r_ref, rtol=1e-6)


OPTIMIZERS = [
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01, maximize=False)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.01)),
    ("Adadelta", dict(lr=1.0, weight_decay=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.01)),
    ("AdamW", dict(lr=0.01, amsgrad=True)),
    ("Adamax", dict(lr=0.01, weight_decay=0.01)),
    ("NAdam", dict(lr=0.01, decoupled_weight_decay=True, weight_decay=0.01)),
    ("RAdam", dict(lr=0.01, weight_decay=0.01)),
    ("LBFGS", dict(lr=0.5, line_search_fn="strong_wolfe")),
    ("LBFGS", dict(lr=0.5)),
    ("LineSearchSGD", dict(lr=1.0)),
]


@pytest.mark.parametrize(
    "name,kwargs", OPTIMIZERS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(OPTIMIZERS)]
)
def test_optimizer_steps_match_the_cpu(device, name, kwargs):
    w0 = np.random.default_rng(0).standard_normal((64, 8))
    out = []
    for dev in ("cpu", device):
        w = ng.tensor(w0, device=dev, requires_grad=True)
        b = ng.zeros(8, device=dev, requires_grad=True)
        opt = getattr(ng.optim, name)([w, b], **kwargs)
        for _ in range(8):

            def closure(opt=opt, w=w, b=b):
                opt.zero_grad()
                loss = ((w.sin() + b) ** 2).mean()
                loss.backward()
                return loss

            opt.step(closure)
        assert w.device.type == dev and all(
            v.device.type in (dev, "cpu")
            for s in opt.state.values()
            for v in s.values()
            if isinstance(v, ng.Tensor)
        )
        out.append(w.detach().cpu().numpy())
    np.testing.assert_allclose(out[1], out[0], rtol=1e-9, atol=1e-12)


def test_schedulers_drive_an_optimizer_on_the_device(device):
    from nablagrad.optim import lr_scheduler as S

    w = ng.zeros(3, device=device, requires_grad=True)
    opt = ng.optim.SGD([w], lr=0.1, momentum=0.9)
    scheds = [S.OneCycleLR(opt, max_lr=0.5, total_steps=40), S.ReduceLROnPlateau(opt)]
    lrs = []
    for _ in range(40):
        opt.zero_grad()
        loss = ((w - 1) ** 2).sum()
        loss.backward()
        opt.step()
        scheds[0].step()
        lrs.append(opt.param_groups[0]["lr"])
    scheds[1].step(loss)  # a device 0-d tensor as the metric
    assert w.device.type == device and max(lrs) == pytest.approx(0.5, rel=1e-3)
    assert float(((w - 1) ** 2).sum()) < 0.05
