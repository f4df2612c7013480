"""nablagrad.func on the fake CUDA device: the transforms give the CPU's values (the CPU path is
compared with torch in tests/func) and keep every result on the device."""

import numpy as np

import nablagrad as ng
import nablagrad.func as F


def _host(t):
    return t.detach().cpu().numpy()


def _run(where):
    ng.manual_seed(0)
    model = ng.nn.Sequential(ng.nn.Linear(4, 5), ng.nn.Tanh(), ng.nn.Linear(5, 2)).double()
    model = model.to(where)
    params = {k: v.detach() for k, v in model.named_parameters()}
    x = ng.tensor(np.linspace(-1, 1, 12).reshape(3, 4), device=where)
    y = ng.tensor([0, 1, 1], device=where)

    def loss(p, s, t):
        return ng.nn.functional.cross_entropy(F.functional_call(model, p, (s[None],)), t[None])

    per_sample = F.vmap(F.grad(loss), in_dims=(None, 0, 0))(params, x, y)
    f = lambda v: (v.sin() * v.sum()).sum()  # noqa: E731
    out = {
        "per_sample": per_sample["0.weight"],
        "jac": F.jacrev(lambda v: model(v))(x[0]),
        "hess": F.hessian(f)(x[0]),
        "jvp": F.jvp(lambda v: model(v), (x,), (x * 2,))[1],
        "vjp": F.vjp(lambda v: model(v), x)[1](ng.ones(3, 2, device=where).double())[0],
    }
    return out


def test_transforms_same_on_device(device):
    cpu, dev = _run("cpu"), _run(device)
    for k in cpu:
        assert dev[k].device.type == device, k
        np.testing.assert_allclose(_host(dev[k]), _host(cpu[k]), atol=1e-12, err_msg=k)
