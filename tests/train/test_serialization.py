"""save/load in safetensors format, cross-checked with the safetensors library and PyTorch."""

import io
import json
import pickle
import struct

import numpy as np
import pytest
import torch
from safetensors.numpy import save_file as np_save_file
from safetensors.torch import load_file

import nablagrad as ng
from nablagrad.serialization import SerializationError


def test_flat_state_dict_loads_in_pytorch(tmp_path):
    rng = np.random.default_rng(0)
    sd = {
        "fc1.weight": ng.tensor(rng.normal(size=(4, 3)).astype(np.float32)),
        "fc1.bias": ng.tensor(rng.normal(size=4).astype(np.float32)),
        "steps": ng.tensor([7]),
        "mask": ng.tensor([True, False]),
        "w64": ng.tensor(rng.normal(size=(2, 2))),
    }
    path = tmp_path / "m.safetensors"
    ng.save(sd, path)
    got = load_file(str(path))
    assert list(got) == sorted(got) or set(got) == set(sd)
    for k, v in sd.items():
        assert (
            got[k].dtype
            == {
                np.float32: torch.float32,
                np.float64: torch.float64,
                np.int64: torch.int64,
                np.bool_: torch.bool,
            }[v.numpy().dtype.type]
        )
        np.testing.assert_array_equal(got[k].numpy(), v.numpy())
    lin = torch.nn.Linear(3, 4)
    lin.load_state_dict({"weight": got["fc1.weight"], "bias": got["fc1.bias"]})
    np.testing.assert_allclose(
        lin(torch.ones(1, 3)).detach().numpy()[0],
        sd["fc1.weight"].numpy().sum(1) + sd["fc1.bias"].numpy(),
        rtol=1e-6,
    )
    back = ng.load(path)
    assert list(back) == list(sd)
    for k in sd:
        np.testing.assert_array_equal(back[k].numpy(), sd[k].numpy())
        assert back[k].dtype == sd[k].dtype


def test_file_written_by_safetensors_loads(tmp_path):
    arrs = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.array([1, 2], np.int32)}
    np_save_file(arrs, str(tmp_path / "x.safetensors"))
    back = ng.load(tmp_path / "x.safetensors")
    assert set(back) == {"a", "b"}
    np.testing.assert_array_equal(back["a"].numpy(), arrs["a"])
    assert back["b"].dtype == ng.int32


def test_nested_checkpoint_roundtrip(tmp_path):
    ck = {
        "model": {"w": ng.ones(2, 2)},
        "optimizer": {
            "state": {0: {"momentum_buffer": ng.zeros(3)}, 1: {}},
            "param_groups": [
                {
                    "lr": 0.1,
                    "momentum": 0.9,
                    "params": [0, 1],
                    "betas": (0.9, 0.999),
                    "nesterov": False,
                }
            ],
        },
        "epoch": 4,
        "config": {"name": "x", "none": None},
        "best": float("inf"),
    }
    ng.save(ck, tmp_path / "c.safetensors")
    back = ng.load(tmp_path / "c.safetensors")
    assert back["epoch"] == 4 and back["config"] == {"name": "x", "none": None}
    assert back["best"] == float("inf")
    assert set(back["optimizer"]["state"]) == {0, 1}  # int keys survive
    assert back["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    np.testing.assert_array_equal(back["optimizer"]["state"][0]["momentum_buffer"].numpy(), 0)
    torch_view = load_file(str(tmp_path / "c.safetensors"))
    assert "model.w" in torch_view and "optimizer.state.0.momentum_buffer" in torch_view
    buf = io.BytesIO()
    ng.save({"k": ng.arange(3)}, buf)
    buf.seek(0)
    assert ng.load(buf)["k"].tolist() == [0, 1, 2]


def test_corrupt_and_missing_files_fail_clearly(tmp_path):
    path = tmp_path / "m.safetensors"
    ng.save({"w": ng.ones(10)}, path)
    raw = path.read_bytes()
    (tmp_path / "trunc.safetensors").write_bytes(raw[:-8])
    with pytest.raises(SerializationError, match="truncated"):
        ng.load(tmp_path / "trunc.safetensors")
    (tmp_path / "huge.safetensors").write_bytes(struct.pack("<Q", 10**9) + raw[8:])
    with pytest.raises(SerializationError, match="header too large"):
        ng.load(tmp_path / "huge.safetensors")
    n = struct.unpack("<Q", raw[:8])[0]
    (tmp_path / "json.safetensors").write_bytes(raw[:8] + b"{" * n + raw[8 + n :])
    with pytest.raises(SerializationError, match="JSON"):
        ng.load(tmp_path / "json.safetensors")
    header = json.loads(raw[8 : 8 + n])
    header["w"]["dtype"] = "Q99"
    head = json.dumps(header).encode()
    (tmp_path / "dtype.safetensors").write_bytes(struct.pack("<Q", len(head)) + head + raw[8 + n :])
    with pytest.raises(SerializationError, match="Q99"):
        ng.load(tmp_path / "dtype.safetensors")
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        ng.load(tmp_path / "nope.safetensors")
    with pytest.raises(TypeError, match="state_dict"):  # neither a checkpoint nor picklable
        ng.save({"obj": lambda: 0}, tmp_path / "o.safetensors")
    ng.save({"obj": object()}, tmp_path / "p.pt")  # other objects are pickled, as torch does,
    with pytest.raises(pickle.UnpicklingError, match="weights_only=False"):  # and load only
        ng.load(tmp_path / "p.pt")  # when asked to run pickle
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]
