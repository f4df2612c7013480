"""APIs the official PyTorch tutorials use, each compared against torch (minimal reproductions)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import nablagrad as ng


@pytest.mark.parametrize("shape", [(20,), (3, 20), (2, 3, 20), (2, 2, 2, 12), (5, 13), (4, 9)])
@pytest.mark.parametrize("scale", [0.5, 5.0, 500.0])
def test_repr_wraps_lines_like_torch(shape, scale):
    rng = np.random.default_rng(len(shape) * 7 + int(scale))
    a = (rng.standard_normal(shape) * scale).astype(np.float32)
    for arr in (a, np.abs(a), np.round(a)):
        assert repr(ng.from_numpy(arr)) == repr(torch.from_numpy(arr))


def test_repr_scientific_mode_like_torch():
    for v in (
        [1e9, 1.0],
        [1e-5, 1.0],
        [-1e-5, 2.0],
        [1234.5, 0.5],
        [1e-5, float("nan")],
        [3.0, 0.0],
    ):
        assert repr(ng.tensor(v)) == repr(torch.tensor(v))


def test_out_keyword_like_torch():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    for lib in (ng, torch):
        a, b = lib.tensor(x), lib.tensor(x + 1)
        r = lib.empty(2, 3)
        assert lib.add(a, b, out=r) is r
        m = lib.zeros(3, 5)
        lib.matmul(a.T, b[:, :2], out=m[:, 1:3])  # a view of out receives the values
        z = lib.rand_like(a)
        lib.mul(a, a, out=z)
        vals, idx = lib.empty(0), lib.empty(0, dtype=lib.long)
        lib.max(a, 1, out=(vals, idx))
        resized = lib.empty(0)
        lib.cat([a, b], dim=0, out=resized)
        got = [t.numpy().copy() for t in (r, m, z, vals, idx, resized)]
        if lib is ng:
            ours = got
    np.testing.assert_array_equal(ours[1], got[1])
    for o, t in zip(ours, got):
        np.testing.assert_allclose(o, t, rtol=1e-6)
    assert ng.multiply is ng.mul
    with pytest.raises(RuntimeError, match="can't be cast"):
        ng.add(ng.ones(2), ng.ones(2), out=ng.empty(2, dtype=ng.long))
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        ng.mul(ng.ones(2, requires_grad=True), 2.0, out=ng.empty(2))


def _legendre(lib):
    class LegendrePolynomial3(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return 0.5 * (5 * x**3 - 3 * x)

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * x**2 - 1)

    return LegendrePolynomial3


def _scaled_split(lib):
    class ScaledSplit(lib.autograd.Function):  # two outputs, a non-Tensor argument, an index
        @staticmethod
        def forward(ctx, a, k, b):
            ctx.k = k
            ctx.save_for_backward(a, b)
            idx = a.argmax(dim=-1)
            ctx.mark_non_differentiable(idx)
            return a * b * k, a + b, idx

        @staticmethod
        def backward(ctx, g1, g2, g_idx):
            a, b = ctx.saved_tensors
            assert ctx.needs_input_grad == (True, False, True)
            return g1 * b * ctx.k + g2, None, g1 * a * ctx.k + g2

    return ScaledSplit


def test_custom_function_ctx_like_torch():
    rng = np.random.default_rng(0)
    x, a, b = (rng.standard_normal(s).astype(np.float32) for s in ((7,), (3, 4), (3, 4)))
    res = {}
    for lib in (ng, torch):
        xt = lib.tensor(x, requires_grad=True)
        y = _legendre(lib).apply(0.2 + 0.7 * xt)
        assert type(y.grad_fn).__name__ == "LegendrePolynomial3Backward"
        (y * y).sum().backward()
        at, bt = lib.tensor(a, requires_grad=True), lib.tensor(b, requires_grad=True)
        p, q, idx = _scaled_split(lib).apply(at, 3.0, bt)
        assert not idx.requires_grad and p.requires_grad and q.requires_grad
        (p.sum() + (q * q).sum()).backward()
        at2 = lib.tensor(a, requires_grad=True)
        p2, _, _ = _scaled_split(lib).apply(at2, 2.0, lib.tensor(b, requires_grad=True))
        p2.sum().backward()  # an unused output gets a zero gradient
        res[lib.__name__] = [t.detach().numpy() for t in (y, xt.grad, p, q, at.grad, bt.grad)]
        res[lib.__name__] += [idx.numpy(), at2.grad.numpy()]
    for o, t in zip(res["nablagrad"], res["torch"]):
        np.testing.assert_allclose(o, t, rtol=1e-5, atol=1e-6)


def test_custom_function_double_backward_and_setup_context():
    x = np.array([0.5, -1.0, 2.0])
    res = {}
    for lib in (ng, torch):

        class Cube(lib.autograd.Function):
            @staticmethod
            def forward(t):
                return t**3

            @staticmethod
            def setup_context(ctx, inputs, output):
                ctx.save_for_backward(inputs[0])

            @staticmethod
            def backward(ctx, g):
                (t,) = ctx.saved_tensors
                return g * 3 * t**2

        xt = lib.tensor(x, requires_grad=True)
        (g,) = lib.autograd.grad(Cube.apply(xt).sum(), xt, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), xt)
        res[lib.__name__] = (g.detach().numpy(), gg.numpy())
    for o, t in zip(res["nablagrad"], res["torch"]):
        np.testing.assert_allclose(o, t, rtol=1e-12)


def test_custom_function_errors_like_torch():
    class Wrong(ng.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g

    x = ng.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        Wrong.apply(x, x).sum().backward()

    y = _legendre(ng).apply(ng.ones(2, requires_grad=True)).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_next_functions_walk_like_torch():
    # the graph walk of the "Neural Networks" tutorial: loss -> linear -> ...; leaves end in
    # AccumulateGrad whose .variable is the parameter
    w = ng.ones(3, requires_grad=True)
    c = ng.ones(3)
    loss = ((w * 2 + c).relu() * c).sum()
    chain = []
    node = loss.grad_fn
    while node is not None:
        chain.append(node)
        nxt = [n for n, _ in node.next_functions if n is not None]
        node = nxt[0] if nxt else None
    assert type(chain[-1]).__name__ == "AccumulateGrad" and chain[-1].variable is w
    assert chain[-1].next_functions == ()
    assert all(i == 0 for n in chain[:-1] for _, i in n.next_functions)
    mul = (w * c).grad_fn
    assert mul.next_functions[1] == (None, 0)  # an input without grad, as in torch


def test_repr_of_summarized_tensor_and_suffix_line_like_torch():
    # the "Build the Neural Network" tutorial prints param[:2] of a 512x784 weight: torch picks
    # the format from the printed corner only and puts grad_fn on its own line when too long
    rng = np.random.default_rng(3)
    w = (rng.standard_normal((2, 784)) * 0.03).astype(np.float32)
    w[1, 400] = 1e-7  # not printed, so it must not switch the format to scientific
    for req in (False, True):
        a, b = ng.tensor(w, requires_grad=req), torch.tensor(w, requires_grad=req)
        assert repr(a) == repr(b)
        assert repr(a * 2) == repr(b * 2)  # ..., grad_fn=<MulBackward0>) wrapped as torch
    small = np.array([[0.5, -1.25], [2.0, 3.0]], dtype=np.float32)
    assert repr(ng.tensor(small, requires_grad=True) + 1) == repr(
        torch.tensor(small, requires_grad=True) + 1
    )
    assert repr((ng.ones(2, requires_grad=True) * 2).grad_fn).startswith("<MulBackward0 object")


def test_tensor_dataset_slices_like_torch():
    # "What is torch.nn really?": xb, yb = train_ds[i * bs : i * bs + bs]
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    y = np.arange(10)
    ours = ng.utils.data.TensorDataset(ng.tensor(x), ng.tensor(y))
    theirs = torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y))
    mask = y % 3 == 0
    for index in (slice(2, 6), slice(8, 14), slice(None, None, 3), [1, 4], 3):
        for a, b in zip(ours[index], theirs[index]):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    for a, b in zip(ours[ng.tensor(mask)], theirs[torch.tensor(mask)]):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_save_whole_model_needs_weights_only_false_like_torch(tmp_path):
    # "Save and Load the Model": torch.save(model, path); torch.load(path, weights_only=False)
    import pickle

    model = ng.nn.Sequential(ng.nn.Linear(3, 2), ng.nn.ReLU())
    path = tmp_path / "model.pth"
    ng.save(model, path)
    with pytest.raises(pickle.UnpicklingError, match="weights_only=False"):
        ng.load(path)
    loaded = ng.load(path, weights_only=False, map_location="cpu")
    x = ng.ones(4, 3)
    np.testing.assert_array_equal(loaded(x).detach().numpy(), model(x).detach().numpy())
    assert loaded[0].weight.requires_grad
    ng.save({"w": ng.ones(2)}, path)  # checkpoints of tensors stay safetensors
    assert ng.load(path)["w"].tolist() == [1.0, 1.0]


def test_load_state_dict_result_and_optimizer_defaults_print_like_torch():
    res = {}
    for lib in (ng, torch):
        a, b = lib.nn.Linear(2, 2), lib.nn.Sequential(lib.nn.Linear(2, 2))
        res[lib.__name__] = [
            repr(a.load_state_dict(a.state_dict())),
            repr(b.load_state_dict({"0.weight": a.weight.detach()}, strict=False)),
        ]
        for opt in ("SGD", "Adam", "RMSprop", "Adagrad"):
            group = getattr(lib.optim, opt)(a.parameters(), lr=0.1).state_dict()["param_groups"]
            # the recipes print param_groups: same values and types (0, not 0.0), and for
            # SGD and Adam the same key order
            res[lib.__name__].append(repr(group) if opt in ("SGD", "Adam") else group)
    assert res["nablagrad"] == res["torch"]


def test_deprecated_add_alpha_first_overload_like_torch():
    # the classic char_rnn tutorial: p.data.add_(-learning_rate, p.grad.data)
    res = {}
    for lib in (ng, torch):
        x = lib.ones(3)
        with pytest.warns(UserWarning, match="deprecated"):
            x.add_(-0.5, lib.tensor([2.0, 4.0, 6.0]))
            y = x.sub(2, lib.ones(3))
            x.sub_(0.25, lib.ones(3))
        res[lib.__name__] = (x.numpy().copy(), y.numpy())
    for o, t in zip(res["nablagrad"], res["torch"]):
        np.testing.assert_array_equal(o, t)


def test_module_list_repr_groups_repeats_like_torch():
    # the transformer tutorial prints its TransformerEncoder: "(0-1): 2 x TransformerEncoderLayer"
    def build(lib):
        layer = lib.nn.TransformerEncoderLayer(8, 2, 16, 0.0)
        lst = lib.nn.ModuleList([lib.nn.Linear(2, 2), lib.nn.Linear(2, 2), lib.nn.ReLU()])
        lst.append(lib.nn.Linear(2, 2))
        return [lib.nn.TransformerEncoder(layer, 2, enable_nested_tensor=False), lst,
                lib.nn.ModuleList()]  # fmt: skip

    for ours, theirs in zip(build(ng), build(torch)):
        assert repr(ours) == repr(theirs)


@pytest.mark.parametrize(
    "call",
    [
        lambda L, F, x: x + 1,
        lambda L, F, x: (x * 2).mean(),
        lambda L, F, x: F.relu(x),
        lambda L, F, x: F.softmax(x, 1),
        lambda L, F, x: x[:2],
        lambda L, F, x: x[0],
        lambda L, F, x: x[:, 0],
        lambda L, F, x: x[[0, 1]],
        lambda L, F, x: x.view(-1),
        lambda L, F, x: x @ x.T,
        lambda L, F, x: x[0] @ x,
        lambda L, F, x: F.linear(x, x, x[0]),
        lambda L, F, x: F.linear(x, x),
        lambda L, F, x: F.linear(x[None], x, x[0]),
        lambda L, F, x: F.cross_entropy(x, L.tensor([0, 1, 2])),
    ],
)
def test_grad_fn_names_like_torch(call):
    # tutorials print losses and activations: tensor(2.3, grad_fn=<NllLossBackward0>)
    import torch.nn.functional as tF

    import nablagrad.nn.functional as nF

    x = np.random.default_rng(0).standard_normal((3, 3)).astype(np.float32)
    ours = call(ng, nF, ng.tensor(x, requires_grad=True)).grad_fn
    theirs = call(torch, tF, torch.tensor(x, requires_grad=True)).grad_fn
    assert ours.name == theirs.name() and ours.name() == theirs.name()  # str and torch's method
    assert repr(ours).startswith(f"<{theirs.name()} object at 0x")


def test_torchvision_io_read_image(tmp_path):
    # "Datasets & DataLoaders": a custom Dataset reads its files with torchvision.io.read_image
    from PIL import Image

    from nablagrad import alias

    rgb = (np.arange(2 * 4 * 3).reshape(2, 4, 3) * 10).astype(np.uint8)
    gray = rgb[:, :, 0].copy()
    Image.fromarray(rgb).save(tmp_path / "rgb.png")
    Image.fromarray(gray).save(tmp_path / "gray.png")
    Image.fromarray(np.dstack([rgb, np.full((2, 4), 200, np.uint8)])).save(tmp_path / "a.png")
    with alias.torch_alias():
        from torchvision.io import ImageReadMode, read_image

        img = read_image(str(tmp_path / "rgb.png"))
        assert img.dtype == ng.uint8 and tuple(img.shape) == (3, 2, 4)
        np.testing.assert_array_equal(img.numpy(), rgb.transpose(2, 0, 1))
        g = read_image(tmp_path / "gray.png")
        np.testing.assert_array_equal(g.numpy(), gray[None])
        g3 = read_image(tmp_path / "gray.png", ImageReadMode.RGB)
        np.testing.assert_array_equal(g3.numpy(), np.stack([gray] * 3))
        a = read_image(tmp_path / "a.png")
        assert tuple(a.shape) == (4, 2, 4)
        np.testing.assert_array_equal(read_image(tmp_path / "a.png", "RGB").numpy(), img.numpy())
        with pytest.raises(RuntimeError, match="color image to gray"):
            read_image(tmp_path / "rgb.png", ImageReadMode.GRAY)
        with pytest.raises(FileNotFoundError, match="no image file"):
            read_image(tmp_path / "missing.png")


def test_scatter_value_keyword_and_0d_index_like_torch():
    # "Transforms": Lambda(lambda y: torch.zeros(10).scatter_(0, torch.tensor(y), value=1))
    res = {}
    for lib in (ng, torch):
        one_hot = lib.zeros(10, dtype=lib.float).scatter_(0, lib.tensor(7), value=1)
        kw = lib.zeros(10).scatter_(dim=0, index=lib.tensor(3), value=1)
        two_d = lib.zeros(2, 3).scatter(1, lib.tensor([[0], [2]]), value=5.0)
        src0 = lib.zeros(4).scatter(0, lib.tensor(2), lib.tensor(3.0))
        res[lib.__name__] = [t.numpy() for t in (one_hot, kw, two_d, src0)]
    for o, t in zip(res["nablagrad"], res["torch"]):
        np.testing.assert_array_equal(o, t)
    with pytest.raises(TypeError, match="either src or value"):
        ng.zeros(3).scatter(0, ng.tensor([1]), ng.ones(1), value=2.0)


def test_contiguous_copies_non_contiguous_tensors_like_torch():
    # the transformer tutorials: data.view(bsz, seq_len).t().contiguous()
    for lib in (ng, torch):
        x = lib.arange(6.0).reshape(2, 3)
        y = x.t().contiguous()
        assert y.is_contiguous() and tuple(y.stride()) == (2, 1)
        y[0, 0] = 100.0  # a copy: x is untouched
        assert x[0, 0].item() == 0.0
        assert x.contiguous() is x
    w = ng.ones(2, 3, requires_grad=True)
    (w.t().contiguous() * ng.arange(6.0).reshape(3, 2)).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.arange(6.0).reshape(3, 2).T)


def test_default_device_context_and_load_state_dict_assign_like_torch():
    # "Reasoning about shapes" / "changing default device": with torch.device(...): factories
    # there; module_load_state_dict_tips: load_state_dict(sd, assign=True) takes the tensors
    for lib in (ng, torch):
        with lib.device("cpu"):
            t = lib.zeros(2)
        assert t.device == lib.device("cpu")
        assert lib.get_default_device() == lib.device("cpu")
        lib.set_default_device("cpu")
        m = lib.nn.Linear(3, 2)
        sd = {k: v.detach().clone() * 0 + 2 for k, v in m.state_dict().items()}
        assert repr(m.load_state_dict(sd, assign=True)) == "<All keys matched successfully>"
        sd["weight"][0, 0] = 7.0  # the module now holds the given memory
        assert m.weight[0, 0].item() == 7.0 and isinstance(m.weight, lib.nn.Parameter)
        lib.set_default_device(None)


def test_default_device_applies_to_factories(device):
    with ng.device(device):
        made = [ng.zeros(2), ng.ones(1, 2), ng.randn(3), ng.arange(3), ng.tensor([1.0])]
        made.append(ng.nn.Linear(2, 2).weight)
    assert all(t.device == ng.device(device) for t in made)
    assert ng.zeros(1).device == ng.device("cpu")  # restored on exit
    ng.set_default_device(device)
    try:
        assert ng.empty(2).device == ng.device(device)
    finally:
        ng.set_default_device(None)
    assert ng.get_default_device() == ng.device("cpu")


def test_grad_wrt_non_leaf_leaves_the_rest_of_the_graph_like_torch():
    # autograd.grad(out, intermediate) runs only the graph between them: a later backward
    # through the part before the intermediate still works (torch frees only what ran)
    for lib in (ng, torch):
        w = lib.ones(2, requires_grad=True)
        y = w * 3
        (g,) = lib.autograd.grad((y**2).sum(), y)
        assert g.tolist() == [6.0, 6.0]
        (y**2).sum().backward()
        assert w.grad.tolist() == [18.0, 18.0]
        a, b = lib.ones(2, requires_grad=True), lib.ones(2, requires_grad=True)
        ga, gb = lib.autograd.grad((a * 2).sum(), [a, b], allow_unused=True)
        assert ga.tolist() == [2.0, 2.0] and gb is None


def test_custom_function_saved_outputs_double_backward_like_torch():
    # "Double Backward with Custom Functions": intermediates returned as outputs and saved
    def sinh_fn(lib):
        class Sinh(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                expx, expnegx = lib.exp(x), lib.exp(-x)
                ctx.save_for_backward(expx, expnegx)
                return (expx - expnegx) / 2, expx, expnegx

            @staticmethod
            def backward(ctx, grad_out, grad_exp, grad_negexp):
                expx, expnegx = ctx.saved_tensors
                grad_input = grad_out * (expx + expnegx) / 2
                grad_input += grad_exp * expx
                grad_input -= grad_negexp * expnegx
                return grad_input

        return Sinh

    x0 = np.array([[0.1, 0.5], [0.9, 0.3]])
    res = {}
    for lib in (ng, torch):
        x = lib.tensor(x0, requires_grad=True).clone()  # a non-leaf input, as the tutorial's
        sinh = sinh_fn(lib)
        assert lib.autograd.gradgradcheck(lambda t, s=sinh: s.apply(t)[0], (x,))
        (g,) = lib.autograd.grad(sinh.apply(x)[0].sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), x)
        res[lib.__name__] = (g.detach().numpy(), gg.numpy())
    for o, t in zip(res["nablagrad"], res["torch"]):
        np.testing.assert_allclose(o, t, rtol=1e-12)


def test_grad_scaler_like_torch():
    # the AMP recipe's loop: scaler.scale(loss).backward(); scaler.step(opt); scaler.update()
    import warnings

    res = {}
    for lib in (ng, torch):
        w = lib.nn.Parameter(lib.ones(2))
        opt = lib.optim.SGD([w], lr=0.5)
        scaler = lib.amp.GradScaler("cpu", init_scale=1024.0, growth_interval=2)
        trace = []
        for i in range(5):
            opt.zero_grad()
            loss = (w * (float("inf") if i == 2 else 3.0)).sum()  # one overflow: step skipped
            scaler.scale(loss).backward()
            if i == 3:
                scaler.unscale_(opt)  # clipping between unscale_ and step, as the recipe
                lib.nn.utils.clip_grad_norm_([w], max_norm=1.0)
            scaler.step(opt)
            scaler.update()
            trace.append((scaler.get_scale(), w.tolist()))
        res[lib.__name__] = (trace, scaler.state_dict())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            off = lib.amp.GradScaler("cuda", enabled=not lib.cuda.is_available())
        assert off.is_enabled() is False and off.get_scale() == 1.0 and off.state_dict() == {}
        x = lib.ones(1)
        assert off.scale(x) is x
    assert res["nablagrad"] == res["torch"]
    with pytest.raises(RuntimeError, match="already been called"):
        s = ng.amp.GradScaler("cpu")
        opt = ng.optim.SGD([ng.nn.Parameter(ng.ones(1))], lr=0.1)
        s.unscale_(opt)
        s.unscale_(opt)


def test_autocast_disabled_forms_run_and_enabled_ones_refuse():
    with pytest.warns(UserWarning, match="CUDA is not available"):
        with ng.autocast(device_type="cuda", dtype=ng.float16):
            y = ng.ones(2, 2) @ ng.ones(2, 2)
    assert y.dtype == ng.float32
    with ng.cuda.amp.autocast(enabled=False):
        pass
    with ng.amp.autocast("cpu", enabled=False):
        pass
    with pytest.raises(NotImplementedError, match="enabled=False"):
        ng.autocast("cpu", dtype=ng.float16)
    from nablagrad import alias

    with alias.torch_alias():
        from torch.cuda.amp import GradScaler, autocast  # noqa: F401 - the legacy spelling


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss_is_one_node_like_torch(reduction):
    # "Neural Networks" tutorial: loss.grad_fn (MseLossBackward0) -> next_functions[0][0]
    # (AddmmBackward0) -> next_functions[0][0] (the bias' AccumulateGrad)
    rng = np.random.default_rng(1)
    xs, ts = rng.standard_normal((4, 3)).astype(np.float32), rng.standard_normal((4, 2))
    res = {}
    for lib in (ng, torch):
        lib.manual_seed(0)
        lin = lib.nn.Linear(3, 2)
        with lib.no_grad():
            lin.weight.copy_(lib.tensor(np.arange(6.0).reshape(2, 3) / 10))
            lin.bias.fill_(0.5)
        x = lib.tensor(xs, requires_grad=True)
        loss = lib.nn.functional.mse_loss(lin(x.relu()), lib.tensor(ts, dtype=lib.float32),
                                          reduction=reduction)  # fmt: skip
        node = loss.grad_fn
        names = [node.name()]
        node = node.next_functions[0][0]
        names += [node.name(), node.next_functions[0][0].name()]
        assert node.next_functions[0][0].variable is lin.bias
        g = lib.autograd.grad(loss.sum(), (x, lin.weight), create_graph=True)
        h = lib.autograd.grad((g[0] ** 2).sum() + g[1].sum(), x)[0]
        res[lib.__name__] = (names, [t.detach().numpy() for t in (loss, *g, h)])
    assert res["nablagrad"][0] == res["torch"][0]
    for o, t in zip(res["nablagrad"][1], res["torch"][1]):
        np.testing.assert_allclose(o, t, rtol=1e-5, atol=1e-6)
    # an integer target promotes to the input's dtype, as torch
    lt = ng.nn.functional.mse_loss(ng.tensor([[1.5, 2.0]]), ng.arange(1, 3).view(1, -1))
    assert lt.dtype == ng.float32 and abs(lt.item() - 0.125) < 1e-7


def test_checkpoint_gives_torchs_values_and_gradients():
    import torch.utils.checkpoint as tcp

    from nablagrad.utils import checkpoint as ncp

    w0 = np.random.default_rng(2).standard_normal((3, 3)).astype(np.float32)
    res = {}
    for lib, cp in ((ng, ncp), (torch, tcp)):
        seq = lib.nn.Sequential(lib.nn.Linear(3, 3), lib.nn.Tanh(), lib.nn.Linear(3, 3))
        with lib.no_grad():
            for m in (seq[0], seq[2]):
                m.weight.copy_(lib.tensor(w0))
                m.bias.fill_(0.1)
        x = lib.tensor(w0 * 2, requires_grad=True)
        y = cp.checkpoint(seq, x, use_reentrant=False)
        z = cp.checkpoint_sequential(seq, 2, x, use_reentrant=False)
        (y.sum() + (z**2).sum()).backward()
        res[lib.__name__] = [t.detach().numpy() for t in (y, z, x.grad, seq[0].weight.grad)]
    for o, t in zip(res["nablagrad"], res["torch"]):
        np.testing.assert_allclose(o, t, rtol=1e-5, atol=2e-5)  # sums of products ~10


def test_full_backward_hook_like_torch():
    # gradient-visualisation code: module.register_full_backward_hook(hook(m, gin, gout))
    res = {}
    for lib in (ng, torch):
        lin = lib.nn.Linear(3, 2)
        with lib.no_grad():
            lin.weight.copy_(lib.tensor(np.arange(6.0).reshape(2, 3) / 10, dtype=lib.float32))
            lin.bias.fill_(0.1)
        got = []

        def hook(m, gin, gout, got=got):
            got.append([None if g is None else g.numpy().copy() for g in (*gin, *gout)])
            return None if gin[0] is None else (gin[0] * 2,)  # may replace grad_input

        handle = lin.register_full_backward_hook(hook)
        x = lib.ones(2, 3, requires_grad=True)
        (lin(x) ** 2).sum().backward()
        (lin(lib.ones(2, 3)) ** 2).sum().backward()  # no input gradient: gin is (None,)
        handle.remove()
        lin(x).sum().backward()  # removed: not called
        res[lib.__name__] = (got, x.grad.numpy(), lin.weight.grad.numpy())
    ours, theirs = res["nablagrad"], res["torch"]
    assert len(ours[0]) == len(theirs[0]) == 2
    for o, t in zip(ours[0], theirs[0]):
        for a, b in zip(o, t):
            assert (a is None) == (b is None)
            if a is not None:
                np.testing.assert_allclose(a, b, rtol=1e-6)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-6)
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-6)
