"""Every optimizer configuration of tests/optim/test_vs_torch.py on the device: the
parameters after the same steps equal the CPU's (which that file holds to torch's)."""

import numpy as np
import pytest
from optim_common import Pair
from test_vs_torch import CASES, IDS


@pytest.mark.parametrize("name,kwargs,steps", CASES, ids=IDS)
def test_trajectory_on_the_device_equals_the_cpu(fake_cuda, name, kwargs, steps):
    steps = min(steps, 30)
    cpu, dev = Pair(name, kwargs), Pair(name, kwargs, device="cuda")
    cpu.step_ng(steps)
    dev.step_ng(steps)
    assert all(p.device.type == "cuda" for p in dev.ng_params)
    for i, (a, b) in enumerate(zip(dev.ng_values(), cpu.ng_values())):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=f"parameter {i}")
