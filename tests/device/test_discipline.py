"""The fake CUDA device refuses host/device mixes where CuPy does, and nablagrad's tensors
report such mixes as torch does."""

import numpy as np
import pytest
import torch

import nablagrad as ng
from nablagrad import backend
from nablagrad.testing import fake_cupy as fcp

# -- the fake device itself behaves like CuPy -----------------------------------------------------


def test_fake_refuses_implicit_conversion():
    d = fcp.asarray(np.arange(3.0))
    with pytest.raises(TypeError, match="Implicit conversion to a NumPy array is not allowed"):
        np.asarray(d)
    with pytest.raises(TypeError, match="Implicit conversion"):
        np.array([d, d])
    np.testing.assert_array_equal(d.get(), [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(fcp.asnumpy(d), [0.0, 1.0, 2.0])


@pytest.mark.parametrize("op", ["add", "mul", "sub", "truediv", "matmul", "lt", "eq"])
def test_fake_refuses_host_operands_both_ways(op):
    import operator

    f = getattr(operator, op)
    d, h = fcp.ones((3, 3)), np.ones((3, 3))
    with pytest.raises(TypeError, match="Unsupported type"):
        f(d, h)
    with pytest.raises(TypeError):
        f(h, d)
    if op != "matmul":
        assert type(f(d, 2.0)) is fcp.ndarray and type(f(np.float64(2.0), d)) is fcp.ndarray


def test_fake_functions_refuse_host_arrays_and_numpy_refuses_device_arrays():
    d, h = fcp.ones(3), np.ones(3)
    with pytest.raises(TypeError, match="Unsupported type"):
        fcp.maximum(d, h)
    with pytest.raises(TypeError, match="Unsupported type"):
        fcp.concatenate([d, h])
    with pytest.raises(TypeError, match="Argument 'a' has incorrect type"):
        fcp.ascontiguousarray(h)
    with pytest.raises(TypeError):
        np.exp(d)
    with pytest.raises(TypeError):
        np.zeros_like(d)


def test_fake_indexing_rules_follow_cupy():
    d, h = fcp.arange(6.0), np.arange(6.0)
    assert float(d[np.array([1, 2])].sum()) == 3.0  # a host index is copied to the device
    with pytest.raises(TypeError):
        h[fcp.asarray(np.array([1, 2]))]  # a device index cannot index host memory
    with pytest.raises(ValueError, match="non-scalar numpy.ndarray cannot be used for fill"):
        d[1:3] = np.ones(2)
    d[np.array([0, 1])] = np.array([7.0, 8.0])  # advanced assignment converts the value
    d[2] = np.float64(9.0)
    assert d.tolist() == [7.0, 8.0, 9.0, 3.0, 4.0, 5.0]


def test_fake_lacks_what_cupy_lacks_and_gives_0d_arrays():
    with pytest.raises(TypeError, match="sparse"):
        fcp.indices((2, 3), sparse=True)
    d = fcp.arange(4.0)
    assert type(d.sum()) is fcp.ndarray and d.sum().shape == ()
    assert type(d[1]) is fcp.ndarray and float(d[1]) == 1.0


def test_use_fake_cuda_switches_and_restores():
    assert not isinstance(ng.zeros(1)._data, fcp.ndarray)
    with backend.use_fake_cuda():
        x = ng.zeros(2, device="cuda")
        assert type(x._data) is fcp.ndarray and x.is_cuda and ng.cuda.is_available()
        assert str(x.device) == "cuda:0"
    assert backend._cupy is None or not getattr(backend._cupy, "IS_FAKE", False)


# -- nablagrad tensors across devices, as torch ------------------------------------------------


def test_numpy_of_a_cuda_tensor_raises_like_torch(fake_cuda):
    x = ng.ones(3, device="cuda")
    with pytest.raises(TypeError, match="can't convert cuda:0 device type tensor to numpy"):
        x.numpy()
    with pytest.raises(TypeError, match="Use Tensor.cpu"):
        np.asarray(x)
    np.testing.assert_array_equal(x.cpu().numpy(), np.ones(3))
    np.testing.assert_array_equal(x.numpy(force=True), np.ones(3))
    assert x.tolist() == [1.0, 1.0, 1.0] and x.sum().item() == 3.0


@pytest.mark.parametrize("order", ["cuda+cpu", "cpu+cuda"])
def test_mixed_devices_name_both_devices(fake_cuda, order):
    a, b = ng.ones(3, device="cuda"), ng.ones(3)
    if order == "cpu+cuda":
        a, b = b, a
    msg = (
        "Expected all tensors to be on the same device, but found at least two devices, "
        "cuda:0 and cpu!"
    )
    with pytest.raises(RuntimeError, match=msg):
        a + b
    with pytest.raises(RuntimeError, match="cuda:0 and cpu"):
        a @ b
    with pytest.raises(RuntimeError, match="cuda:0 and cpu"):
        ng.cat([a, b])
    with pytest.raises(RuntimeError, match="cuda:0 and cpu"):
        _ = a < b


def test_cpu_scalar_tensor_combines_with_cuda_as_in_torch(fake_cuda):
    x = ng.tensor([1.0, 2.0], device="cuda", requires_grad=True)
    s = ng.tensor(3.0, requires_grad=True)  # 0-d CPU tensors act as scalars in torch
    y = x * s
    assert y.is_cuda
    y.sum().backward()
    assert s.grad.device.type == "cpu" and float(s.grad) == 3.0
    assert x.grad.is_cuda and x.grad.tolist() == [3.0, 3.0]


def test_setitem_with_a_tensor_of_the_other_device_copies_like_torch(fake_cuda):
    x = ng.zeros(3, 2, device="cuda")
    x[1] = ng.tensor([1.0, 2.0])
    x[ng.tensor([0, 2])] = ng.tensor([[5.0, 6.0], [7.0, 8.0]])
    assert x.is_cuda and x.cpu().tolist() == [[5.0, 6.0], [1.0, 2.0], [7.0, 8.0]]
    h = ng.zeros(2)
    h[0] = ng.tensor(4.0, device="cuda")
    assert h.tolist() == [4.0, 0.0]


def test_indexing_across_devices_as_torch(fake_cuda):
    x = ng.arange(6.0, device="cuda").requires_grad_()
    y = x[ng.tensor([1, 1, 4])]  # a CPU index tensor may index a CUDA tensor
    y.sum().backward()
    assert y.is_cuda and x.grad.cpu().tolist() == [0, 2, 0, 0, 1, 0]
    assert x[[0, 5]].cpu().tolist() == [0.0, 5.0]
    with pytest.raises(RuntimeError, match="indices should be either on cpu or on the same device"):
        ng.arange(6.0)[ng.tensor([1], device="cuda")]


def test_cpu_cuda_and_pin_memory(fake_cuda):
    x = ng.arange(3.0)
    assert x.cuda().is_cuda and x.cuda().cpu().device.type == "cpu"
    assert x.cuda(0).device == ng.device("cuda", 0)
    assert x.pin_memory() is x and not x.is_pinned()
    with pytest.raises(RuntimeError, match="only CPU tensors can be pinned"):
        x.cuda().pin_memory()
    t = torch.arange(3.0)
    assert t.pin_memory is not None  # torch has the same methods


def test_gradient_comes_back_to_the_source_device(device):
    x = ng.ones(2, 3, requires_grad=True)
    y = x.to(device) * 2
    y.sum().backward()
    assert x.grad.device.type == "cpu" and x.grad.tolist() == [[2.0] * 3] * 2


def test_more_mixed_device_paths_raise_or_copy_like_torch(fake_cuda):
    a, b = ng.ones(3, device="cuda"), ng.ones(3)
    msg = "found at least two devices, cuda:0 and cpu!"
    with pytest.raises(RuntimeError, match=msg):
        a.add_(b)
    with pytest.raises(RuntimeError, match=msg):
        a.masked_fill(b > 0, 0.0)
    with pytest.raises(RuntimeError, match=msg):
        ng.ones(2, 3, device="cuda").gather(1, ng.tensor([[0], [1]]))
    with pytest.raises(RuntimeError, match=msg):
        ng.nn.functional.cross_entropy(ng.ones(2, 3, device="cuda"), ng.tensor([0, 1]))
    with pytest.raises(RuntimeError, match=msg):
        ng.nn.functional.mse_loss(a, b)
    with pytest.raises(RuntimeError, match=msg):
        ng.nn.CrossEntropyLoss(weight=ng.ones(3))(
            ng.ones(2, 3, device="cuda"), ng.tensor([0, 1]).cuda()
        )
    with pytest.raises(RuntimeError, match=msg):
        ng.nn.functional.embedding(ng.tensor([0, 1]), ng.ones(3, 2, device="cuda"))
    a.copy_(b * 2)  # copy_ crosses devices, as torch's
    b.copy_(a * 3)
    assert a.is_cuda and a.cpu().tolist() == [2.0] * 3 and b.tolist() == [6.0] * 3


def test_pickle_and_deepcopy_keep_the_device(device):
    import copy
    import pickle

    x = ng.tensor([1.0, 2.0], device=device, requires_grad=True)
    for y in (pickle.loads(pickle.dumps(x)), copy.deepcopy(x)):
        assert y.device == x.device and y.requires_grad and y.tolist() == [1.0, 2.0]
