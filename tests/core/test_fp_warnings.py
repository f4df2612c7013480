"""Floating-point edge cases are silent inf/NaN, as in torch: NumPy's RuntimeWarnings raised
inside nablagrad are filtered (``backend.ignore_float_warnings``, installed on import), the
user's own NumPy calls still warn.  (pytest restores the warning filters it found after
collecting, so the in-process tests install the filter inside their own block, and one test
checks a fresh interpreter.)"""

import subprocess
import sys
import textwrap
import warnings

import numpy as np
import torch

import nablagrad as ng
from nablagrad import backend

CASES = [
    (lambda m, t: 1 / t([0.0, -0.0]), "reciprocal of zero"),
    (lambda m, t: m.sqrt(t([-1.0])), "sqrt of a negative"),
    (lambda m, t: m.exp(t([1000.0])), "exp overflow"),
    (lambda m, t: m.log(t([-1.0, 0.0])), "log of non-positive"),
    (lambda m, t: t([0.0]) / t([0.0]), "zero over zero"),
    (lambda m, t: t([10.0]) ** 100, "pow overflow"),
]


def test_inf_and_nan_arithmetic_is_silent_and_matches_torch():
    for fn, what in CASES:
        with warnings.catch_warnings(record=True) as caught:
            backend.ignore_float_warnings()
            out = fn(ng, lambda v: ng.tensor(v)).numpy()
        assert not caught, (what, [str(w.message) for w in caught])
        np.testing.assert_array_equal(out, fn(torch, lambda v: torch.tensor(v)).numpy(), what)


def test_backward_through_a_singularity_is_silent():
    x = ng.tensor([0.0, 4.0], requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        backend.ignore_float_warnings()
        ng.sqrt(x).sum().backward()
    assert not caught
    t = torch.tensor([0.0, 4.0], requires_grad=True)
    torch.sqrt(t).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


def test_a_fresh_interpreter_is_silent_while_the_users_numpy_and_filters_still_warn():
    script = textwrap.dedent(
        """
        import warnings
        import numpy as np
        import nablagrad as ng
        with warnings.catch_warnings(record=True) as caught:
            ng.exp(ng.tensor([1000.0])) / ng.tensor([0.0])
            print("nablagrad", len(caught))
            np.float32(1) / np.float32(0)  # the user's own NumPy call
            print("numpy", len(caught))
        warnings.simplefilter("error")  # a filter added later takes precedence
        try:
            1 / ng.tensor([0.0])
            print("error filter ignored")
        except RuntimeWarning:
            print("error filter applies")
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert out[:3] == ["nablagrad 0", "numpy 1", "error filter applies"], out
