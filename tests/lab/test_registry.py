"""Each experiment's parameter defaults live in one place: its ``run`` signature."""

import inspect

import pytest

from nablagrad.lab import registry
from nablagrad.lab.registry import EXPERIMENTS, Experiment, Param


@pytest.mark.parametrize("name", sorted(EXPERIMENTS))
def test_defaults_come_from_the_run_signature(name):
    exp = EXPERIMENTS[name]
    signature = inspect.signature(exp._mod().run).parameters
    assert all(p.default is registry._FROM_RUN for p in exp.declared)  # none written twice
    for p in exp.params:
        assert p.default == signature[p.name].default, p.name
    assert exp.resolve({}) == {p.name: signature[p.name].default for p in exp.declared}


def test_a_parameter_without_a_run_default_is_a_clear_error():
    exp = Experiment("bogus", "activations", "test", (Param("nonexistent", int, "help"),))
    with pytest.raises(TypeError, match="no default for parameter 'nonexistent'"):
        _ = exp.params
