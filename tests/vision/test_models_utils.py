"""nablagrad.vision.models (ResNet family) and nablagrad.vision.utils against torchvision."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from tvhelpers import import_torchvision

import nablagrad as ng
from nablagrad.vision import models, utils

tv = import_torchvision()
RNG = np.random.default_rng(0)


def copy_state(src, dst):
    dst.load_state_dict(
        {k: ng.tensor(v.detach().numpy().copy()) for k, v in src.state_dict().items()}
    )


def shapes(model):
    return {k: tuple(v.shape) for k, v in model.state_dict().items()}


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("resnet18", {"num_classes": 7}),
        ("resnet18", {"num_classes": 3, "zero_init_residual": True}),
        ("resnet50", {"num_classes": 5, "replace_stride_with_dilation": [False, True, True]}),
        ("resnext50_32x4d", {"num_classes": 4}),
    ],
)
def test_resnet_builds_torchvisions_network(name, kwargs):
    torch.manual_seed(0)
    t = getattr(tv.models, name)(weights=None, **kwargs)
    n = getattr(models, name)(weights=None, **kwargs)
    assert shapes(n) == shapes(t)  # same modules, names and shapes: state_dicts interchange
    assert [type(m).__name__ for m in n.modules()] == [type(m).__name__ for m in t.modules()]
    if kwargs.get("zero_init_residual"):
        assert float(n.layer1[0].bn2.weight.abs().sum()) == 0.0
    # torchvision's initialisation: conv weights ~ N(0, 2 / fan_out), norms at 1 and 0
    w = n.conv1.weight.detach().numpy()
    assert abs(w.std() - np.sqrt(2 / (64 * 7 * 7))) < 0.1 * np.sqrt(2 / (64 * 7 * 7))
    assert float(n.bn1.weight.sum()) == 64 and float(n.bn1.bias.abs().sum()) == 0
    if name == "resnet18" and not kwargs.get("zero_init_residual"):  # the whole network
        # evaluated with torchvision's weights
        copy_state(t, n)
        t.eval()
        n.eval()
        x = RNG.standard_normal((2, 3, 16, 16)).astype(np.float32)
        with torch.no_grad():
            expect = t(torch.tensor(x)).numpy()
        np.testing.assert_allclose(n(ng.tensor(x)).detach().numpy(), expect, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    "block, args",
    [
        ("BasicBlock", (8, 8, 1, None)),
        ("BasicBlock", (8, 16, 2, "down")),
        ("Bottleneck", (16, 4, 1, None, 2, 64)),
        ("Bottleneck", (8, 4, 2, "down", 2, 32, 2)),
    ],
)
def test_resnet_blocks_train_like_torchvisions(block, args):
    tr = tv.models.resnet
    args = list(args)
    exp = getattr(tr, block).expansion
    if len(args) > 3 and args[3] == "down":
        t_down = torch.nn.Sequential(
            tr.conv1x1(args[0], args[1] * exp, args[2]), torch.nn.BatchNorm2d(args[1] * exp)
        )
        n_down = ng.nn.Sequential(
            models.conv1x1(args[0], args[1] * exp, args[2]), ng.nn.BatchNorm2d(args[1] * exp)
        )
    else:
        t_down = n_down = None
    t = getattr(tr, block)(*args[:3], t_down, *args[4:]).double()
    n = getattr(models, block)(*args[:3], n_down, *args[4:]).double()
    assert shapes(n) == shapes(t)
    copy_state(t, n)
    x = RNG.standard_normal((3, args[0], 6, 6))
    tx, nx = torch.tensor(x, requires_grad=True), ng.tensor(x, requires_grad=True)
    to, no = t(tx), n(nx)
    np.testing.assert_allclose(no.detach().numpy(), to.detach().numpy(), rtol=1e-10, atol=1e-10)
    to.square().sum().backward()
    no.square().sum().backward()
    np.testing.assert_allclose(nx.grad.numpy(), tx.grad.numpy(), rtol=1e-8, atol=1e-8)
    for (k, tp), (k2, np_) in zip(t.named_parameters(), n.named_parameters()):
        assert k == k2
        np.testing.assert_allclose(np_.grad.numpy(), tp.grad.numpy(), rtol=1e-8, atol=1e-8)
    for (k, tb), (k2, nb) in zip(t.named_buffers(), n.named_buffers()):  # running statistics
        assert k == k2
        np.testing.assert_allclose(nb.numpy(), tb.numpy(), rtol=1e-10, atol=1e-10)


def test_resnet_surgery_as_in_the_siamese_example():
    # replace the stem, drop fc through children(): the code of pytorch/examples' siamese network
    for lib, vis in ((torch, tv), (ng, ng.vision)):
        r = vis.models.resnet18(weights=None)
        r.conv1 = lib.nn.Conv2d(
            1, 64, kernel_size=(7, 7), stride=(2, 2), padding=(3, 3), bias=False
        )
        assert r.fc.in_features == 512
        trunk = lib.nn.Sequential(*(list(r.children())[:-1]))
        assert tuple(trunk(lib.zeros(2, 1, 28, 28)).shape) == (2, 512, 1, 1)


def test_resnet_refuses_pretrained_weights_and_bad_blocks():
    with pytest.raises(ValueError, match="no pretrained weights"):
        models.resnet18(weights="IMAGENET1K_V1")
    with pytest.raises(ValueError, match="no pretrained weights"):
        models.resnet18(pretrained=True)
    with pytest.raises(ValueError, match="BasicBlock only supports"):
        models.ResNet(models.BasicBlock, [1, 1, 1, 1], groups=2)
    with pytest.raises(ValueError, match="replace_stride_with_dilation"):
        models.resnet50(replace_stride_with_dilation=[True])


GRID_CASES = [
    ((5, 1, 4, 6), {}),
    ((5, 3, 4, 6), {"nrow": 2, "padding": 1, "pad_value": 0.5}),
    ((10, 3, 4, 4), {"normalize": True}),
    ((4, 3, 4, 4), {"normalize": True, "scale_each": True}),
    ((4, 3, 4, 4), {"normalize": True, "value_range": (-1, 1)}),
    ((1, 3, 4, 4), {}),
    ((3, 5, 5), {}),
    ((1, 5, 5), {}),
    ((5, 5), {"padding": 0}),
]


@pytest.mark.parametrize("shape, kwargs", GRID_CASES)
def test_make_grid_matches_torchvision(shape, kwargs):
    x = RNG.standard_normal(shape).astype(np.float32)
    t = tv.utils.make_grid(torch.tensor(x), **kwargs)
    n = utils.make_grid(ng.tensor(x), **kwargs)
    np.testing.assert_allclose(n.numpy(), t.numpy(), rtol=1e-6, atol=1e-6)
    # a list of images is stacked first
    if len(shape) == 4:
        t = tv.utils.make_grid([torch.tensor(v) for v in x], **kwargs)
        n = utils.make_grid([ng.tensor(v) for v in x], **kwargs)
        np.testing.assert_allclose(n.numpy(), t.numpy(), rtol=1e-6, atol=1e-6)


def test_make_grid_does_not_touch_its_input_and_rejects_non_tensors():
    x = ng.tensor(RNG.standard_normal((4, 3, 4, 4)).astype(np.float32), requires_grad=True)
    before = x.detach().numpy().copy()
    g = utils.make_grid(x, normalize=True)
    np.testing.assert_array_equal(x.detach().numpy(), before)
    assert not g.requires_grad
    with pytest.raises(TypeError, match="tensor or list of tensors expected"):
        utils.make_grid([np.zeros((3, 4, 4))])


def test_save_image_writes_torchvisions_pixels(tmp_path):
    x = RNG.random((6, 3, 5, 7)).astype(np.float32) * 1.2 - 0.1  # some values outside [0, 1]
    tv.utils.save_image(torch.tensor(x), tmp_path / "t.png", nrow=3)
    utils.save_image(ng.tensor(x), tmp_path / "n.png", nrow=3)
    utils.save_image(ng.tensor(x), str(tmp_path / "n.jpg"), nrow=3)
    a = np.asarray(Image.open(tmp_path / "n.png"))
    np.testing.assert_array_equal(a, np.asarray(Image.open(tmp_path / "t.png")))
    assert Image.open(tmp_path / "n.jpg").format == "JPEG"
    with open(tmp_path / "f.png", "wb") as f:
        utils.save_image(ng.tensor(x[0]), f, format="png")
    with open(tmp_path / "tf.png", "wb") as f:
        tv.utils.save_image(torch.tensor(x[0]), f, format="png")
    f_n, f_t = Image.open(tmp_path / "f.png"), Image.open(tmp_path / "tf.png")
    np.testing.assert_array_equal(np.asarray(f_n), np.asarray(f_t))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "f.png",
        "n.jpg",
        "n.png",
        "t.png",
        "tf.png",
    ]  # no temporary files left behind
