"""The compiled direct convolution path (``ops/conv_direct.py``) against torch: values, input,
weight and bias gradients in float32 and float64, batch shards, where it is chosen and where
it does not apply (double backward: ``test_conv_fast_paths``).  Without Numba the path never
applies (tested too)."""

import os

import numpy as np
import pytest
import torch
from nnhelpers import compare_module

import nablagrad as ng
from nablagrad import backend, nn
from nablagrad.ops import conv as conv_ops
from nablagrad.ops.conv import choose_path, conv_path

# torch warns that it copies the input for padding="same" with an even kernel height (case 3)
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")

NEEDS_JIT = pytest.mark.skipif(
    not backend.jit_available(), reason="Numba is not installed: the direct path never applies"
)


@pytest.fixture
def pool_threads(monkeypatch):
    """Work split over nablagrad's own pool (batch shards, rows of a chunk) as where Numba has
    no OpenMP layer: ``parallel.compiled_threads`` pinned to 1."""
    from nablagrad import parallel

    monkeypatch.setattr(parallel, "compiled_threads", lambda: 1)


def _prm(pad: int) -> tuple:
    """(stride, padding, dilation, groups) of a stride-1 convolution padded ``pad`` all round."""
    return ((1, 1), ((pad, pad), (pad, pad)), (1, 1), 1)


CASES = [
    dict(cin=1, cout=6, kernel=5, padding=2, hw=(12, 10), bias=True),  # LeNet's first layer
    dict(cin=3, cout=5, kernel=5, padding=0, hw=(9, 8), bias=False),  # odd channel count
    dict(cin=2, cout=1, kernel=(3, 5), padding=(1, 2), hw=(5, 7), bias=True),  # 3x5 kernel
    dict(cin=1, cout=2, kernel=(4, 5), padding="same", hw=(4, 6), bias=True),  # pads 1 over 2
    dict(cin=4, cout=3, kernel=5, padding=0, hw=(5, 5), bias=True),  # 1x1 output, 4 channels
    dict(cin=6, cout=9, kernel=5, padding=1, hw=(7, 9), bias=True),  # blocks of 4 and leftovers
    # padding wider than the kernel: rows and images are further apart than the shared padding
    dict(cin=2, cout=3, kernel=5, padding=6, hw=(3, 4), bias=True),
    dict(cin=2, cout=4, kernel=5, padding=(0, 3), hw=(6, 5), bias=False),  # padded columns only
    dict(cin=20, cout=5, kernel=5, padding=2, hw=(6, 7), bias=True),  # 20 channels, "same"
]


def _modules(case: dict) -> tuple:
    torch.manual_seed(21)
    kw = dict(padding=case["padding"], bias=case["bias"])
    t_m = torch.nn.Conv2d(case["cin"], case["cout"], case["kernel"], **kw)
    return nn.Conv2d(case["cin"], case["cout"], case["kernel"], **kw), t_m


@NEEDS_JIT
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("double", [False, True])
@pytest.mark.parametrize("layout", [0, 32, 64], ids=["flat", "chunks32", "chunks64"])
@pytest.mark.parametrize("wide", [True, False], ids=["wide", "pairs"])
def test_direct_path_matches_torch(case, double, layout, wide, monkeypatch):
    """Every layout (``conv_direct._chunk_size`` chooses by shape) on every case, with the
    kernels' blocks for 32 vector registers and for 16 (``_conv_direct_jit.wide_blocks``)."""
    from nablagrad.ops import _conv_direct_jit, conv_direct

    monkeypatch.setattr(conv_direct, "_chunk_size", lambda *a: layout)
    monkeypatch.setattr(_conv_direct_jit, "wide_blocks", lambda: wide)
    shape = (3, case["cin"]) + case["hw"]
    ng_m, t_m = _modules(case)
    with conv_path("direct"):
        if double:
            ng_m, t_m = ng_m.double(), t_m.double()
            x = np.random.default_rng(22).standard_normal(shape)
            compare_module(ng_m, t_m, shape, x=x, atol=1e-11, rtol=1e-11)
        else:
            compare_module(ng_m, t_m, shape, atol=1e-4, rtol=1e-4)


@NEEDS_JIT
@pytest.mark.parametrize("wide", [True, False], ids=["wide", "pairs"])
@pytest.mark.parametrize("layout", [0, 64], ids=["flat", "chunks64"])
def test_kernel_blocks_follow_the_vector_registers(wide, layout, monkeypatch):
    """With 32 vector registers (``wide_blocks``) the correlations take four output channels
    per pass and the weight gradients three (chunks) or four (flat run); with 16 every pass
    takes a pair: the kernels that ran, counted, and the layer against torch."""
    from nablagrad.ops import _conv_direct_jit as k
    from nablagrad.ops import conv_direct

    monkeypatch.setattr(conv_direct, "_chunk_size", lambda *a: layout)
    monkeypatch.setattr(k, "wide_blocks", lambda: wide)
    ran: list = []

    def counted(name, fn):
        return lambda *a: ran.append(name) or fn(*a)

    for parallel in (False, True):  # one thread, and Numba's threads (splits_compiled)
        flat = k._flat_set(parallel)
        for name in ("forward_fours", "forward_rest", "weight_grad_fours", "weight_grad_pairs"):
            monkeypatch.setitem(flat, name, counted(name, flat[name]))
        chunked = k._chunk_set(64, parallel)
        for name in ("corr4", "corr_few", "weight_grad3", "weight_grad2"):
            monkeypatch.setitem(chunked, name, counted(name, chunked[name]))
    case = dict(cin=3, cout=6, kernel=5, padding=1, hw=(7, 9), bias=True)
    ng_m, t_m = _modules(case)
    with conv_path("direct"):
        compare_module(ng_m, t_m, (64, 3, 7, 9), atol=1e-4, rtol=1e-4)
    if layout == 0:
        wide_kernels, pair_kernels = {"forward_fours", "weight_grad_fours"}, {"weight_grad_pairs"}
        assert "forward_rest" in ran  # the two channels past the first four, or all six
    else:
        wide_kernels, pair_kernels = {"corr4", "weight_grad3"}, {"corr_few", "weight_grad2"}
    assert wide_kernels <= set(ran) if wide else not wide_kernels & set(ran)
    if not wide:
        assert pair_kernels <= set(ran)


@NEEDS_JIT
@pytest.mark.parametrize("batch,chunk", [(32, 32), (45, 0), (60, 64), (64, 64), (90, 32)])
def test_chunked_layout_batches(batch, chunk):
    """LeNet-5's second layer (valid: chunks by shape) on whole chunks (32, 64), a last chunk
    filled with empty images (60 in one of 64, 90 in three of 32), and a batch left to the flat
    run (45: 64 images would add over a quarter)."""
    from nablagrad.ops import conv_direct

    torch.manual_seed(27)
    t_m = torch.nn.Conv2d(6, 16, 5)
    ng_m = nn.Conv2d(6, 16, 5)
    assert conv_direct._chunk_size((batch, 6, 14, 14), (16, 6, 5, 5), ((0, 0), (0, 0))) == chunk
    with conv_path("direct"):  # weight gradients: sums of 4,500+ float32 products up to ~16
        compare_module(ng_m, t_m, (batch, 6, 14, 14), atol=1e-3, rtol=1e-4)


@NEEDS_JIT
def test_chunk_size_choice():
    """Chunks where the flat run wastes 1.5x or more (64 or 32 images) or, for chunks of 64,
    on small "same"-padded planes; never when the last chunk would be mostly empty or a
    chunk's output row is long."""
    from nablagrad.ops.conv_direct import _chunk_size

    valid, same = ((0, 0), (0, 0)), ((2, 2), (2, 2))
    assert _chunk_size((64, 6, 14, 14), (16, 6, 5, 5), valid) == 64  # 196 positions per 100
    assert _chunk_size((32, 6, 14, 14), (16, 6, 5, 5), valid) == 32
    assert _chunk_size((40, 6, 14, 14), (16, 6, 5, 5), valid) == 0  # 64 > 1.25 * 40
    assert _chunk_size((8, 6, 14, 14), (16, 6, 5, 5), valid) == 0
    assert _chunk_size((64, 16, 14, 14), (16, 16, 5, 5), same) == 64  # 256 per 196, short rows
    assert _chunk_size((32, 16, 14, 14), (16, 16, 5, 5), same) == 0  # only 64s beat the flat run
    assert _chunk_size((64, 1, 28, 28), (6, 1, 5, 5), same) == 0  # rows of 28 x 64: too long
    assert _chunk_size((64, 3, 16, 16), (8, 3, 5, 5), same) == 0


@pytest.mark.usefixtures("pool_threads")
@NEEDS_JIT
@pytest.mark.parametrize(
    "cin,cout,threads,padding,input_grad",
    [
        (8, 8, 2, 2, True),
        (9, 11, 2, 2, True),
        (13, 17, 3, 2, True),
        (16, 16, 2, 2, True),
        (1, 6, 2, 2, False),  # LeNet-5's first layer: no input gradient
        (6, 16, 3, 2, True),
        (6, 16, 2, 0, True),  # LeNet-5's second layer (valid)
        (6, 16, 3, 0, False),
    ],
)
def test_split_within_a_chunk_matches_torch(
    cin, cout, threads, padding, input_grad, monkeypatch, num_threads
):
    """A batch of 64 on 2-3 threads: the chunks of 64 stay whole and the threads split the
    output rows, each with its own copies of the input rows and of the rows of g it reads
    (forward, input gradient, and the weight gradient, summed over the threads' shares)."""
    from nablagrad.ops import conv_direct
    from nablagrad.ops.conv_direct import splits_within

    monkeypatch.setattr(conv_ops, "SHARD_MIN_MACS", 0)
    num_threads(threads)
    hw = (12, 10) if padding == 0 else (10, 10)
    assert splits_within((64, cin) + hw, (cout, cin, 5, 5), _prm(padding)[1], threads)
    calls = []
    weight_grad = conv_direct.kernels.chunk_weight_grad
    monkeypatch.setattr(
        conv_direct.kernels,
        "chunk_weight_grad",
        lambda *a, **k: calls.append(k.get("g_rows")) or weight_grad(*a, **k),
    )
    torch.manual_seed(28)
    with conv_path("direct"):
        compare_module(
            nn.Conv2d(cin, cout, 5, padding=padding),
            torch.nn.Conv2d(cin, cout, 5, padding=padding),
            (64, cin) + hw,
            atol=1e-3,
            rtol=1e-4,
            input_grad=input_grad,
        )
    if not conv_direct.wino_fits((cout, cin, 5, 5), 2 * padding):
        # the direct kernels' weight gradient went by the threads' rows (a call per share)
        assert len(calls) >= threads and all(rows is not None for rows in calls)


@pytest.mark.usefixtures("pool_threads")
@NEEDS_JIT
@pytest.mark.parametrize("frozen", ["weight", "input"])
def test_split_within_one_gradient_only(frozen, monkeypatch, num_threads):
    """Split within the batch on 2 threads with only the input gradient (frozen weights) or
    only the weight gradient wanted: the other is not computed, the wanted one matches torch."""
    monkeypatch.setattr(conv_ops, "SHARD_MIN_MACS", 0)
    num_threads(2)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((64, 6, 12, 12)).astype(np.float32)
    w = (rng.standard_normal((16, 6, 5, 5)) * 0.2).astype(np.float32)
    g = rng.standard_normal((64, 16, 8, 8)).astype(np.float32)
    xt = torch.tensor(x, requires_grad=frozen == "weight")
    wt = torch.tensor(w, requires_grad=frozen == "input")
    xn = ng.tensor(x, requires_grad=frozen == "weight")
    wn = ng.tensor(w, requires_grad=frozen == "input")
    with conv_path("direct"):
        out = ng.nn.functional.conv2d(xn, wn)
        out.backward(ng.tensor(g))
    torch.nn.functional.conv2d(xt, wt).backward(torch.tensor(g))
    for t_, n_ in ((xt, xn), (wt, wn)):
        if t_.requires_grad:
            np.testing.assert_allclose(n_.grad.numpy(), t_.grad.numpy(), rtol=1e-4, atol=1e-3)
        else:
            assert n_.grad is None


def test_channel_parts_cover_the_channels_in_kernel_blocks():
    from nablagrad.ops.conv_direct import _channel_parts

    for count in range(1, 40):
        for step in (3, 4):
            for parts in (1, 2, 3):
                ranges = _channel_parts(count, step, parts)
                assert ranges[0][0] == 0 and ranges[-1][1] == count
                assert all(a < b for a, b in ranges) and len(ranges) <= parts
                assert all(b == c for (_, b), (c, _) in zip(ranges, ranges[1:]))
                assert all(b % step == 0 for _, b in ranges[:-1])
    assert _channel_parts(16, 3, 2) == [(0, 9), (9, 16)]


@NEEDS_JIT
def test_direct_path_is_the_one_that_ran(monkeypatch):
    """The forced path really is the direct kernels (not a silent fallback)."""
    calls = []
    real = conv_ops.direct_forward
    monkeypatch.setattr(conv_ops, "direct_forward", lambda *a: calls.append(1) or real(*a))
    with conv_path("direct"):
        nn.Conv2d(1, 2, 5)(ng.randn(2, 1, 6, 6))
    assert calls == [1]


@NEEDS_JIT
def test_direct_path_without_input_gradient_and_weight_only():
    """LeNet's first layer: the input needs no gradient; only dW and db are computed."""
    torch.manual_seed(23)
    t_m = torch.nn.Conv2d(1, 6, 5, padding=2)
    ng_m = nn.Conv2d(1, 6, 5, padding=2)
    with conv_path("direct"):
        compare_module(ng_m, t_m, (4, 1, 8, 8), atol=1e-4, rtol=1e-4, input_grad=False)


@pytest.mark.usefixtures("pool_threads")
@NEEDS_JIT
def test_direct_path_batch_shards(monkeypatch, num_threads):
    """Split over the batch between 3 threads (uneven shards, weight gradients summed)."""
    monkeypatch.setattr(conv_ops, "SHARD_MIN_MACS", 0)
    num_threads(3)
    assert len(conv_ops._shard_ranges(np, (7, 2, 8, 8), (3, 2, 5, 5), _prm(2))) == 3
    torch.manual_seed(24)
    with conv_path("direct"):
        compare_module(
            nn.Conv2d(2, 3, 5, padding=2),
            torch.nn.Conv2d(2, 3, 5, padding=2),
            (7, 2, 8, 8),
            atol=1e-4,
            rtol=1e-4,
        )


@NEEDS_JIT
def test_direct_choice():
    same = _prm(2)
    valid = _prm(0)
    # up to 16 input channels with 5-wide kernels: direct; many more channels, 3x3: not
    assert choose_path(np, (64, 1, 28, 28), (6, 1, 5, 5), same, np.float32) == "direct"
    assert choose_path(np, (8, 3, 32, 32), (6, 3, 5, 5), valid, np.float64) == "direct"
    assert choose_path(np, (2, 3, 5, 5), (6, 3, 5, 5), valid, np.float32) == "direct"
    assert choose_path(np, (64, 6, 14, 14), (16, 6, 5, 5), valid, np.float32) == "direct"
    assert choose_path(np, (64, 16, 14, 14), (16, 16, 5, 5), same, np.float32) == "direct"
    # 17-20 channels only when the padding keeps the size ("same")
    assert choose_path(np, (64, 20, 14, 14), (32, 20, 5, 5), same, np.float32) == "direct"
    assert choose_path(np, (64, 20, 14, 14), (32, 20, 5, 5), valid, np.float32) != "direct"
    assert choose_path(np, (64, 24, 14, 14), (32, 24, 5, 5), same, np.float32) != "direct"
    assert choose_path(np, (64, 3, 32, 32), (64, 3, 3, 3), _prm(1), np.float32) != ("direct")
    with conv_path("direct"):  # forced, but strided, dilated, grouped, 3 wide or integer: no
        strided = ((2, 2),) + valid[1:]
        assert choose_path(np, (2, 2, 9, 9), (4, 2, 5, 5), strided, np.float32) == "im2col"
        dilated = valid[:2] + ((2, 2), 1)
        assert choose_path(np, (2, 2, 9, 9), (4, 2, 5, 5), dilated, np.float32) == "im2col"
        grouped = valid[:3] + (2,)
        assert choose_path(np, (2, 2, 9, 9), (4, 1, 5, 5), grouped, np.float32) == "im2col"
        assert choose_path(np, (2, 2, 9, 9), (4, 2, 5, 3), valid, np.float32) == "im2col"
        assert choose_path(np, (2, 2, 9, 9), (4, 2, 5, 5), valid, np.int64) == "im2col"


def test_no_direct_path_without_compiled_kernels():
    """With the compiled kernels off (or Numba missing) LeNet's first layer takes im2col, and
    gives torch's values."""
    old = backend.set_jit_enabled(False)
    try:
        assert choose_path(np, (64, 1, 28, 28), (6, 1, 5, 5), _prm(2), np.float32) == ("im2col")
        torch.manual_seed(26)
        compare_module(
            nn.Conv2d(1, 6, 5, padding=2),
            torch.nn.Conv2d(1, 6, 5, padding=2),
            (2, 1, 8, 8),
            atol=1e-4,
            rtol=1e-4,
        )
    finally:
        backend.set_jit_enabled(old)


def test_direct_layout_shares_padding_and_staggers_rows():
    """Neighbouring rows and images share their zeros (14-wide planes padded by 2: 16
    positions per row, not 18), every output pixel still has its own position, and the
    accumulator rows start 1 KiB apart modulo 4 KiB (no 4K aliasing between them)."""
    from nablagrad.ops.conv_direct import _pitches, _row_stride

    assert _pitches(14, 14, ((2, 2), (2, 2)), 5) == (16, 16)
    assert _pitches(14, 14, ((0, 0), (0, 0)), 5) == (14, 14)
    assert _pitches(3, 4, ((6, 6), (6, 6)), 5) == (11, 12)  # the output is 11x12
    for run in (16384, 20736, 1000, 1):
        for dtype in (np.dtype(np.float32), np.dtype(np.float64)):
            stride = _row_stride(run, dtype)
            assert run <= stride < run + 4096 and stride * dtype.itemsize % 4096 == 1024


def test_winograd_matrices_give_the_correlation():
    """F(4, 5): WINO_A @ ((WINO_G @ g) * (WINO_B @ d)) is y[j] = sum_q g[q] d[j + q] for the
    four outputs of eight inputs (float64, to rounding); the kernels write WINO_B and WINO_A
    out term by term, so the path's tests against torch check those copies."""
    from nablagrad.ops.conv_direct import WINO_A, WINO_B, WINO_G

    a, b, g_mat = (np.array(m, dtype=np.float64) for m in (WINO_A, WINO_B, WINO_G))
    assert a.shape == (4, 8) and b.shape == (8, 8) and g_mat.shape == (8, 5)
    rng = np.random.default_rng(30)
    for _ in range(20):
        d, g = rng.standard_normal(8), rng.standard_normal(5)
        want = np.array([g @ d[j : j + 5] for j in range(4)])
        np.testing.assert_allclose(a @ ((g_mat @ g) * (b @ d)), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("wide", [True, False], ids=["wide", "pairs"])
def test_winograd_choice(wide, monkeypatch):
    """Winograd F(4, 5) for 5x5 kernels with blocks of four output channels, enough channel
    pairs (192 beside the direct kernels' wide blocks, 64 beside their pairs) and at most
    four padding rows; the direct kernels otherwise."""
    from nablagrad.ops import _conv_direct_jit
    from nablagrad.ops.conv_direct import wino_fits

    monkeypatch.setattr(_conv_direct_jit, "wide_blocks", lambda: wide)
    assert wino_fits((16, 16, 5, 5), 4)  # 16->16 "same": forward and input gradient
    assert wino_fits((16, 12, 5, 5), 0)
    assert not wino_fits((16, 16, 5, 5), 8)  # the input gradient of a valid convolution
    # LeNet-5's 6->16: 96 channel pairs; 8->8: 64
    assert wino_fits((16, 6, 5, 5), 0) is not wide
    assert wino_fits((8, 8, 5, 5), 4) is not wide
    assert not wino_fits((8, 6, 5, 5), 4)  # 48 pairs
    assert not wino_fits((6, 16, 5, 5), 4)  # ... and its input gradient: 6 outputs
    assert not wino_fits((18, 20, 5, 5), 4)  # not a multiple of four
    assert not wino_fits((16, 16, 3, 5), 2)  # 3x5 kernels


# passes: the correlations that go by Winograd (the forward; the input gradient where it
# reads at most four padding rows, 8 - 2 * padding above and below)
WINO_CASES = [
    dict(cin=16, cout=16, padding=2, hw=(14, 14), passes=2),  # 16->16 "same" (bench_conv.py)
    dict(cin=12, cout=16, padding=(2, 1), hw=(9, 13), passes=2),  # 11 columns: a partial tile
    dict(cin=16, cout=12, padding=(1, 3), hw=(7, 6), passes=1),  # 1 above and below, 3 beside
    dict(cin=16, cout=16, padding=0, hw=(11, 10), passes=1),  # valid
    # 20 outputs: products in groups of 16 and 4 channels (kernels.wino_group, rows of 4 tiles)
    dict(cin=12, cout=20, padding=2, hw=(5, 14), passes=2),
]


# (layout, threads, wide blocks, float64): the pairs only in float32 (the blocking does not
# depend on the dtype, and each kernel variant compiles for ~15 s)
WINO_RUNS = [
    (layout, threads, True, double)
    for layout, threads in [(64, 1), (32, 1), (64, 2), (64, 3)]
    for double in (False, True)
] + [(64, 1, False, False), (64, 2, False, False)]


@pytest.mark.usefixtures("pool_threads")
@NEEDS_JIT
@pytest.mark.parametrize("case", WINO_CASES)
@pytest.mark.parametrize("layout,threads,wide,double", WINO_RUNS)
def test_winograd_path_matches_torch(case, double, layout, threads, wide, monkeypatch, num_threads):
    """The chunked convolution by Winograd F(4, 5) (forward, input gradient, weight gradient)
    against torch, on one thread and with the output rows split between two or three (each
    thread with its own copy of the rows it reads), the weight gradient's sums by threes and
    by pairs (``_conv_direct_jit.wide_blocks``); the kernels are counted so the test fails
    if the path did not run."""
    from nablagrad.ops import _conv_direct_jit, conv_direct

    monkeypatch.setattr(conv_direct, "_chunk_size", lambda *a: layout)
    monkeypatch.setattr(_conv_direct_jit, "wide_blocks", lambda: wide)
    monkeypatch.setattr(conv_ops, "SHARD_MIN_MACS", 0)
    monkeypatch.setattr(conv_ops, "splits_within", lambda *a: True)  # the threads split rows
    num_threads(threads)
    calls, weight_calls = [], []
    real, real_w = _conv_direct_jit.wino_pass, _conv_direct_jit.wino_weight
    real_f = _conv_direct_jit.wino_forward
    # the products run inside fused calls, the forward's (with its copy into chunks) and the
    # input gradient's: each records its first output row, rows[0]
    monkeypatch.setattr(_conv_direct_jit, "wino_pass", lambda *a: calls.append(a[8][0]) or real(*a))
    monkeypatch.setattr(
        _conv_direct_jit, "wino_forward", lambda *a: calls.append(a[9][0]) or real_f(*a)
    )
    monkeypatch.setattr(
        _conv_direct_jit, "wino_weight", lambda *a: weight_calls.append(1) or real_w(*a)
    )
    torch.manual_seed(31)
    kw = dict(padding=case["padding"])
    t_m = torch.nn.Conv2d(case["cin"], case["cout"], 5, **kw)
    ng_m = nn.Conv2d(case["cin"], case["cout"], 5, **kw)
    shape = (layout - 3, case["cin"]) + case["hw"]  # the last chunk with 3 empty images
    with conv_path("direct"):
        if double:
            x = np.random.default_rng(32).standard_normal(shape)
            compare_module(ng_m.double(), t_m.double(), shape, x=x, atol=1e-10, rtol=1e-10)
        else:  # weight gradients: sums of ~10,000 float32 products
            compare_module(ng_m, t_m, shape, atol=2e-3, rtol=1e-4)
    passes = case["passes"]
    assert len(calls) == passes * threads  # each thread's rows, from row 0 and further down
    assert calls.count(0) == passes and all(row > 0 for row in calls if row)
    assert len(weight_calls) == threads  # the weight gradient: each thread sums its rows


@pytest.mark.usefixtures("pool_threads")
@NEEDS_JIT
@pytest.mark.parametrize("case", WINO_CASES + [dict(cin=6, cout=16, padding=0, hw=(14, 14))])
@pytest.mark.parametrize("threads", [2, 3])
@pytest.mark.parametrize("input_grad", [True, False])
def test_threads_read_only_rows_they_put_into_chunks(case, threads, input_grad, monkeypatch):
    """Threads that split the rows by Winograd copy the rows they read into chunks of their
    own: run their parts one at a time, the last first, on buffers that start as NaN, and
    every value and gradient still matches torch (a part that read rows another part copies
    would read NaN); with and without the input gradient (then the weight gradient's rows
    alone decide which rows of the output gradient a part copies); 6->16 takes the direct
    kernels (by rows too), whichever blocks this CPU's kernels take (with pairs, Winograd
    would take it: ``wino_fits``)."""
    from nablagrad import parallel
    from nablagrad.ops import conv_direct

    if case["cin"] == 6:
        monkeypatch.setattr(conv_direct, "wino_fits", lambda *a: False)

    def nan_buffer(xp, shape, dtype):
        return xp.full(shape, np.nan, dtype)

    def last_first(ranges, fn):
        return [fn(a, b) for a, b in ranges[::-1]][::-1]

    monkeypatch.setattr(conv_direct, "scratch_empty", nan_buffer)
    monkeypatch.setattr(parallel, "over_ranges", last_first)
    monkeypatch.setattr(conv_direct, "_chunk_size", lambda *a: 64)
    monkeypatch.setattr(conv_ops, "SHARD_MIN_MACS", 0)
    monkeypatch.setattr(conv_ops, "splits_within", lambda *a: True)
    monkeypatch.setattr(parallel, "_num_threads", threads)
    torch.manual_seed(33)
    kw = dict(padding=case["padding"])
    t_m = torch.nn.Conv2d(case["cin"], case["cout"], 5, **kw)
    ng_m = nn.Conv2d(case["cin"], case["cout"], 5, **kw)
    shape = (61, case["cin"]) + case["hw"]
    x = np.random.default_rng(34).standard_normal(shape)
    with conv_path("direct"):
        compare_module(
            ng_m.double(), t_m.double(), shape, x=x, atol=1e-10, rtol=1e-10, input_grad=input_grad
        )


@pytest.mark.usefixtures("pool_threads")
@NEEDS_JIT
@pytest.mark.parametrize("threads", [1, 2])
def test_weight_gradient_reuses_the_forwards_transform(threads, monkeypatch, num_threads):
    """By Winograd the weight gradient reads the input rows the forward transformed (the input
    transform runs once per thread and correlation, not again for the weight gradient), and
    that transform stays the graph's own: two graphs alive at once and a backward run twice
    (retain_graph) give torch's gradients."""
    from nablagrad.ops import _conv_direct_jit

    monkeypatch.setattr(conv_ops, "SHARD_MIN_MACS", 0)
    monkeypatch.setattr(conv_ops, "splits_within", lambda *a: True)
    num_threads(threads)
    transforms = []
    real, real_f = _conv_direct_jit.wino_pass, _conv_direct_jit.wino_forward
    # the input transforms run inside the fused calls: the forward's and the input gradient's
    monkeypatch.setattr(_conv_direct_jit, "wino_pass", lambda *a: transforms.append(1) or real(*a))
    monkeypatch.setattr(
        _conv_direct_jit, "wino_forward", lambda *a: transforms.append(1) or real_f(*a)
    )
    torch.manual_seed(35)
    t_m = torch.nn.Conv2d(16, 16, 5, padding=2).double()
    ng_m = nn.Conv2d(16, 16, 5, padding=2).double()
    ng_m.load_state_dict({k: v.numpy() for k, v in t_m.state_dict().items()})
    rng = np.random.default_rng(36)
    xs = [rng.standard_normal((64, 16, 14, 14)) for _ in range(2)]
    with conv_path("direct"):
        xn = [ng.tensor(x, requires_grad=True) for x in xs]
        ys = [ng_m(x) for x in xn]  # both graphs alive
        assert len(transforms) == threads * 2
        ys[0].sum().backward(retain_graph=True)
        ys[0].sum().backward()  # the same transform read again
        (ys[1] * 2).sum().backward()
    assert len(transforms) == threads * 5  # the input gradients' transforms only
    xt = [torch.tensor(x, requires_grad=True) for x in xs]
    ts = [t_m(x) for x in xt]
    (2 * ts[0].sum() + (ts[1] * 2).sum()).backward()
    for a, b in zip(xn, xt):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-10)
    for name, p in t_m.named_parameters():
        got = dict(ng_m.named_parameters())[name].grad.numpy()
        np.testing.assert_allclose(got, p.grad.numpy(), rtol=1e-10, atol=1e-8, err_msg=name)


@pytest.mark.usefixtures("pool_threads")
def test_slow_handoffs_keep_mid_size_convolutions_whole(num_threads, monkeypatch):
    """Where a pool hand-off is slow (``parallel.handoff_seconds``), a convolution splits over
    the threads only with ``SHARD_MACS_PER_HANDOFF_SECOND`` multiply-adds per second of it:
    at 90 us LeNet-5's 6->16 layer (15M) stays whole and a padded 16->16 14x14 one (80M)
    splits; with free hand-offs (the suite's default) both split."""
    from nablagrad import parallel

    num_threads(2)
    lenet = ((64, 6, 14, 14), (16, 6, 5, 5), _prm(0))
    wide = ((64, 16, 14, 14), (16, 16, 5, 5), _prm(2))
    assert len(conv_ops._shard_ranges(np, *lenet)) == 2
    monkeypatch.setattr(parallel, "_handoff", 90e-6)
    assert conv_ops._shard_ranges(np, *lenet) == [(0, 64)]
    assert len(conv_ops._shard_ranges(np, *wide)) == 2


COMPILED_CASES = [
    dict(cin=1, cout=6, kernel=5, padding=2, hw=(12, 10), bias=True),  # LeNet's first layer
    dict(cin=6, cout=9, kernel=5, padding=1, hw=(7, 9), bias=True),  # blocks of 4 and leftovers
    dict(cin=3, cout=5, kernel=5, padding=0, hw=(9, 8), bias=False),  # odd channel count
    dict(cin=16, cout=16, kernel=5, padding=2, hw=(6, 7), bias=True),  # 3 rows a thread: direct
    dict(cin=16, cout=16, kernel=5, padding=2, hw=(9, 7), bias=True),  # Winograd in chunks
    dict(cin=12, cout=16, kernel=5, padding=2, hw=(11, 9), bias=True),  # parts of 5 and 6 rows
]


@NEEDS_JIT
@pytest.mark.parametrize("case", COMPILED_CASES)
@pytest.mark.parametrize("layout", [0, 64], ids=["flat", "chunks64"])
@pytest.mark.parametrize("wide", [True, False], ids=["wide", "pairs"])
def test_compiled_split_matches_torch_and_one_thread(case, layout, wide, monkeypatch, num_threads):
    """On 2 threads with Numba's parallel kernels (``splits_compiled``: the batch kept whole,
    the kernels' loops split between Numba's threads): the layer against torch, and its
    output and gradients bit for bit those of the one-thread kernels (every element is summed
    in the same order); the parallel kernels are counted, so the test fails if they did not
    run.  Shapes that go by Winograd in chunks (``wino_fits``) split the output rows into one
    part per thread (``kernels.wino_pass_parts``, ``wino_weight_parts``): the output and the
    input gradient bit for bit the one thread's too, the weight gradient (the parts' sums
    added) to rounding.  Where Numba has no OpenMP layer they run on its default one (still
    correct)."""
    from nablagrad import parallel
    from nablagrad.ops import _conv_direct_jit as k
    from nablagrad.ops import conv_direct

    monkeypatch.setattr(conv_direct, "_chunk_size", lambda *a: layout)
    monkeypatch.setattr(k, "wide_blocks", lambda: wide)
    monkeypatch.setattr(conv_direct, "COMPILED_SPLIT_MIN_MACS", 0)
    monkeypatch.setattr(parallel, "compiled_threads", ng.get_num_threads)
    ran: list = []
    for name, fn in list(k._flat_set(True).items()):
        monkeypatch.setitem(
            k._flat_set(True), name, lambda *a, f=fn, n=name: ran.append(n) or f(*a)
        )
    chunked = k._chunk_set(64, True)
    for name, fn in list(chunked.items()):
        monkeypatch.setitem(chunked, name, lambda *a, f=fn, n=name: ran.append(n) or f(*a))
    for name in ("wino_pass_parts", "wino_weight_parts"):
        fn = getattr(k, name)
        monkeypatch.setattr(k, name, lambda *a, f=fn, n=name: ran.append(n) or f(*a))
    shape = (5, case["cin"]) + case["hw"]
    x = np.random.default_rng(40).standard_normal(shape).astype(np.float32)
    results = []
    ng_m, t_m = _modules(case)
    for threads in (2, 1):
        num_threads(threads)
        with conv_path("direct"):
            if threads == 2:  # (copies torch's parameters into ng_m)
                compare_module(ng_m, t_m, shape, x=x, atol=1e-4, rtol=1e-4)
            ng_m.zero_grad()
            xn = ng.tensor(x, requires_grad=True)
            y = ng_m(xn)
            y.backward(ng.tensor(np.cos(np.arange(y.numel())).reshape(y.shape).astype(np.float32)))
        grads = [xn.grad.numpy(), ng_m.weight.grad.numpy()]
        results.append([y.detach().numpy()] + grads)
    # on one thread, shapes in chunks go by Winograd where it fits; on two, where each thread
    # gets four rows (case 3 has three: the direct kernels, equal to rounding)
    w_shape = (case["cout"], case["cin"], 5, 5)
    one_wino = layout and conv_direct.wino_fits(w_shape, 2 * case["padding"])
    wino = layout and conv_direct._wino_splits(w_shape, 2 * case["padding"], case["hw"][0], 2)
    for i, (two, one) in enumerate(zip(*results)):
        if (wino and i == 2) or wino != one_wino:  # (by Winograd, the parts' sums added)
            np.testing.assert_allclose(one, two, rtol=1e-4, atol=1e-4)
        else:
            np.testing.assert_array_equal(one, two)
    if wino:
        kernels = {"to_chunks", "wino_pass_parts", "wino_weight_parts"}
    elif layout:
        kernels = {"to_chunks", "from_chunks", "corr4" if wide else "corr_few"}
    elif wide:
        kernels = {"to_run", "forward_fours", "weight_grad_fours"}
    else:
        kernels = {"to_run", "forward_rest", "weight_grad_pairs"}
    assert kernels <= set(ran)


def test_winograd_parts_choice():
    """On Numba's threads Winograd goes in parts of at least four output rows a thread."""
    from nablagrad.ops.conv_direct import _wino_splits

    same = ((16, 16, 5, 5), 4)
    assert _wino_splits(*same, 14, 2) and _wino_splits(*same, 8, 2)
    assert not _wino_splits(*same, 7, 2) and not _wino_splits(*same, 14, 4)
    assert not _wino_splits((16, 16, 5, 5), 8, 14, 2)  # no Winograd for it at all


@NEEDS_JIT
def test_compiled_split_choice(num_threads):
    """The kernels split their loops between Numba's threads from ~a million multiply-adds
    and two threads; the probe finds Numba's OpenMP layer or reports one thread."""
    from nablagrad import parallel
    from nablagrad.ops.conv_direct import splits_compiled

    lenet1 = ((64, 1, 28, 28), (6, 1, 5, 5), ((2, 2), (2, 2)))
    assert splits_compiled(*lenet1, 2) and not splits_compiled(*lenet1, 1)
    assert splits_compiled((64, 16, 14, 14), (16, 16, 5, 5), ((2, 2), (2, 2)), 2)
    assert not splits_compiled((4, 1, 12, 12), (6, 1, 5, 5), ((0, 0), (0, 0)), 2)
    num_threads(1)
    assert parallel.compiled_threads() == 1
    num_threads(2)
    threads = parallel.compiled_threads()  # probes Numba's threading layer
    import numba

    try:
        layer = numba.threading_layer()
    except ValueError:  # no layer could start
        layer = None
    assert threads == (2 if layer == "omp" else 1)


@NEEDS_JIT
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_no_compiled_threads_in_a_forked_child(num_threads):
    """GNU OpenMP's threads do not survive a fork (Numba stops a child that starts them): a
    forked child splits over the pool instead, and its convolutions still run."""
    import multiprocessing

    from nablagrad import parallel

    num_threads(2)
    parallel.compiled_threads()  # OpenMP's threads started in the parent, where it has them
    x = ng.randn(64, 1, 28, 28)
    conv = nn.Conv2d(1, 6, 5, padding=2)
    expected = conv(x).detach().numpy()
    with multiprocessing.get_context("fork").Pool(1) as pool:
        threads, out = pool.apply(_child_conv, (conv, x))
    assert threads == 1
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-6)


def _child_conv(conv, x):
    from nablagrad import parallel

    return parallel.compiled_threads(), conv(x).detach().numpy()
