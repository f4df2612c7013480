"""``nn.utils.prune`` on the fake CUDA device: the same masks, values and gradients as on the
CPU (the CPU path is compared with torch in tests/nn/test_prune.py), masks stay on the device."""

import copy

import numpy as np

import nablagrad as ng
import nablagrad.nn.utils.prune as prune


def _host(t):
    return t.detach().cpu().numpy()


def _prune_all(model):
    conv, lin = model[0], model[3]
    prune.l1_unstructured(conv, "weight", amount=0.3)
    prune.ln_structured(conv, "weight", amount=1, n=2, dim=0)
    prune.l1_unstructured(lin, "bias", amount=1)
    prune.global_unstructured(
        [(conv, "weight"), (lin, "weight")], pruning_method=prune.L1Unstructured, amount=0.2
    )
    prune.random_structured(lin, "weight", amount=1, dim=1)  # random: counts only
    prune.remove(lin, "bias")


def test_prune_same_on_device(device):
    ng.manual_seed(0)
    nn = ng.nn
    cpu = nn.Sequential(nn.Conv2d(2, 3, 3), nn.ReLU(), nn.Flatten(), nn.Linear(12, 4)).double()
    dev = copy.deepcopy(cpu).to(device)
    results = []
    for m, where in ((cpu, "cpu"), (dev, device)):
        ng.manual_seed(1)
        _prune_all(m)
        assert m[0].weight_mask.device.type == where
        assert prune.is_pruned(m)
        x = ng.tensor(np.linspace(-1, 1, 2 * 2 * 4 * 4).reshape(2, 2, 4, 4), device=where)
        m(x).sum().backward()
        results.append(
            [_host(t) for t in (m[0].weight_mask, m[0].weight, m[0].weight_orig.grad, m[3].bias)]
            + [int((m[3].weight_mask == 0).sum())]
        )
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
