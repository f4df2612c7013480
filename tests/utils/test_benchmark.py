"""nablagrad.utils.benchmark (torch.utils.benchmark's Timer/Measurement) against torch's."""

from __future__ import annotations

import re

import pytest
import torch.utils.benchmark as tb

import nablagrad.utils.benchmark as nb


def _layout(m: object) -> list[str]:
    """The printed measurement with the object address, module path and numbers blanked."""
    text = re.sub(r"<[\w.]+Measurement object at 0x[0-9a-f]+>", "<Measurement>", repr(m))
    return [re.sub(r"\d+\.\d+ (ns|us|ms|s)\b", "T", line) for line in text.splitlines()]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"stmt": "sum(range(50))"},
        {"stmt": "x = 1\ny = x + 2"},
        {"stmt": "f(3)", "globals": {"f": abs}, "label": "L", "sub_label": "S", "description": "D"},
    ],
)
def test_timeit_measurement_prints_like_torch(kwargs: dict) -> None:
    ours, theirs = nb.Timer(**kwargs).timeit(20), tb.Timer(**kwargs).timeit(20)
    assert _layout(ours) == _layout(theirs)
    assert ours.number_per_run == theirs.number_per_run == 20
    assert len(ours.times) == len(ours.raw_times) == 1
    assert ours.times[0] == pytest.approx(ours.raw_times[0] / 20)
    assert ours.mean == ours.median == ours.times[0]


def test_blocked_autorange_and_units() -> None:
    m = nb.Timer(stmt="sum(range(100))").blocked_autorange(min_run_time=0.02)
    assert len(m.raw_times) >= 2 and m.number_per_run >= 1
    text = repr(m)
    assert "Median:" in text and f"{len(m.raw_times)} measurements" in text
    assert "runs per measurement, 1 thread" in text
    for t, unit in ((3e-9, "ns"), (4e-6, "us"), (5e-3, "ms"), (2.0, "s")):
        assert nb.select_unit(t)[0] == tb.select_unit(t)[0] == unit


def test_timer_runs_setup_and_refuses_other_languages() -> None:
    seen: list = []
    nb.Timer(stmt="seen.append(k)", setup="k = 7", globals={"seen": seen}).timeit(3)
    assert seen and set(seen) == {7}
    with pytest.raises(ValueError, match="Python"):
        nb.Timer(stmt="x", language="c++")
