"""Forward-mode AD on the fake CUDA device: tangents equal the CPU's (the CPU path is compared
with torch in tests/core/test_forward_ad.py) and stay on the device, in-place paths included.
(Writes through views are not checked here: the fake device's ``.base`` is a new wrapper on
every read, so nablagrad's view tracking, ``function._share_view``, does not see its views.)"""

import numpy as np

import nablagrad as ng
import nablagrad.autograd.forward_ad as fwAD


def _host(t):
    return t.detach().cpu().numpy()


def _run(where):
    ng.manual_seed(0)
    model = (
        ng.nn.Sequential(
            ng.nn.Conv2d(2, 3, 3, padding=1),
            ng.nn.BatchNorm2d(3),
            ng.nn.ReLU(),
            ng.nn.MaxPool2d(2),
            ng.nn.Flatten(),
            ng.nn.Linear(12, 2),
        )
        .double()
        .to(where)
    )
    x = ng.tensor(np.linspace(-1, 1, 64).reshape(2, 2, 4, 4), device=where)
    v = ng.tensor(np.cos(np.arange(64.0)).reshape(2, 2, 4, 4), device=where)
    with fwAD.dual_level():
        d = fwAD.make_dual(x, v)
        out = ng.nn.functional.log_softmax(model(d), 1)
        y = fwAD.make_dual(ng.zeros(4, device=where).double(), ng.ones(4, device=where).double())
        y.mul_(3).add_(out[:, 0].sum())
        y[0] = out[0, 0]
        return {"model": fwAD.unpack_dual(out).tangent, "inplace": fwAD.unpack_dual(y).tangent}


def test_tangents_same_on_device(device):
    cpu, dev = _run("cpu"), _run(device)
    for k in cpu:
        assert dev[k].device.type == device, k
        np.testing.assert_allclose(_host(dev[k]), _host(cpu[k]), atol=1e-12, err_msg=k)
