"""ONNX export: files pass onnx.checker and onnxruntime reproduces nablagrad's outputs."""

import io
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
import pytest

import nablagrad as torch
import nablagrad.nn.functional as F
from nablagrad import nn
from nablagrad.models import MLP, LeNet5

ATOL = 1e-5


def run_onnx(path_or_proto, feeds):
    data = path_or_proto if isinstance(path_or_proto, bytes) else open(path_or_proto, "rb").read()
    sess = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)


def export_and_compare(net, x, tmp_path, batches=(None,), opset=17, atol=ATOL, **kw):
    """Export with a dynamic batch axis, check the file, compare outputs at several batch sizes."""
    net.eval()
    path = tmp_path / "model.onnx"
    proto = torch.onnx.export(
        net,
        x,
        path,
        input_names=["input"],
        output_names=["output"],
        opset_version=opset,
        dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
        **kw,
    )
    onnx.checker.check_model(onnx.load(path), full_check=True)
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    for b in batches:
        xx = x if b is None else torch.cat([x] * (b // len(x) + 1))[:b]
        (got,) = run_onnx(str(path), {"input": xx.numpy()})
        with torch.no_grad():
            ref = net(xx)
        assert got.shape == tuple(ref.shape)
        np.testing.assert_allclose(got, ref.numpy(), atol=atol, rtol=1e-5)
    return proto


def op_types(proto):
    return [n.op_type for n in proto.graph.node]


def test_mlp_with_every_activation(tmp_path):
    torch.manual_seed(0)
    acts = [
        nn.ReLU(),
        nn.Sigmoid(),
        nn.Tanh(),
        nn.LeakyReLU(0.2),
        nn.ELU(0.7),
        nn.SELU(),
        nn.GELU(),
        nn.GELU("tanh"),
        nn.Softplus(),
        nn.Softplus(beta=2.0),
        nn.SiLU(),
        nn.Mish(),
        nn.Hardtanh(-0.5, 0.5),
        nn.Hardswish(),
        nn.Hardsigmoid(),
        nn.ReLU6(),
    ]
    layers = []
    for a in acts:
        layers += [nn.Linear(6, 6), a]
    net = nn.Sequential(*layers, nn.Dropout(0.5), nn.Linear(6, 3), nn.LogSoftmax(dim=1))
    proto = export_and_compare(net, torch.randn(5, 6) * 2, tmp_path, batches=(None, 1, 17))
    types = set(op_types(proto))
    assert {
        "Gemm",
        "Relu",
        "Sigmoid",
        "Tanh",
        "LeakyRelu",
        "Elu",
        "Selu",
        "Erf",
        "Softplus",
        "Clip",
        "HardSigmoid",
        "LogSoftmax",
    } <= types
    assert "Dropout" not in types  # eval mode: identity


def test_models_mlp_and_gelu_operator_at_opset_20(tmp_path):
    torch.manual_seed(1)
    net = MLP([8, 16, 16, 4], activation="gelu", dropout=0.2)
    proto = export_and_compare(net, torch.randn(4, 8), tmp_path, opset=20)
    assert "Gelu" in op_types(proto)
    proto17 = export_and_compare(net, torch.randn(4, 8), tmp_path, opset=17)
    assert "Gelu" not in op_types(proto17) and "Erf" in op_types(proto17)


def test_lenet5(tmp_path):
    torch.manual_seed(2)
    proto = export_and_compare(LeNet5(), torch.randn(3, 1, 28, 28), tmp_path, batches=(None, 1, 8))
    assert op_types(proto).count("Conv") == 2
    assert "MaxPool" in op_types(proto) or "AveragePool" in op_types(proto)


def test_cnn_with_batchnorm_uses_running_statistics(tmp_path):
    torch.manual_seed(3)
    net = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 8, 3, stride=2, padding="same" if False else 1, groups=2),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.AvgPool2d(2),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(8, 10),
        nn.BatchNorm1d(10),
        nn.Softmax(dim=1),
    )
    net.train()
    for _ in range(3):  # move the running statistics away from 0 / 1
        net(torch.randn(16, 3, 16, 16) * 3 + 1)
    net.eval()
    proto = export_and_compare(net, torch.randn(4, 3, 16, 16), tmp_path, batches=(None, 1, 9))
    types = op_types(proto)
    assert types.count("BatchNormalization") == 3
    assert "GlobalAveragePool" in types and "AveragePool" in types
    assert net[1].training is False  # export left the modes as they were


def test_export_keeps_training_mode_and_exports_eval_behaviour(tmp_path):
    net = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.9))
    net.train()
    torch.onnx.export(net, torch.randn(2, 4), tmp_path / "d.onnx")
    assert net.training and net[1].training
    net.eval()
    (got,) = run_onnx(str(tmp_path / "d.onnx"), {"input": np.ones((2, 4), np.float32)})
    np.testing.assert_allclose(got, net(torch.ones(2, 4)).detach().numpy(), atol=ATOL)


class SeqClassifier(nn.Module):
    def __init__(self, kind, batch_first=True, **kw):
        super().__init__()
        self.emb = nn.Embedding(30, 8)
        self.rnn = kind(8, 6, batch_first=batch_first, **kw)
        self.batch_first = batch_first
        self.fc = nn.Linear(6 * (2 if kw.get("bidirectional") else 1), 4)

    def forward(self, x):
        out = self.rnn(self.emb(x))[0]
        last = out[:, -1] if self.batch_first else out[-1]
        return self.fc(last)


@pytest.mark.parametrize("kind", [nn.LSTM, nn.GRU, nn.RNN])
@pytest.mark.parametrize("kw", [{}, {"num_layers": 2, "bidirectional": True}])
def test_recurrent_classifiers(tmp_path, kind, kw):
    torch.manual_seed(4)
    net = SeqClassifier(kind, **kw)
    x = torch.randint(0, 30, (5, 7))
    proto = export_and_compare(net, x, tmp_path, batches=(None, 1, 11))
    assert op_types(proto).count(kind.__name__) == kw.get("num_layers", 1)
    assert "Gather" in op_types(proto)


def test_lstm_states_and_time_major(tmp_path):
    torch.manual_seed(5)
    lstm = nn.LSTM(3, 4, num_layers=2)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = lstm

        def forward(self, x, h, c):
            out, (hn, cn) = self.lstm(x, (h, c))
            return out, hn, cn

    x, h, c = torch.randn(6, 2, 3), torch.randn(2, 2, 4), torch.randn(2, 2, 4)
    path = tmp_path / "lstm.onnx"
    torch.onnx.export(Net(), (x, h, c), path, input_names=["x", "h0", "c0"])
    got = run_onnx(str(path), {"x": x.numpy(), "h0": h.numpy(), "c0": c.numpy()})
    ref = Net()(x, h, c)
    for g, r in zip(got, ref):
        np.testing.assert_allclose(g, r.detach().numpy(), atol=ATOL)


class Functional(nn.Module):
    """Operations called in forward outside any layer."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(2, 3, 3, padding=1)
        self.norm = nn.LayerNorm(12)
        self.scale = nn.Parameter(torch.tensor(1.5))

    def forward(self, x):
        y = self.conv(x)  # (N, 3, 8)
        y = y.transpose(1, 2).reshape(x.shape[0], -1)  # (N, 24)
        a, b = y[:, :12], y[:, 12:]
        z = torch.cat([a * self.scale + 1, (b - a).abs().sqrt(), torch.exp(-(b**2))], dim=1)
        z = self.norm(z[:, :12]) + z[:, 12:24].mean(dim=1, keepdim=True) / 2
        z = z.clamp(-2, 2) + torch.maximum(z, torch.zeros(1)) + z.sum(1, keepdim=True) ** 2
        z = (1 - z).clamp(z * 0 - 1.5, z * 0 + 1.5)  # rsub; clamp with tensor bounds
        w = F.pad(z[:, None, :], (1, 2)).squeeze(1)
        return F.softmax(w.unsqueeze(-1).expand(-1, -1, 3).permute(0, 2, 1), dim=-1)


@pytest.mark.parametrize("opset", [13, 17, 18])
def test_functional_operations(tmp_path, opset):
    torch.manual_seed(6)
    export_and_compare(
        Functional(), torch.randn(4, 2, 8), tmp_path, batches=(None, 1, 6), opset=opset
    )


def test_unsupported_operation_names_the_op(tmp_path):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)

        def forward(self, x):
            return torch.gather(self.fc(x), 1, torch.tensor([[2, 0], [1, 1]]))

    with pytest.raises(torch.onnx.UnsupportedOperatorError, match="'Gather'"):
        torch.onnx.export(Net(), torch.randn(2, 3), tmp_path / "x.onnx")
    assert not (tmp_path / "x.onnx").exists()


def test_file_object_and_bad_arguments(tmp_path):
    net = nn.Linear(3, 2)
    buf = io.BytesIO()
    torch.onnx.export(net, torch.randn(1, 3), buf)
    (got,) = run_onnx(buf.getvalue(), {"input": np.ones((1, 3), np.float32)})
    np.testing.assert_allclose(got, net(torch.ones(1, 3)).detach().numpy(), atol=ATOL)
    with pytest.raises(ValueError, match="opset_version 9"):
        torch.onnx.export(net, torch.randn(1, 3), buf, opset_version=9)
    with pytest.raises(ValueError, match="neither inputs"):
        torch.onnx.export(net, torch.randn(1, 3), buf, dynamic_axes={"x": [0]})


def test_missing_extra_names_it(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match=r"nablagrad\[onnx\]"):
        torch.onnx.export(nn.Linear(2, 2), torch.randn(1, 2), tmp_path / "m.onnx")


def test_import_nablagrad_loads_no_optional_library():
    code = (
        "import sys, nablagrad, nablagrad.onnx, nablagrad.utils.tensorboard; "
        "print([m for m in ('onnx', 'onnxruntime', 'tensorboard', 'graphviz') "
        "if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_bagging_ensemble_exports_as_log_mean_probability(tmp_path):
    from nablagrad.ensemble import Bagging

    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 4)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    bag = Bagging(lambda: MLP([4, 8, 3]), n_models=3, oob=False, seed=0).fit(X, y, epochs=2)
    proto = export_and_compare(bag, torch.tensor(X[:5]), tmp_path, batches=(None, 1, 13))
    assert op_types(proto).count("Gemm") == 6 and "ReduceLogSumExp" in op_types(proto)
    (logp,) = run_onnx(str(tmp_path / "model.onnx"), {"input": X})
    np.testing.assert_allclose(np.exp(logp), bag.predict_proba(X), atol=ATOL)


def test_unsqueeze_and_squeeze_keep_the_batch_free(tmp_path):
    class Net(nn.Module):
        def forward(self, x):
            return torch.stack([x, 2 * x], 0).unsqueeze(-1).sum(0).squeeze(-1)

    export_and_compare(Net(), torch.randn(3, 4), tmp_path, batches=(None, 1, 7))


def test_values_the_tracer_cannot_see_are_refused(tmp_path):
    class Leaky(nn.Module):
        def forward(self, x):
            return torch.where(x > 0, x, 0.1 * x)  # the comparison is not recorded

    class Branch(nn.Module):
        def forward(self, x):
            return x.exp() if x.sum() > 0 else x.tanh()

    class Noisy(nn.Module):
        def forward(self, x):
            return x + torch.randn(x.shape)

    class InPlace(nn.Module):
        def forward(self, x):
            y = x * 2
            y[:, 0] = 1.0
            return y

    class ArgIndex(nn.Module):
        def forward(self, x):
            return x[:, x[0].argmax()]

    x = torch.tensor([[1.0, -2.0, 3.0], [0.5, 0.5, -1.0]])
    for net, match in [
        (Leaky(), "arguments of 'Where'"),
        (Branch(), "different operations"),
        (Noisy(), "input 1 of 'Add'"),
        (ArgIndex(), "arguments of 'GetItem'"),
        (InPlace(), "changed in place"),
    ]:
        with pytest.raises(torch.onnx.UnsupportedOperatorError, match=match):
            torch.onnx.export(net, x, tmp_path / "x.onnx")


def test_lstm_with_zero_initial_states_made_in_forward(tmp_path):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(3, 4, num_layers=2, batch_first=True)

        def forward(self, x):
            h0 = torch.zeros(2, x.shape[0], 4)
            out, _ = self.lstm(x, (h0, torch.zeros(2, x.shape[0], 4)))
            return out[:, -1]

    torch.manual_seed(7)
    export_and_compare(Net(), torch.randn(3, 5, 3), tmp_path, batches=(None, 1, 8))


def test_fixed_mask_where(tmp_path):
    class Masked(nn.Module):
        def forward(self, x):
            return torch.where(torch.tensor([True, False, True]), x, -x)

    proto = export_and_compare(Masked(), torch.randn(2, 3), tmp_path, batches=(None, 5))
    assert "Where" in op_types(proto)


class MoreMath(nn.Module):
    def forward(self, x):
        a = torch.cat(
            [
                x.amin(1, keepdim=True),
                x.prod(1, keepdim=True),
                x.norm(dim=1, keepdim=True),
                x.norm(p=1, dim=1, keepdim=True),
                x.norm(p=3, dim=1, keepdim=True),
            ],
            1,
        )
        b = torch.cat([(3 * x).floor(), (3 * x).ceil(), (3 * x).round(), (3 * x).trunc()], 1)
        c = x.cumsum(1) + x.flip(1) + x.clone().double().float()
        return torch.cat([a, b, c, x.repeat(1, 2), x[:, :1].repeat(2, 1, 1)[0]], 1)


def test_more_operations(tmp_path):
    x = torch.tensor([[0.5, -1.25, 2.0], [1.5, 0.2, -0.7], [-2.5, 0.1, 0.3]])
    proto = export_and_compare(MoreMath(), x, tmp_path, batches=(None, 2, 5))
    assert {
        "ReduceProd",
        "ReduceL2",
        "ReduceL1",
        "CumSum",
        "Tile",
        "Floor",
        "Round",
        "Cast",
    } <= set(op_types(proto))
