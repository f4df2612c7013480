"""nablagrad.jit on ``cpu`` and the fake CUDA device: scripted outputs, and save/load that
puts tensors back on their device or on ``map_location``."""

import io

import numpy as np
import pytest

import nablagrad as ng
from nablagrad import jit, nn

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_scripted_model_saves_and_loads_on_its_device(device):
    ng.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Tanh(), nn.Linear(4, 2)).to(device)
    x = ng.randn(5, 3).to(device)
    s = jit.script(net)
    net(x)  # batch-norm statistics
    s.eval(), net.eval()
    want = net(x).detach().cpu().numpy()
    np.testing.assert_array_equal(s(x).detach().cpu().numpy(), want)
    buf = io.BytesIO()
    s.save(buf)
    back = jit.load(io.BytesIO(buf.getvalue()))
    assert all(t.device.type == device for t in back.state_dict().values())
    np.testing.assert_array_equal(back(x).detach().cpu().numpy(), want)
    on_cpu = jit.load(io.BytesIO(buf.getvalue()), map_location="cpu")
    assert all(t.device.type == "cpu" for t in on_cpu.state_dict().values())
    np.testing.assert_allclose(on_cpu(x.cpu()).detach().numpy(), want, rtol=1e-6, atol=1e-6)
    t = jit.trace(net, x)
    np.testing.assert_array_equal(t(x).detach().cpu().numpy(), want)
