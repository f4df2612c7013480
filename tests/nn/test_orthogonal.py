"""nn.utils.parametrizations.orthogonal vs torch: initial weight (right_inverse), forward values,
gradients w.r.t. the original, one SGD step, tall/wide/square/batched shapes, every map."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import assert_close

import nablagrad as ng

MAPS = ["matrix_exp", "cayley", "householder"]
SHAPES = [(4, 4), (5, 3), (3, 5), (2, 4, 3), (2, 3, 4), (2, 3, 3)]
TOL = 1e-10  # float64 throughout: both sides compute the same formulas


def _holder(lib: object, w: np.ndarray) -> object:
    """A module with one float64 parameter ``weight`` of any shape (batched weights too)."""
    m = lib.nn.Module()
    m.weight = lib.nn.Parameter(lib.tensor(w.copy()))
    return m


def _pair(shape: tuple, orthogonal_map: str | None, triv: bool, seed: int = 0) -> tuple:
    """The same original weight, parametrized in both libraries (same RNG stream for the
    random completion of tall bases)."""
    w = np.random.default_rng(seed).standard_normal(shape)
    mods = []
    for lib in (ng, torch):
        m = _holder(lib, w)
        lib.manual_seed(seed)
        lib.nn.utils.parametrizations.orthogonal(
            m, orthogonal_map=orthogonal_map, use_trivialization=triv
        )
        mods.append(m)
    return tuple(mods)


def _check_orthogonal(q: np.ndarray, tol: float) -> None:
    if q.shape[-2] < q.shape[-1]:
        q = np.swapaxes(q, -1, -2)
    gram = np.swapaxes(q, -1, -2) @ q
    np.testing.assert_allclose(gram, np.broadcast_to(np.eye(q.shape[-1]), gram.shape), atol=tol)


def _perturb(nm: object, tm: object, seed: int) -> None:
    """Move both originals to the same point off the initial one (diagonal untouched: it
    holds householder's column signs)."""
    orig = tm.parametrizations.weight.original.detach().numpy()
    noise = 0.3 * np.random.default_rng(seed + 100).standard_normal(orig.shape)
    mask = 1.0 - np.eye(orig.shape[-2], orig.shape[-1])
    new = orig + noise * mask
    with torch.no_grad():
        tm.parametrizations.weight.original.copy_(torch.from_numpy(new))
    with ng.no_grad():
        nm.parametrizations.weight.original.copy_(ng.tensor(new))


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("orthogonal_map", MAPS)
@pytest.mark.parametrize("triv", [True, False], ids=["triv", "notriv"])
def test_orthogonal_matches_torch(shape: tuple, orthogonal_map: str, triv: bool) -> None:
    nm, tm = _pair(shape, orthogonal_map, triv)
    # registration: same state (original, and base with its random completion) and weight
    ts = tm.state_dict()
    assert list(nm.state_dict()) == list(ts)
    for k, v in nm.state_dict().items():
        assert_close(v, ts[k], TOL, TOL, f"state_dict[{k}] after registration")
    assert_close(nm.weight, tm.weight, TOL, TOL, "initial weight")
    _check_orthogonal(nm.weight.detach().numpy(), 1e-12)

    _perturb(nm, tm, seed=len(shape))
    r = np.random.default_rng(7).standard_normal(shape)
    wn, wt = nm.weight, tm.weight
    assert_close(wn, wt, TOL, TOL, "forward")
    _check_orthogonal(wn.detach().numpy(), 1e-12)
    ((wn * ng.tensor(r)).sum() + (wn[..., 0, :] ** 3).sum()).backward()
    ((wt * torch.from_numpy(r)).sum() + (wt[..., 0, :] ** 3).sum()).backward()
    gn = nm.parametrizations.weight.original.grad
    gt = tm.parametrizations.weight.original.grad
    assert float(gt.abs().sum()) > 0
    assert_close(gn, gt, TOL, TOL, "gradient of the original")

    ng.optim.SGD(nm.parameters(), lr=0.1).step()
    torch.optim.SGD(tm.parameters(), lr=0.1).step()
    with ng.no_grad():
        wn = nm.weight
    with torch.no_grad():
        wt = tm.weight
    assert_close(wn, wt, TOL, TOL, "weight after one SGD step")
    _check_orthogonal(wn.numpy(), 1e-12)


@pytest.mark.parametrize(
    ("features", "expected"), [((3, 3), "matrix_exp"), ((3, 5), "householder")]
)
def test_orthogonal_float32_linear_default_map(features: tuple, expected: str) -> None:
    tl = torch.nn.Linear(*features)
    nl = ng.nn.Linear(*features)
    nl.load_state_dict({k: v.detach().numpy() for k, v in tl.state_dict().items()})
    for lib, m in ((ng, nl), (torch, tl)):
        lib.manual_seed(3)
        lib.nn.utils.parametrizations.orthogonal(m)
    assert nl.parametrizations.weight[0].orthogonal_map.name == expected
    assert tl.parametrizations.weight[0].orthogonal_map.name == expected
    assert type(nl).__name__ == "ParametrizedLinear"
    assert nl.weight.dtype == ng.float32
    x = np.random.default_rng(1).standard_normal((2, features[0])).astype(np.float32)
    yn, yt = nl(ng.tensor(x)), tl(torch.from_numpy(x))
    assert_close(yn, yt, 1e-5, 1e-5, "forward")
    yn.pow(2).sum().backward()
    yt.pow(2).sum().backward()
    g = "parametrizations.weight.original"
    tg = dict(tl.named_parameters())
    for name, p in nl.named_parameters():
        assert_close(p.grad, tg[name].grad, 1e-5, 1e-5, f"gradient of {name}")
    assert set(dict(nl.named_parameters())) == {"bias", g}


@pytest.mark.parametrize("orthogonal_map", MAPS)
def test_orthogonal_assignment_matches_torch(orthogonal_map: str) -> None:
    """``module.weight = Q`` runs right_inverse: an orthogonal Q is kept, another one is
    orthogonalized by QR (as torch)."""
    nm, tm = _pair((5, 3), orthogonal_map, True, seed=2)
    q = np.linalg.qr(np.random.default_rng(5).standard_normal((5, 3)))[0]
    a = np.random.default_rng(6).standard_normal((5, 3))
    for value in (q, a):
        ng.manual_seed(9)
        torch.manual_seed(9)
        nm.weight = ng.tensor(value)
        tm.weight = torch.from_numpy(value)
        assert_close(nm.weight, tm.weight, TOL, TOL, "weight after assignment")
        assert_close(
            nm.parametrizations.weight[0].base,
            tm.parametrizations.weight[0].base,
            TOL,
            TOL,
            "base after assignment",
        )
    # an orthogonal square weight is kept bit for bit (torch clones it, no QR round-off)
    square = np.linalg.qr(np.random.default_rng(8).standard_normal((4, 4)))[0]
    assert np.array_equal(_assigned(torch, square), square)
    assert np.array_equal(_assigned(ng, square), square)


def _assigned(lib: object, q: np.ndarray) -> np.ndarray:
    m = lib.nn.utils.parametrizations.orthogonal(_holder(lib, np.zeros(q.shape)))
    m.weight = lib.tensor(q)
    with lib.no_grad():
        return m.weight.numpy()


def test_orthogonal_errors_match_torch() -> None:
    msgs = []
    for lib in (ng, torch):
        got = []
        vec = lib.nn.Module()
        vec.w = lib.nn.Parameter(lib.ones(4))
        orth = lib.nn.utils.parametrizations.orthogonal
        for args, kwargs in (
            ((vec, "w"), {}),
            ((vec, "nope"), {}),
            ((lib.nn.Linear(3, 3),), {"orthogonal_map": "qr"}),
        ):
            with pytest.raises(ValueError) as e:
                orth(*args, **kwargs)
            got.append(str(e.value))
        m = lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(3, 3))
        with pytest.raises(ValueError, match="Expected a matrix or batch of matrices of shape"):
            m.weight = lib.ones(2, 2)
        # matrix_exp/cayley without trivialization: registration keeps the original as it
        # is; assigning is not possible
        for orth_map in ("matrix_exp", "cayley"):
            lin = lib.nn.Linear(3, 4)
            w = lin.weight.detach().clone()
            m = lib.nn.utils.parametrizations.orthogonal(
                lin, orthogonal_map=orth_map, use_trivialization=False
            )
            assert bool((m.parametrizations.weight.original == w).all())
            with pytest.raises(NotImplementedError) as e:
                m.weight = lib.ones(4, 3)
            got.append(str(e.value))
        msgs.append(got)
    assert msgs[0] == msgs[1]
    assert msgs[0][0] == "Expected a matrix or batch of matrices. Got a tensor of 1 dimensions."
