"""``Tensor.stride()`` against torch for tensors with size-0 and size-1 dims, where NumPy's
own strides differ from torch's (a new axis or a broadcast dim has stride 0 in NumPy, an
empty array all-zero strides): creation, unsqueeze / ``None`` indexing, views, expand,
transposes of them, copies that preserve the layout, and what reads the strides
(``is_contiguous``, ``dim_order``, ``as_strided``)."""

import pytest
import torch

import nablagrad as ng

CASES = {
    "zeros(2, 0)": lambda L: L.zeros(2, 0),
    "zeros(0, 3)": lambda L: L.zeros(0, 3),
    "zeros(2, 0, 3)": lambda L: L.zeros(2, 0, 3),
    "zeros(1, 0, 1)": lambda L: L.zeros(1, 0, 1),
    "empty(0)": lambda L: L.empty(0),
    "tensor([[], []])": lambda L: L.tensor([[], []]),
    "zeros(3, 1, 4)": lambda L: L.zeros(3, 1, 4),
    "x[None]": lambda L: L.zeros(3, 4)[None],
    "x[:, None]": lambda L: L.zeros(3, 4)[:, None],
    "x[..., None]": lambda L: L.zeros(3, 4)[..., None],
    "x.t()[:, None]": lambda L: L.zeros(3, 4).t()[:, None],
    "unsqueeze(0)": lambda L: L.zeros(3, 4).unsqueeze(0),
    "unsqueeze(1)": lambda L: L.zeros(3, 4).unsqueeze(1),
    "t().unsqueeze(2)": lambda L: L.zeros(3, 4).t().unsqueeze(2),
    "column.unsqueeze(1)": lambda L: L.zeros(3, 4)[:, 0].unsqueeze(1),
    "unsqueeze(0).transpose(0, 1)": lambda L: L.zeros(3, 4).unsqueeze(0).transpose(0, 1),
    "x[None].permute(2, 0, 1)": lambda L: L.zeros(3, 4)[None].permute(2, 0, 1),
    "expand same shape": lambda L: L.zeros(1, 3).expand(1, 3),
    "t().expand same shape": lambda L: L.zeros(4, 1).t().expand(1, 4),
    "expand new dims": lambda L: L.zeros(3).expand(2, 1, 3),
    "expand then None": lambda L: L.zeros(1, 4).expand(3, 4)[:, None],
    "zeros(3, 0).t()": lambda L: L.zeros(3, 0).t(),
    "zeros(3, 0, 4).permute": lambda L: L.zeros(3, 0, 4).permute(2, 1, 0),
    "view(3, 1, 4)": lambda L: L.zeros(12).view(3, 1, 4),
    "t().reshape(4, 1, 3)": lambda L: L.zeros(3, 4).t().reshape(4, 1, 3),
    "clone of x.t()[:, None]": lambda L: L.zeros(3, 4).t()[:, None].clone(),
    "empty_like of x.t()[:, None]": lambda L: L.empty_like(L.zeros(3, 4).t()[:, None]),
    "squeeze": lambda L: L.zeros(3, 1, 4, 1).squeeze(1),
    "0-d unsqueeze": lambda L: L.tensor(1.0).unsqueeze(0),
    "0-d view(1, 1)": lambda L: L.tensor(1.0).view(1, 1),
}


@pytest.mark.parametrize("case", list(CASES))
def test_strides_as_torch(case):
    t, n = CASES[case](torch), CASES[case](ng)
    assert tuple(n.shape) == tuple(t.shape)
    assert n.stride() == t.stride()
    assert n.is_contiguous() == t.is_contiguous()
    assert tuple(n.stride(d) for d in range(-n.ndim, n.ndim)) == tuple(
        t.stride(d) for d in range(-t.ndim, t.ndim)
    )
    if t.ndim:
        assert n.dim_order() == t.dim_order()


def test_stride_dim_errors_as_torch():
    for L in (torch, ng):
        with pytest.raises(IndexError, match="Dimension out of range"):
            L.zeros(2, 3).stride(2)
        with pytest.raises(IndexError, match="no dimensions"):
            L.tensor(1.0).stride(0)
        assert L.tensor(1.0).stride() == ()
    assert ng.zeros(2, 2).to_sparse().stride() == torch.zeros(2, 2).to_sparse().stride()


def test_values_and_gradients_unchanged_through_new_axes():
    # the reported strides change, the memory read does not
    a = torch.arange(12.0).reshape(3, 4).requires_grad_()
    b = ng.arange(12.0).reshape(3, 4).requires_grad_()
    ta = a.unsqueeze(0).transpose(0, 1) * torch.arange(4.0)
    tb = b.unsqueeze(0).transpose(0, 1) * ng.arange(4.0)
    assert tb.tolist() == ta.tolist()
    ta.sum().backward()
    tb.sum().backward()
    assert b.grad.tolist() == a.grad.tolist()


def test_node_names_as_torch():
    for L in (torch, ng):
        x = L.zeros(3, 1, 4, requires_grad=True)
        names = [
            x.unsqueeze(1).grad_fn.name(),
            x.squeeze().grad_fn.name(),
            x.squeeze(1).grad_fn.name(),
            x.squeeze((1,)).grad_fn.name(),
            x.transpose(0, 2).grad_fn.name(),
            x.permute(2, 1, 0).grad_fn.name(),
            x[0].t().grad_fn.name(),
            L.zeros(3, requires_grad=True).t().grad_fn.name(),
        ]
        assert names == [
            "UnsqueezeBackward0",
            "SqueezeBackward0",
            "SqueezeBackward1",
            "SqueezeBackward2",
            "TransposeBackward0",
            "PermuteBackward0",
            "TBackward0",
            "TBackward0",
        ]


def test_in_place_through_unsqueezed_view_reaches_base():
    for L in (torch, ng):
        x = L.zeros(3, 4)
        v = x.unsqueeze(0).transpose(0, 1)
        v[1, 0, 2] = 5.0
        assert x[1, 2].item() == 5.0
        assert v._base is x
