"""api-f: nn.Buffer, nn.init.dirac_/sparse_ and the deprecated init names, against torch."""

from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pytest
import torch

import nablagrad as ng


def _module(lib):  # noqa: ANN001, ANN202
    class M(lib.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = lib.nn.Buffer(lib.ones(2))
            self.b = lib.nn.Buffer(lib.zeros(1), persistent=False)
            self.w = lib.nn.Parameter(lib.ones(1))

    return M()


def test_buffer_registers_like_torch() -> None:
    ours, theirs = _module(ng), _module(torch)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["w", "a"]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    for m, lib in ((ours, ng), (theirs, torch)):
        m.a = lib.zeros(3)  # a plain tensor to an existing buffer keeps it a buffer
        m.b = lib.nn.Buffer(lib.zeros(1))  # now persistent
        assert list(m.state_dict()) == ["w", "a", "b"]
        with pytest.raises(TypeError):
            m.w = lib.nn.Buffer(lib.ones(1))  # a parameter's name
    assert repr(ng.nn.Buffer(ng.ones(1))) == repr(torch.nn.Buffer(torch.ones(1)))
    assert tuple(ng.nn.Buffer().shape) == tuple(torch.nn.Buffer().shape) == (0,)
    x = ng.ones(2)
    buf = ng.nn.Buffer(x)
    buf._data[0] = 5.0
    assert float(x[0]) == 5.0  # shares memory, as torch's detach()
    m2 = copy.deepcopy(ours)
    assert list(m2.state_dict()) == ["w", "a", "b"]
    b2 = pickle.loads(pickle.dumps(ng.nn.Buffer(ng.ones(2), persistent=False)))
    assert b2.persistent is False and b2.tolist() == [1.0, 1.0]
    assert ours.double().a.dtype == ng.float64


@pytest.mark.parametrize("shape,groups", [((4, 4, 3), 1), ((6, 3, 3, 5), 2), ((4, 2, 3, 3, 3), 2)])
def test_dirac_matches_torch(shape: tuple, groups: int) -> None:
    ours = ng.nn.init.dirac_(ng.empty(*shape), groups)
    theirs = torch.nn.init.dirac_(torch.empty(*shape), groups)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    # a dirac conv weight passes its input through
    x = np.random.default_rng(0).normal(size=(1, 4, 7)).astype(np.float32)
    w = ng.nn.init.dirac_(ng.empty(4, 4, 3))
    y = ng.nn.functional.conv1d(ng.tensor(x), w, padding=1)
    np.testing.assert_allclose(y.numpy(), x, rtol=1e-6)


def test_dirac_and_sparse_errors_like_torch() -> None:
    for lib in (ng, torch):
        with pytest.raises(ValueError, match="3, 4, or 5"):
            lib.nn.init.dirac_(lib.empty(2, 2))
        with pytest.raises(ValueError, match="divisible by groups"):
            lib.nn.init.dirac_(lib.empty(3, 2, 2), groups=2)
        with pytest.raises(ValueError, match="2 dimensions"):
            lib.nn.init.sparse_(lib.empty(2, 2, 2), 0.5)


def test_sparse_zeros_per_column_and_std() -> None:
    ng.manual_seed(0)
    w = ng.nn.init.sparse_(ng.empty(200, 50), sparsity=0.3, std=0.5)
    t = torch.nn.init.sparse_(torch.empty(200, 50), sparsity=0.3, std=0.5)
    assert ((w == 0).sum(0)).tolist() == ((t == 0).sum(0)).tolist() == [60] * 50
    nz = w.numpy()[w.numpy() != 0]
    assert abs(nz.std() - 0.5) < 0.02 and abs(nz.mean()) < 0.02


@pytest.mark.parametrize(
    "name,args",
    [
        ("uniform", (0.0, 1.0)),
        ("normal", ()),
        ("constant", (0.5,)),
        ("eye", ()),
        ("xavier_uniform", ()),
        ("xavier_normal", ()),
        ("kaiming_uniform", ()),
        ("kaiming_normal", ()),
        ("orthogonal", ()),
        ("sparse", (0.5,)),
    ],
)
def test_deprecated_init_names_warn_like_torch(name: str, args: tuple) -> None:
    messages = []
    for lib in (ng, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = getattr(lib.nn.init, name)(lib.empty(4, 4), *args)
        assert tuple(out.shape) == (4, 4)
        messages.append([(w.category, str(w.message)) for w in caught])
    assert messages[0] == messages[1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = ng.nn.init.dirac(ng.empty(2, 2, 3))
    assert float(d.sum()) == 2.0
