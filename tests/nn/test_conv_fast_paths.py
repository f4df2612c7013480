"""The speed paths of conv2d and pooling against torch, each path forced: Winograd F(2x2, 3x3),
FFT and im2col for the same layers, batch shards on the thread pool, non-overlapping pooling by
reshapes, and the fused training-mode batch norm (values, gradients, double backward)."""

import numpy as np
import pytest
import torch
from nnhelpers import compare_module

import nablagrad as ng
from nablagrad import backend, nn
from nablagrad.ops import conv as conv_ops
from nablagrad.ops.conv import choose_path, conv_path

WINO_CASES = [
    dict(cin=4, cout=5, padding=1, hw=(8, 8), bias=True),
    dict(cin=3, cout=2, padding=0, hw=(7, 9), bias=False),  # odd output: padded tiles
    dict(cin=2, cout=3, padding=2, hw=(5, 6), bias=True),
    dict(cin=5, cout=4, padding=(1, 0), hw=(3, 3), bias=True),  # 3x1 output
]


@pytest.mark.parametrize("path", ["winograd", "winograd6", "fft", "im2col"])
@pytest.mark.parametrize("case", WINO_CASES)
@pytest.mark.parametrize("double", [False, True])
def test_3x3_paths_match_torch(path, case, double):
    shape = (3, case["cin"]) + case["hw"]
    torch.manual_seed(11)
    kw = dict(padding=case["padding"], bias=case["bias"])
    ng_m = nn.Conv2d(case["cin"], case["cout"], 3, **kw)
    t_m = torch.nn.Conv2d(case["cin"], case["cout"], 3, **kw)
    pad = case["padding"] if isinstance(case["padding"], tuple) else (case["padding"],) * 2
    prm = ((1, 1), tuple((p, p) for p in pad), (1, 1), 1)
    with conv_path(path):
        assert choose_path(np, shape, (case["cout"], case["cin"], 3, 3), prm, np.float32) == path
        if double:
            ng_m, t_m = ng_m.double(), t_m.double()
            x = np.random.default_rng(5).standard_normal(shape)
            compare_module(ng_m, t_m, shape, x=x, atol=1e-11, rtol=1e-11)
        else:
            compare_module(ng_m, t_m, shape, atol=1e-4, rtol=1e-4)


def test_winograd_double_backward_matches_torch():
    """create_graph through a layer whose forward ran Winograd."""
    rng = np.random.default_rng(6)
    xa, wa = rng.standard_normal((2, 4, 6, 7)), rng.standard_normal((3, 4, 3, 3))
    x, w = ng.tensor(xa, requires_grad=True), ng.tensor(wa, requires_grad=True)
    xt, wt = torch.from_numpy(xa).requires_grad_(), torch.from_numpy(wa).requires_grad_()
    with conv_path("winograd"):
        (gx,) = ng.autograd.grad(
            nn.functional.conv2d(x, w, padding=1).tanh().sum(), x, create_graph=True
        )
    (gxt,) = torch.autograd.grad(
        torch.nn.functional.conv2d(xt, wt, padding=1).tanh().sum(), xt, create_graph=True
    )
    (gx * gx).sum().backward()
    (gxt * gxt).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), wt.grad.numpy(), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-9)


# the row-shift path needs the BLAS ?gemm that NumPy's wheels bundle (else it never applies)
NEEDS_GEMM = pytest.mark.skipif(not backend.gemm_available(), reason="no BLAS ?gemm bound")


def _skip_without_gemm(path: str) -> None:
    if path == "rowshift" and not backend.gemm_available():
        pytest.skip("no BLAS ?gemm bound: the row-shift path does not apply")


ROWSHIFT_CASES = [
    dict(cin=6, cout=4, padding=0, hw=(9, 8), k=5, bias=True),  # LeNet's second conv, small
    dict(cin=2, cout=3, padding=2, hw=(7, 7), k=5, bias=False),
    dict(cin=3, cout=2, padding=(1, 2), hw=(5, 6), k=5, bias=True),  # asymmetric, 3x6 output
    dict(cin=1, cout=2, padding=1, hw=(6, 5), k=3, bias=True),
    dict(cin=2, cout=2, padding=0, hw=(5, 5), k=5, bias=True),  # 1x1 output
]


@pytest.mark.parametrize("path", ["rowshift", "winograd6", "fft", "im2col"])
@pytest.mark.parametrize("case", ROWSHIFT_CASES)
@pytest.mark.parametrize("double", [False, True])
def test_5x5_paths_match_torch(path, case, double):
    """The row-shift path (and the others, forced) against torch: output, input, weight and
    bias gradients, float32 and float64."""
    _skip_without_gemm(path)
    shape = (3, case["cin"]) + case["hw"]
    torch.manual_seed(12)
    k = case["k"]
    kw = dict(padding=case["padding"], bias=case["bias"])
    ng_m = nn.Conv2d(case["cin"], case["cout"], k, **kw)
    t_m = torch.nn.Conv2d(case["cin"], case["cout"], k, **kw)
    pad = case["padding"] if isinstance(case["padding"], tuple) else (case["padding"],) * 2
    prm = ((1, 1), tuple((p, p) for p in pad), (1, 1), 1)
    with conv_path(path):
        assert choose_path(np, shape, (case["cout"], case["cin"], k, k), prm, np.float32) == path
        if double:
            ng_m, t_m = ng_m.double(), t_m.double()
            x = np.random.default_rng(7).standard_normal(shape)
            compare_module(ng_m, t_m, shape, x=x, atol=1e-11, rtol=1e-11)
        else:
            compare_module(ng_m, t_m, shape, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize(
    "path,k", [("rowshift", 5), ("winograd6", 5), ("winograd6", 3), ("direct", 5)]
)
def test_rowshift_winograd6_double_backward_matches_torch(path, k):
    """create_graph through a layer whose forward ran the row-shift, 6x6-tile Winograd or
    compiled direct path."""
    _skip_without_gemm(path)
    if path == "direct" and not backend.jit_available():
        pytest.skip("Numba is not installed: the direct path does not apply")
    rng = np.random.default_rng(8)
    xa, wa = rng.standard_normal((2, 3, 9, 8)), rng.standard_normal((4, 3, k, k))
    x, w = ng.tensor(xa, requires_grad=True), ng.tensor(wa, requires_grad=True)
    xt, wt = torch.from_numpy(xa).requires_grad_(), torch.from_numpy(wa).requires_grad_()
    with conv_path(path):
        (gx,) = ng.autograd.grad(
            nn.functional.conv2d(x, w, padding=1).tanh().sum(), x, create_graph=True
        )
    (gxt,) = torch.autograd.grad(
        torch.nn.functional.conv2d(xt, wt, padding=1).tanh().sum(), xt, create_graph=True
    )
    np.testing.assert_allclose(gx.detach().numpy(), gxt.detach().numpy(), rtol=1e-9, atol=1e-9)
    (gx * gx).sum().backward()
    (gxt * gxt).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), wt.grad.numpy(), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-9)


@NEEDS_GEMM
def test_rowshift_choice():
    valid = ((1, 1), ((0, 0), (0, 0)), (1, 1), 1)
    same = ((1, 1), ((2, 2), (2, 2)), (1, 1), 1)
    # LeNet's 6->16 5x5: row shift without Numba (with it: the compiled direct path); its
    # 1-channel first layer and 3x3 kernels: not
    lenet2 = choose_path(np, (64, 6, 14, 14), (16, 6, 5, 5), valid, np.float32)
    assert lenet2 == ("direct" if backend.jit_available() else "rowshift")
    old = backend.set_jit_enabled(False)
    try:
        assert choose_path(np, (64, 6, 14, 14), (16, 6, 5, 5), valid, np.float32) == "rowshift"
    finally:
        backend.set_jit_enabled(old)
    assert choose_path(np, (64, 1, 28, 28), (6, 1, 5, 5), same, np.float32) != "rowshift"
    same3 = ((1, 1), ((1, 1), (1, 1)), (1, 1), 1)
    assert choose_path(np, (64, 8, 16, 16), (8, 8, 3, 3), same3, np.float32) != "rowshift"
    with conv_path("rowshift"):  # forced, but strided, grouped or integer: does not apply
        strided = ((2, 2),) + valid[1:]
        assert choose_path(np, (2, 6, 9, 9), (4, 6, 5, 5), strided, np.float32) == "im2col"
        grouped = valid[:3] + (2,)
        assert choose_path(np, (2, 6, 9, 9), (4, 3, 5, 5), grouped, np.float32) == "im2col"
        assert choose_path(np, (2, 6, 9, 9), (4, 6, 5, 5), valid, np.int64) == "im2col"


def test_path_choice_and_forcing():
    same3 = ((1, 1), ((1, 1), (1, 1)), (1, 1), 1)
    # 3x3 on many channels: Winograd; on 3 input channels: im2col (memory-bound)
    assert choose_path(np, (64, 64, 16, 16), (128, 64, 3, 3), same3, np.float32) == "winograd6"
    assert choose_path(np, (64, 3, 32, 32), (64, 3, 3, 3), same3, np.float32) == "im2col"
    strided = ((2, 2),) + same3[1:]
    with conv_path("winograd"):  # forced, but strided: Winograd does not apply
        assert choose_path(np, (2, 64, 8, 8), (8, 64, 3, 3), strided, np.float32) == "im2col"
        assert choose_path(np, (2, 64, 8, 8), (8, 64, 5, 5), same3, np.float32) == "im2col"
    with conv_path("fft"):
        assert choose_path(np, (2, 1, 8, 8), (2, 1, 3, 3), same3, np.float32) == "fft"
    with pytest.raises(ValueError, match="unknown path"):
        with conv_path("bogus"):
            pass
    assert conv_ops._forced is None


@pytest.mark.parametrize("path", ["winograd", "fft", "im2col", "rowshift", "winograd6"])
@pytest.mark.parametrize("groups", [1, 2])
def test_batch_shards_match_unsharded(monkeypatch, path, groups, num_threads):
    """A convolution split over the batch between threads gives torch's values and gradients
    (every shard boundary, uneven shards, weight gradients summed over shards)."""
    _skip_without_gemm(path)
    monkeypatch.setattr(conv_ops, "SHARD_MIN_MACS", 0)
    num_threads(3)
    assert (
        len(
            conv_ops._shard_ranges(
                np,
                (7, 4, 8, 8),
                (4, 4 // groups, 3, 3),
                ((1, 1), ((1, 1), (1, 1)), (1, 1), groups),
            )
        )
        == 3
    )
    torch.manual_seed(3)
    with conv_path(path):
        compare_module(
            nn.Conv2d(4, 6, 3, padding=1, groups=groups),
            torch.nn.Conv2d(4, 6, 3, padding=1, groups=groups),
            (7, 4, 8, 8),
            atol=1e-4,
            rtol=1e-4,
        )


@pytest.mark.parametrize(
    "shape, wshape, padding, path",
    [
        ((64, 24, 14, 14), (16, 24, 5, 5), 2, "fft"),
        ((64, 64, 16, 16), (128, 64, 3, 3), 1, "winograd6"),
        ((64, 1, 28, 28), (6, 1, 5, 5), 2, "direct" if backend.jit_available() else "im2col"),
    ],
)
def test_every_path_is_split_over_the_batch(shape, wshape, padding, path, num_threads):
    """On 2 threads a large enough convolution is split in two whatever its path (each shard
    with a one-thread BLAS); with a single image it is not."""
    num_threads(2)
    prm = ((1, 1), ((padding, padding), (padding, padding)), (1, 1), 1)
    assert choose_path(np, shape, wshape, prm, np.float32) == path
    assert conv_ops._shard_ranges(np, shape, wshape, prm) == [(0, 32), (32, 64)]
    assert conv_ops._shard_ranges(np, (1,) + shape[1:], wshape, prm) == [(0, 1)]


def test_no_shards_for_small_work_or_one_thread(num_threads):
    prm = ((1, 1), ((1, 1), (1, 1)), (1, 1), 1)
    assert conv_ops._shard_ranges(np, (2, 1, 4, 4), (1, 1, 3, 3), prm) == [(0, 2)]
    num_threads(1)
    assert conv_ops._shard_ranges(np, (64, 64, 32, 32), (64, 64, 3, 3), prm) == [(0, 64)]


@pytest.mark.parametrize(
    "kw,shape",
    [
        (dict(kernel_size=2), (2, 3, 8, 8)),  # exact tiling
        (dict(kernel_size=3), (2, 2, 10, 11)),  # remainder rows and columns dropped
        (dict(kernel_size=(2, 3)), (1, 2, 7, 9)),
    ],
)
@pytest.mark.parametrize("pool", ["max", "avg"])
def test_block_pooling_matches_torch(kw, shape, pool):
    k = kw["kernel_size"]
    k = (k, k) if isinstance(k, int) else k
    assert conv_ops._blocks_ok(np.empty(shape), k, k, (0, 0), (1, 1))
    ng_cls, t_cls = (
        (nn.MaxPool2d, torch.nn.MaxPool2d) if pool == "max" else (nn.AvgPool2d, torch.nn.AvgPool2d)
    )
    compare_module(ng_cls(**kw), t_cls(**kw), shape)


def test_block_maxpool_ties_go_to_first_and_double_backward():
    """Windows of equal values (ReLU zeros) give the gradient to the first position, as torch;
    the scatter's adjoint (gather) serves second derivatives."""
    x = np.zeros((1, 1, 6, 6))
    x[0, 0, 0, 1] = x[0, 0, 1, 0] = 2.0  # a tie inside the first 3x3 window
    x[0, 0, 4, 4] = -1.0
    xn = ng.tensor(x, requires_grad=True)
    xt = torch.from_numpy(x).requires_grad_()
    yn, yt = nn.functional.max_pool2d(xn, 3), torch.nn.functional.max_pool2d(xt, 3)
    (gn,) = ng.autograd.grad((yn * yn).sum(), xn, create_graph=True)
    (gt,) = torch.autograd.grad((yt * yt).sum(), xt, create_graph=True)
    np.testing.assert_array_equal(gn.detach().numpy(), gt.detach().numpy())
    (gn * ng.tensor(np.arange(36.0).reshape(1, 1, 6, 6))).sum().backward()
    (gt * torch.arange(36.0, dtype=torch.float64).reshape(1, 1, 6, 6)).sum().backward()
    np.testing.assert_allclose(xn.grad.numpy(), xt.grad.numpy())


@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5), (4, 3, 5, 6)])
@pytest.mark.parametrize("affine", [True, False])
def test_fused_batchnorm_matches_torch(shape, affine):
    cls = {
        2: (nn.BatchNorm1d, torch.nn.BatchNorm1d),
        3: (nn.BatchNorm1d, torch.nn.BatchNorm1d),
        4: (nn.BatchNorm2d, torch.nn.BatchNorm2d),
    }[len(shape)]
    torch.manual_seed(2)
    ng_m, t_m = cls[0](3, affine=affine), cls[1](3, affine=affine)
    if affine:
        with torch.no_grad():
            t_m.weight.uniform_(0.5, 1.5)
            t_m.bias.uniform_(-0.5, 0.5)
    compare_module(ng_m, t_m, shape, atol=1e-4, rtol=1e-4)
    np.testing.assert_allclose(ng_m.running_mean.numpy(), t_m.running_mean.numpy(), atol=1e-6)
    np.testing.assert_allclose(ng_m.running_var.numpy(), t_m.running_var.numpy(), atol=1e-6)


def test_fused_batchnorm_double_backward():
    rng = np.random.default_rng(1)
    x = ng.tensor(rng.standard_normal((4, 2, 3, 3)), requires_grad=True)
    w = ng.tensor(rng.uniform(0.5, 1.5, 2), requires_grad=True)
    b = ng.tensor(rng.standard_normal(2), requires_grad=True)

    def fn(x, w, b):
        return nn.functional.batch_norm(x, None, None, w, b, training=True).tanh()

    assert ng.autograd.gradcheck(fn, (x, w, b))
    assert ng.autograd.gradgradcheck(fn, (x, w, b))


def test_winograd6_needs_enough_output_tiles():
    """Winograd transforms the whole weight on every call: on a few output tiles (ResNet's last
    stages on small images) im2col is chosen, not Winograd and not FFT."""
    same3 = ((1, 1), ((1, 1), (1, 1)), (1, 1), 1)
    for x_shape in [(2, 512, 1, 1), (8, 512, 2, 2), (4, 256, 8, 8), (1, 64, 14, 14)]:
        w_shape = (x_shape[1], x_shape[1], 3, 3)
        assert choose_path(np, x_shape, w_shape, same3, np.float32) == "im2col", x_shape
    for x_shape in [(8, 256, 8, 8), (12, 64, 8, 8), (2, 64, 32, 32), (128, 128, 16, 16)]:  # 32+
        w_shape = (x_shape[1], x_shape[1], 3, 3)
        assert choose_path(np, x_shape, w_shape, same3, np.float32) == "winograd6", x_shape
    assert (
        conv_ops._winograd6_tiles((3, 8, 9, 6), ((1, 1), ((1, 1), (0, 0)), (1, 1), 1)) == 3 * 3 * 1
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.nn.BatchNorm2d(4),
        lambda lib: lib.nn.MaxPool2d(2),
        lambda lib: lib.nn.AvgPool2d(2),
        lambda lib: lib.nn.ReLU(),
        lambda lib: lib.nn.Sigmoid(),
        lambda lib: lib.nn.Tanh(),
    ],
    ids=["batchnorm", "maxpool", "avgpool", "relu", "sigmoid", "tanh"],
)
def test_batch_split_passes_match_torch(monkeypatch, make, num_threads):
    """Batch norm, block pooling, ReLU, sigmoid and tanh split their passes over the batch
    between threads (uneven shards, partial per-channel sums added up): torch's values and
    gradients.  The input is large enough (21,504 elements) for the activations' pooled,
    split formulas rather than their small-array ones."""
    from nablagrad import parallel

    monkeypatch.setattr(parallel.batch_ranges, "__defaults__", (0, 0.0))  # split even tiny work
    num_threads(3)
    assert len(parallel.batch_ranges(np, 7, 10)) == 3
    torch.manual_seed(5)
    compare_module(make(ng), make(torch), (7, 4, 24, 32), atol=1e-5, rtol=1e-5)
