"""Sparse COO tensors on the fake CUDA device: creation, conversions and products keep every
array on the device and give the CPU's values (the CPU is compared with torch in
tests/sparse)."""

import numpy as np

import nablagrad as ng

IDX = [[1, 0, 1, 2], [2, 1, 2, 0]]
VAL = [1.0, 2.0, 3.0, -4.0]


def _run(where):
    s = ng.sparse_coo_tensor(ng.tensor(IDX), ng.tensor(VAL), (3, 4), device=where)
    s.requires_grad_(True)
    d = ng.tensor(np.linspace(-1, 1, 8).reshape(4, 2), dtype=ng.float32, device=where)
    d.requires_grad_(True)
    out = ng.sparse.mm(s, d)
    (out * out).sum().backward()
    moved = ng.tensor(VAL).to_sparse().to(where)
    dense = ng.eye(3, 4, device=where) + s.detach().coalesce() * 2
    res = {
        "mm": out,
        "grad_d": d.grad,
        "grad_s": s.grad.to_dense(),
        "dense": dense,
        "t_mm": ng.mm(s.detach().t(), ng.ones(3, 2, device=where)),
        "sum": ng.sparse.sum(s.detach(), 1).to_dense(),
        "moved": moved.to_dense(),
        "softmax": ng.sparse.softmax(s.detach(), 1).to_dense(),
    }
    assert s.grad.is_sparse and s.grad._data.values.__class__ is s._data.values.__class__
    return res


def test_sparse_same_on_device(device):
    cpu, dev = _run("cpu"), _run(device)
    for k in cpu:
        assert dev[k].device.type == device, k
        np.testing.assert_allclose(dev[k].detach().cpu().numpy(), cpu[k].detach().numpy(), 1e-6)
