"""The per-module state-dict protocol against torch: subclasses that override
``_save_to_state_dict`` / ``_load_from_state_dict`` (renaming an old checkpoint's keys, saving
a derived entry), ``get_extra_state`` / ``set_extra_state``, and the error text."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import nablagrad as ng


def _classes(mod):
    class Renamed(mod.nn.Linear):
        """Loads checkpoints whose weight was saved as "w" (a version-1 layout)."""

        _version = 2

        def _load_from_state_dict(self, state_dict, prefix, local_metadata, *args):
            if local_metadata.get("version", 1) < 2 and prefix + "w" in state_dict:
                state_dict[prefix + "weight"] = state_dict.pop(prefix + "w")
            super()._load_from_state_dict(state_dict, prefix, local_metadata, *args)

    class Saves(mod.nn.Linear):
        """Saves the weight's norm too, and ignores it on load."""

        def _save_to_state_dict(self, destination, prefix, keep_vars):
            super()._save_to_state_dict(destination, prefix, keep_vars)
            destination[prefix + "norm"] = self.weight.detach().norm()

        def _load_from_state_dict(self, state_dict, prefix, *args):
            state_dict.pop(prefix + "norm", None)
            super()._load_from_state_dict(state_dict, prefix, *args)

    class Extra(mod.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = mod.nn.Linear(2, 2)
            self.config = {"scale": 1.0}

        def get_extra_state(self):
            return dict(self.config)

        def set_extra_state(self, state):
            self.config = dict(state)

    return Renamed, Saves, Extra


def test_load_from_state_dict_override_renames_old_keys():
    for mod in (torch, ng):
        Renamed, _, _ = _classes(mod)
        net = mod.nn.Sequential(Renamed(2, 3))
        old = {"0.w": mod.ones(3, 2), "0.bias": mod.zeros(3)}  # no _metadata: version 1
        assert str(net.load_state_dict(old)) == "<All keys matched successfully>"
        np.testing.assert_array_equal(net[0].weight.detach().numpy(), np.ones((3, 2)))
        sd = net.state_dict()
        assert sd._metadata["0"]["version"] == 2
        net.load_state_dict(sd)  # version 2: no renaming


def test_save_to_state_dict_override_adds_an_entry():
    keys = []
    for mod in (torch, ng):
        _, Saves, _ = _classes(mod)
        net = mod.nn.Sequential(Saves(2, 3), mod.nn.ReLU(), Saves(3, 1))
        sd = net.state_dict()
        keys.append(list(sd))
        np.testing.assert_allclose(
            float(sd["0.norm"]), float(net[0].weight.detach().norm()), rtol=1e-6
        )
        net.load_state_dict(sd)
    assert keys[0] == keys[1]


def test_extra_state_round_trips_and_is_checked():
    for mod in (torch, ng):
        _, _, Extra = _classes(mod)
        a, b = Extra(), Extra()
        a.config["scale"] = 3.0
        sd = a.state_dict()
        assert list(sd) == ["_extra_state", "lin.weight", "lin.bias"]  # own entries first
        b.load_state_dict(sd)
        assert b.config == {"scale": 3.0}
        del sd["_extra_state"]
        with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "_extra_state"'):
            b.load_state_dict(sd)
        plain = mod.nn.Linear(2, 2)
        keys = plain.load_state_dict(
            {"weight": mod.zeros(2, 2), "bias": mod.zeros(2), "_extra_state": 1}, strict=False
        )
        assert keys.unexpected_keys == ["_extra_state"]


def test_errors_name_every_key_as_torch():
    messages = []
    for mod in (torch, ng):
        m = mod.nn.Sequential(mod.nn.Linear(2, 3))
        with pytest.raises(RuntimeError) as info:
            m.load_state_dict({"0.weight": mod.zeros(3, 3), "1.weight": mod.zeros(1)})
        messages.append(str(info.value))
    for part in [
        "Error(s) in loading state_dict for Sequential:",
        'Missing key(s) in state_dict: "0.bias"',
        'Unexpected key(s) in state_dict: "1.weight"',
        "size mismatch for 0.weight: copying a param with shape",
    ]:
        assert part in messages[0] and part in messages[1]


def test_a_failed_load_changes_nothing():
    """nablagrad's choice: the checks run before any copy (torch copies the entries that fit
    before it raises)."""
    m = ng.nn.Linear(2, 3)
    before = m.weight.detach().numpy().copy()
    with pytest.raises(RuntimeError, match="nothing was loaded"):
        m.load_state_dict({"weight": ng.ones(3, 2)})  # the bias is missing
    np.testing.assert_array_equal(m.weight.detach().numpy(), before)


def test_dotted_path_accessors_match_torch():
    """get_submodule / set_submodule / get_parameter / get_buffer: results and errors."""

    def run(mod):
        m = mod.nn.Sequential(mod.nn.Linear(2, 2), mod.nn.BatchNorm1d(2))
        out = [
            tuple(m.get_parameter("0.weight").shape),
            tuple(m.get_buffer("1.running_mean").shape),
        ]
        calls = [
            lambda: m.get_parameter("0.nope"),
            lambda: m.get_parameter("1.running_mean"),
            lambda: m.get_buffer("0.weight"),
            lambda: m.get_parameter("5.weight"),
            lambda: m.get_submodule("0.weight"),
            lambda: m.set_submodule("0", mod.nn.ReLU()),
            lambda: m.set_submodule("2.x", mod.nn.ReLU()),
            lambda: m.set_submodule("3", mod.nn.ReLU(), strict=True),
            lambda: m.set_submodule("3", mod.nn.Tanh()),
            lambda: m.set_submodule("", mod.nn.ReLU()),
            lambda: m.set_submodule("0", 5),
        ]
        for call in calls:
            try:
                call()
                out.append("ok")
            except (AttributeError, ValueError) as e:
                out.append(f"{type(e).__name__}: {e}")
        out.append([type(c).__name__ for c in m.children()])
        return out

    assert run(ng) == run(torch)


def test_module_type_and_compile_as_torch():
    # torch.compile's first use turns off torch.distributions' argument validation for the
    # whole process (its dynamo import): put it back for the tests that compare with it
    validate = torch.distributions.Distribution._validate_args
    try:
        for mod in (torch, ng):
            m = mod.nn.Linear(2, 2)
            assert m.type(mod.float64) is m and m.weight.dtype == mod.float64
            assert m.compile() is None  # in place; nablagrad runs it eagerly
            assert m(mod.ones(1, 2, dtype=mod.float64)).shape == (1, 2)
    finally:
        torch.distributions.Distribution.set_default_validate_args(validate)
