"""topk on the device: CuPy arrays take k argmax/argmin passes (a full sort of every row on
the GPU is ~10x slower for small k); the indices equal torch's CPU ones (no ties here), and
rows with an infinity or NaN among the chosen values fall back to the sort."""

import numpy as np
import pytest
import torch

import nablagrad as ng


@pytest.mark.parametrize("shape,dim", [((50, 40), 1), ((50, 40), 0), ((7, 30, 5), 1)])
@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("k", [1, 3, 8, 12])
def test_topk_matches_torch(device, shape, dim, largest, k):
    a = np.random.default_rng(k).standard_normal(shape).astype(np.float32)
    x = ng.tensor(a, device=device, requires_grad=True)
    values, indices = ng.topk(x, k, dim=dim, largest=largest)
    tv, ti = torch.topk(torch.tensor(a), k, dim=dim, largest=largest)
    assert values.device.type == indices.device.type == device
    np.testing.assert_array_equal(indices.cpu().numpy(), ti.numpy())
    np.testing.assert_array_equal(values.detach().cpu().numpy(), tv.numpy())
    values.sum().backward()
    want = np.zeros(shape, np.float32)
    np.put_along_axis(want, ti.numpy(), 1.0, axis=dim)
    np.testing.assert_array_equal(x.grad.cpu().numpy(), want)


@pytest.mark.parametrize("largest", [True, False])
def test_topk_with_nan_and_infinities(device, largest):
    a = np.random.default_rng(0).standard_normal((4, 30))
    a[0, 3], a[1, 5], a[2, 7], a[3, 1] = np.nan, -np.inf, np.inf, np.nan
    values, indices = ng.topk(ng.tensor(a, device=device), 3, largest=largest)
    tv, ti = torch.topk(torch.tensor(a), 3, largest=largest)
    np.testing.assert_array_equal(indices.cpu().numpy(), ti.numpy())
    np.testing.assert_array_equal(values.cpu().numpy(), tv.numpy())
