"""SummaryWriter: event files read back with TensorBoard's own reader."""

import glob
import os
import sys

import matplotlib
import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
from tensorboard.plugins.hparams import plugin_data_pb2

import nablagrad as torch
from nablagrad import nn
from nablagrad.utils.tensorboard import SummaryWriter

matplotlib.use("Agg")


def load(logdir):
    acc = EventAccumulator(
        str(logdir), size_guidance={"scalars": 0, "histograms": 0, "images": 0, "tensors": 0}
    )
    acc.Reload()
    return acc


def test_scalars_histograms_images_text(tmp_path):
    with SummaryWriter(tmp_path) as w:
        for step in range(5):
            w.add_scalar("loss", 1.0 / (step + 1), step)
        w.add_scalar("tensor_value", torch.tensor(2.5), 7)
        values = torch.randn(1000, generator=torch.Generator().manual_seed(0))
        w.add_histogram("weights", values, 3)
        w.add_histogram("counts", np.arange(10.0), 4, bins=5)
        img = np.zeros((3, 8, 10), np.float32)
        img[0, :, :5] = 1.0
        w.add_image("red", img, 1)
        w.add_image("gray", np.full((6, 4), 0.5), 2, dataformats="HW")
        w.add_images("batch", np.ones((5, 1, 4, 4), np.float32), 0)
        w.add_text("note", "hello **world**", 0)
    acc = load(tmp_path)
    loss = acc.Scalars("loss")
    assert [e.step for e in loss] == [0, 1, 2, 3, 4]
    np.testing.assert_allclose([e.value for e in loss], [1, 1 / 2, 1 / 3, 1 / 4, 1 / 5], rtol=1e-6)
    assert acc.Scalars("tensor_value")[0].value == 2.5
    (h,) = acc.Histograms("weights")
    hv = h.histogram_value
    assert h.step == 3 and hv.num == 1000
    np.testing.assert_allclose(hv.sum, values.numpy().astype(np.float64).sum(), rtol=1e-6)
    np.testing.assert_allclose(hv.min, values.numpy().min())
    assert sum(hv.bucket) == 1000
    (h2,) = acc.Histograms("counts")
    assert list(h2.histogram_value.bucket) == [0, 2, 2, 2, 2, 2]  # empty bucket: left edge
    (im,) = acc.Images("red")
    assert (im.width, im.height) == (10, 8)
    import io

    from PIL import Image

    px = np.asarray(Image.open(io.BytesIO(im.encoded_image_string)))
    assert (
        px.shape == (8, 10, 3)
        and px[0, 0].tolist() == [255, 0, 0]
        and px[0, 9].tolist() == [0, 0, 0]
    )
    g = acc.Images("gray")[0]
    assert np.asarray(Image.open(io.BytesIO(g.encoded_image_string))).max() == 127  # truncated
    assert acc.Images("batch")[0].width == 12  # 5 images -> 3 x 2 grid of 4x4
    (t,) = acc.Tensors("note/text_summary")
    assert t.tensor_proto.string_val[0].decode() == "hello **world**"


def test_add_scalars_writes_one_run_per_curve(tmp_path):
    with SummaryWriter(tmp_path) as w:
        for s in range(3):
            w.add_scalars("loss", {"train": 1.0 - s / 10, "val": 2.0 - s / 10}, s)
    train = load(tmp_path / "loss_train").Scalars("loss")
    val = load(tmp_path / "loss_val").Scalars("loss")
    np.testing.assert_allclose([e.value for e in train], [1.0, 0.9, 0.8], rtol=1e-6)
    np.testing.assert_allclose([e.value for e in val], [2.0, 1.9, 1.8], rtol=1e-6)


def test_add_figure(tmp_path):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 1.5), dpi=50)
    ax.plot([0, 1], [0, 1])
    with SummaryWriter(tmp_path) as w:
        w.add_figure("curve", fig, 0)
    (im,) = load(tmp_path).Images("curve")
    assert (im.width, im.height) == (100, 75)


def test_add_hparams_is_read_by_the_hparams_plugin(tmp_path):
    with SummaryWriter(tmp_path) as w:
        w.add_hparams(
            {"lr": 0.1, "optimizer": "adam", "nesterov": True},
            {"hparam/accuracy": 0.9},
            run_name="trial0",
        )
    acc = load(tmp_path / "trial0")
    content = acc.PluginTagToContent("hparams")
    assert set(content) == {
        "_hparams_/experiment",
        "_hparams_/session_start_info",
        "_hparams_/session_end_info",
    }
    start = plugin_data_pb2.HParamsPluginData.FromString(
        content["_hparams_/session_start_info"]
    ).session_start_info
    assert start.hparams["lr"].number_value == 0.1
    assert start.hparams["optimizer"].string_value == "adam"
    assert start.hparams["nesterov"].bool_value is True
    exp = plugin_data_pb2.HParamsPluginData.FromString(content["_hparams_/experiment"]).experiment
    assert [m.name.tag for m in exp.metric_infos] == ["hparam/accuracy"]
    np.testing.assert_allclose(acc.Scalars("hparam/accuracy")[0].value, 0.9)
    with pytest.raises(ValueError, match="'bad'.*bool, int, float, str"):
        SummaryWriter(tmp_path).add_hparams({"bad": [1]}, {})


def test_add_graph(tmp_path):
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8, 3))
    with SummaryWriter(tmp_path) as w:
        w.add_graph(net, torch.randn(1, 1, 4, 4))
    graph = load(tmp_path).Graph()
    ops = [n.op for n in graph.node]
    assert ops.count("IO Node") == 2 and "Conv2dFn" in ops and "LinearFn" in ops
    by_name = {n.name: n for n in graph.node}
    lin = next(n for n in graph.node if n.op == "LinearFn")
    assert lin.name.startswith("3/")  # grouped under the module's name
    assert by_name[lin.input[0]].op == "Reshape"


def test_default_log_dir_and_raw_reader(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    w = SummaryWriter(comment="_x")
    w.add_scalar("a", 1.0, 0)
    w.close()
    (d,) = glob.glob("runs/*")
    assert d.endswith("_x") and os.path.basename(w.get_logdir()) == os.path.basename(d)
    (f,) = glob.glob(os.path.join(d, "events.out.tfevents.*"))
    events = list(EventFileLoader(f).Load())
    assert events[0].file_version.startswith("brain.Event")


def test_bad_values_and_missing_extra(tmp_path, monkeypatch):
    w = SummaryWriter(tmp_path)
    with pytest.raises(ValueError, match="single number"):
        w.add_scalar("x", np.ones(3))
    with pytest.raises(ValueError, match="dataformats"):
        w.add_image("x", np.ones((4, 4)))
    with pytest.raises(ValueError, match="NaN"):
        w.add_histogram("x", np.array([1.0, np.nan]))
    w.close()
    monkeypatch.setitem(sys.modules, "tensorboard.summary.writer.event_file_writer", None)
    with pytest.raises(ImportError, match=r"nablagrad\[tensorboard\]"):
        SummaryWriter(tmp_path / "y")


def test_same_records_as_torch_summary_writer(tmp_path):
    from torch.utils.tensorboard import SummaryWriter as TorchWriter

    rng = np.random.default_rng(0)
    values = rng.standard_normal(500)
    img = rng.random((3, 4, 5))
    for W, d in ((TorchWriter, tmp_path / "torch"), (SummaryWriter, tmp_path / "ng")):
        w = W(str(d))
        w.add_histogram("h", values, 1)
        w.add_histogram("h5", values, 1, bins=5)
        w.add_histogram("merged", values, 1, bins=10, max_bins=3)
        w.add_image("img", img, 0)
        w.add_scalar("s", 0.25, 3)
        w.add_text("t", "hello", 0)
        w.close()
    t, n = load(tmp_path / "torch"), load(tmp_path / "ng")
    for tag in ("h", "h5", "merged"):
        ht, hn = t.Histograms(tag)[0].histogram_value, n.Histograms(tag)[0].histogram_value
        assert list(hn.bucket) == list(ht.bucket), tag
        np.testing.assert_allclose(hn.bucket_limit, ht.bucket_limit, rtol=1e-12)
        for k in ("min", "max", "num", "sum", "sum_squares"):
            assert getattr(hn, k) == pytest.approx(getattr(ht, k), rel=1e-12)
    assert n.Images("img")[0].encoded_image_string == t.Images("img")[0].encoded_image_string
    assert n.Scalars("s")[0].value == t.Scalars("s")[0].value
    assert (
        n.Tensors("t/text_summary")[0].tensor_proto.string_val
        == t.Tensors("t/text_summary")[0].tensor_proto.string_val
    )


def test_hparams_as_torch_records_them(tmp_path):
    from torch.utils.tensorboard import SummaryWriter as TorchWriter

    hp = {"lr": 0.1, "optimizer": "adam", "batch": 32}
    for W, d in ((TorchWriter, tmp_path / "torch"), (SummaryWriter, tmp_path / "ng")):
        with W(str(d)) as w:
            w.add_hparams(hp, {"hparam/acc": 0.9}, {"optimizer": ["adam", "sgd"]}, "r")
    parsed = []
    for d in (tmp_path / "torch" / "r", tmp_path / "ng" / "r"):
        acc = load(d)
        content = acc.PluginTagToContent("hparams")
        msgs = {k: plugin_data_pb2.HParamsPluginData.FromString(v) for k, v in content.items()}
        msgs["_hparams_/session_start_info"].session_start_info.ClearField("start_time_secs")
        msgs["_hparams_/session_end_info"].session_end_info.ClearField("end_time_secs")
        parsed.append((msgs, acc.Scalars("hparam/acc")[0].value))
    assert parsed[0] == parsed[1]
