# ruff: noqa: E501
"""The GPU probe's correctness cases (``benchmarks/gpu_probe.py`` Part A) as data.

Each case is the same function of a library module ``m`` (``torch`` or ``nablagrad``), a list of
float64 input tensors ``t`` and a device string ``d``; ``run_case`` evaluates it in both
libraries and compares forward values and input gradients.  ``tests/device`` runs them on
``cpu`` and the fake CUDA device against torch on the CPU; ``tests/gpu`` runs them on a real GPU.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def F(m: Any) -> Any:
    return m.nn.functional


CASES = [
    ("broadcast arith", lambda m, t, d: t[0] * t[1] + t[0] / (t[1].abs() + 1) - t[1] ** 2, [(4, 1, 5), (3, 5)]),
    ("exp/log/sqrt/tanh/sigmoid", lambda m, t, d: t[0].exp().add(1).log() + (t[0].abs() + 0.1).sqrt() * t[0].tanh() + t[0].sigmoid(), [(6, 7)]),
    ("sin/cos/clamp/where", lambda m, t, d: m.where(t[0] > 0, t[0].sin(), t[0].cos()) + t[0].clamp(-0.5, 0.7), [(5, 6)]),
    ("sum/mean dims", lambda m, t, d: t[0].sum(dim=1, keepdim=True) + t[0].mean(dim=(0, 2)).reshape(1, 1, -1).sum(), [(3, 4, 5)]),
    ("max/min with dim", lambda m, t, d: t[0].max(dim=1)[0] + t[0].min(dim=1).values, [(4, 9)]),
    ("var/std/logsumexp/norm", lambda m, t, d: t[0].var(dim=1) + t[0].std(dim=1) + t[0].logsumexp(dim=1) + t[0].norm(dim=1), [(4, 8)]),
    ("softmax/log_softmax", lambda m, t, d: F(m).softmax(t[0], dim=-1) * 2 + F(m).log_softmax(t[0], dim=0), [(5, 7)]),
    ("reshape/permute/transpose", lambda m, t, d: t[0].reshape(2, 3, 4).permute(2, 0, 1).transpose(0, 2).reshape(-1), [(6, 4)]),
    ("cat/stack/split", lambda m, t, d: m.cat([m.stack([t[0], t[1]], dim=0).sum(0), t[0].split(2, dim=1)[0].repeat(1, 2)], dim=0), [(3, 4), (3, 4)]),
    ("slicing/indexing", lambda m, t, d: t[0][1:, ::2] * 2 + t[0][m.tensor([0, 2, 2], device=d)][:, :3], [(4, 6)]),
    ("boolean mask", lambda m, t, d: t[0][t[0] > 0.3].sum() + t[0].masked_fill(t[0] < 0, 0.0).sum(), [(5, 5)]),
    ("matmul/bmm/einsum", lambda m, t, d: (t[0] @ t[1]).sum(0) + m.einsum("bij,bjk->ik", t[2], t[3]), [(2, 3, 4), (4, 5), (2, 3, 6), (2, 6, 5)]),
    ("relu/leaky/elu/selu", lambda m, t, d: F(m).relu(t[0]) + F(m).leaky_relu(t[0], 0.1) + F(m).elu(t[0]) + F(m).selu(t[0]), [(6, 5)]),
    ("gelu exact", lambda m, t, d: F(m).gelu(t[0]), [(6, 5)]),
    ("gelu tanh", lambda m, t, d: F(m).gelu(t[0], approximate="tanh"), [(6, 5)]),
    ("silu/softplus/mish", lambda m, t, d: F(m).silu(t[0]) + F(m).softplus(t[0]) + F(m).mish(t[0]), [(6, 5)]),
    ("cross_entropy ls", lambda m, t, d: F(m).cross_entropy(t[0], m.tensor([1, 0, 4, 2], device=d), label_smoothing=0.1), [(4, 5)]),
    ("bce_with_logits", lambda m, t, d: F(m).binary_cross_entropy_with_logits(t[0], (t[1] > 0).to(t[0].dtype)), [(4, 5), (4, 5)]),
    ("mse/l1/huber", lambda m, t, d: F(m).mse_loss(t[0], t[1]) + F(m).l1_loss(t[0], t[1]) + F(m).huber_loss(t[0], t[1]), [(4, 5), (4, 5)]),
    ("nll/kl_div", lambda m, t, d: F(m).nll_loss(F(m).log_softmax(t[0], 1), m.tensor([1, 0, 3], device=d)) + F(m).kl_div(F(m).log_softmax(t[0], 1), F(m).softmax(t[1], 1), reduction="batchmean"), [(3, 5), (3, 5)]),
    ("conv2d basic", lambda m, t, d: F(m).conv2d(t[0], t[1], t[2], padding=2), [(2, 1, 12, 12), (6, 1, 5, 5), (6,)]),
    ("conv2d stride/dil/groups", lambda m, t, d: F(m).conv2d(t[0], t[1], None, stride=2, padding=1, dilation=2, groups=2), [(2, 4, 11, 11), (6, 2, 3, 3)]),
    ("conv2d 6->16 k5", lambda m, t, d: F(m).conv2d(t[0], t[1], t[2]), [(3, 6, 14, 14), (16, 6, 5, 5), (16,)]),
    ("conv1d", lambda m, t, d: F(m).conv1d(t[0], t[1], padding=1), [(2, 3, 10), (4, 3, 3)]),
    ("max/avg pool", lambda m, t, d: F(m).max_pool2d(t[0], 2) + F(m).avg_pool2d(t[0], 2), [(2, 3, 8, 8)]),
    ("adaptive avg pool", lambda m, t, d: F(m).adaptive_avg_pool2d(t[0], (3, 3)), [(2, 3, 9, 9)]),
    ("batch_norm train", lambda m, t, d: F(m).batch_norm(t[0], None, None, t[1], t[2], training=True), [(8, 3, 4, 4), (3,), (3,)]),
    ("layer_norm", lambda m, t, d: F(m).layer_norm(t[0], (6,), t[1], t[2]), [(4, 6), (6,), (6,)]),
    ("embedding", lambda m, t, d: F(m).embedding(m.tensor([[0, 2], [3, 3]], device=d), t[0]), [(5, 4)]),
    ("pad reflect", lambda m, t, d: F(m).pad(t[0], (1, 2, 2, 1), mode="reflect"), [(1, 2, 5, 5)]),
    ("cumsum/prod", lambda m, t, d: t[0].cumsum(dim=1) + t[0].prod(dim=1, keepdim=True), [(3, 5)]),
]  # fmt: skip

MODULE_CASES = [
    ("LSTM 2-layer bidir", lambda m: m.nn.LSTM(5, 7, num_layers=2, batch_first=True, bidirectional=True), (3, 4, 5)),
    ("GRU", lambda m: m.nn.GRU(5, 6, batch_first=True), (3, 4, 5)),
    ("LeNet stack", lambda m: m.nn.Sequential(m.nn.Conv2d(1, 6, 5, padding=2), m.nn.Sigmoid(), m.nn.AvgPool2d(2), m.nn.Conv2d(6, 16, 5), m.nn.ReLU(), m.nn.MaxPool2d(2), m.nn.Flatten(), m.nn.Linear(400, 120), m.nn.Tanh(), m.nn.Linear(120, 10)), (4, 1, 28, 28)),
    ("BatchNorm2d+Linear", lambda m: m.nn.Sequential(m.nn.Conv2d(3, 4, 3), m.nn.BatchNorm2d(4), m.nn.Flatten(), m.nn.Linear(4 * 6 * 6, 3)), (5, 3, 8, 8)),
]  # fmt: skip

OPTIM_CASES = [
    ("SGD nesterov wd", lambda m, p: m.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3)),
    ("Adam amsgrad", lambda m, p: m.optim.Adam(p, lr=0.01, amsgrad=True)),
    ("AdamW", lambda m, p: m.optim.AdamW(p, lr=0.01)),
    ("RMSprop centered mom", lambda m, p: m.optim.RMSprop(p, lr=0.01, centered=True, momentum=0.5)),
    ("Adagrad", lambda m, p: m.optim.Adagrad(p, lr=0.1)),
    ("Adadelta", lambda m, p: m.optim.Adadelta(p, lr=1.0)),
    ("Adamax", lambda m, p: m.optim.Adamax(p, lr=0.01)),
    ("NAdam", lambda m, p: m.optim.NAdam(p, lr=0.01)),
    ("RAdam", lambda m, p: m.optim.RAdam(p, lr=0.01)),
]  # fmt: skip


def host(t: Any) -> np.ndarray:
    """A tensor of either library as a NumPy array (copied off the device explicitly)."""
    return t.detach().cpu().numpy()


def run_case(fn, shapes, ng, dev, ref, ref_dev, atol=1e-6, rtol=1e-5) -> None:
    """Evaluate case ``fn`` with nablagrad on ``dev`` and with library ``ref`` on ``ref_dev``;
    compare outputs and the gradients of a weighted sum (so every output element counts)."""
    rng = np.random.default_rng(0)
    arrays = [rng.uniform(-2.0, 2.0, size=s) for s in shapes]
    outs = []
    for m, d in ((ref, ref_dev), (ng, dev)):
        ts = [m.tensor(a, device=d, requires_grad=True) for a in arrays]
        out = fn(m, ts, d)
        w = np.linspace(0.5, 1.5, int(np.prod(out.shape))).reshape(tuple(out.shape))
        (out if out.ndim == 0 else out * m.tensor(w, device=d)).sum().backward()
        outs.append((out, ts))
    (r_out, r_in), (n_out, n_in) = outs
    assert str(n_out.device).startswith(dev), f"output on {n_out.device}, not {dev}"
    np.testing.assert_allclose(host(n_out), host(r_out), atol=atol, rtol=rtol, err_msg="forward")
    for i, (a, b) in enumerate(zip(n_in, r_in)):
        if b.grad is None:
            continue
        assert a.grad is not None, f"grad {i} missing"
        assert str(a.grad.device).startswith(dev), f"grad {i} on {a.grad.device}"
        np.testing.assert_allclose(
            host(a.grad), host(b.grad), atol=atol * 10, rtol=rtol * 10, err_msg=f"grad {i}"
        )


def run_module_case(make, x_shape, ng, dev, ref, ref_dev, atol=1e-6, rtol=1e-5) -> None:
    """A module with the reference's weights (float64) on both sides: output, input and
    parameter gradients."""
    ref.manual_seed(0)
    rm = make(ref).double().to(ref_dev)
    nm = make(ng)
    nm.load_state_dict({k: host(v) for k, v in rm.state_dict().items()})
    nm = nm.to(dev).to(ng.float64)
    x = np.random.default_rng(1).uniform(-1, 1, size=x_shape)
    rx = ref.tensor(x, device=ref_dev, requires_grad=True)
    nx = ng.tensor(x, device=dev, requires_grad=True)
    ro, no = rm(rx), nm(nx)
    if isinstance(ro, tuple):
        ro, no = ro[0], no[0]
    ro.sum().backward()
    no.sum().backward()
    assert str(no.device).startswith(dev)
    np.testing.assert_allclose(host(no), host(ro), atol=atol, rtol=rtol)
    np.testing.assert_allclose(host(nx.grad), host(rx.grad), atol=atol, rtol=rtol)
    rp = dict(rm.named_parameters())
    for k, p in nm.named_parameters():
        assert str(p.grad.device).startswith(dev), k
        np.testing.assert_allclose(host(p.grad), host(rp[k].grad), atol=atol, rtol=rtol, err_msg=k)


def run_optim_case(make, ng, dev, ref, ref_dev, steps=30) -> None:
    """30 steps of an optimizer on a (50, 20) parameter in both libraries."""
    w0 = np.random.default_rng(2).uniform(-1, 1, size=(50, 20))
    A = np.random.default_rng(3).uniform(-1, 1, size=(20, 20))
    out = []
    for m, d in ((ref, ref_dev), (ng, dev)):
        w = m.tensor(w0, device=d, requires_grad=True)
        Am = m.tensor(A, device=d)
        opt = make(m, [w])
        for _ in range(steps):
            opt.zero_grad()
            loss = ((w @ Am).tanh() ** 2).sum() + w.abs().sum() * 0.01
            loss.backward()
            opt.step()
        assert str(w.device).startswith(d)
        out.append(host(w))
    np.testing.assert_allclose(out[1], out[0], atol=1e-9, rtol=1e-7)
