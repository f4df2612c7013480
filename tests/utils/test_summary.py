"""utils.summary: the counts torchinfo gives for the same PyTorch model."""

import pytest
import torch as T
import torchinfo

import nablagrad as ng

KEYS = [
    "total_params",
    "trainable_params",
    "total_mult_adds",
    "total_output_bytes",
    "total_param_bytes",
]


def lenet_bn(nn):
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2),
        nn.BatchNorm2d(6),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5),
        nn.ReLU(),
        nn.AvgPool2d(2),
        nn.Flatten(),
        nn.Sequential(nn.Linear(400, 120), nn.Sigmoid(), nn.Linear(120, 10)),
    )


def seq_model(nn):
    class C(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(30, 8)
            self.rnn = nn.LSTM(8, 6, batch_first=True, num_layers=2, bidirectional=True)
            self.head = nn.Sequential(nn.Linear(12, 4), nn.ReLU(), nn.Linear(4, 3))

        def forward(self, x):
            return self.head(self.rnn(self.emb(x))[0][:, -1])

    m = C()
    m.emb.weight.requires_grad_(False)
    return m


@pytest.mark.parametrize("depth", [1, 3])
def test_cnn_counts_match_torchinfo(depth):
    t = torchinfo.summary(lenet_bn(T.nn), (4, 1, 28, 28), depth=depth, verbose=0)
    s = ng.utils.summary(lenet_bn(ng.nn), (4, 1, 28, 28), depth=depth, verbose=0)
    for k in KEYS:
        assert getattr(s, k) == getattr(t, k), k
    assert s.total_input == 4 * 28 * 28 * 4
    assert s.total_mult_adds == 4 * (156 * 28 * 28 + 12 + 2416 * 10 * 10 + 48120 + 1210)


def test_recurrent_and_frozen_counts_match_torchinfo():
    t = torchinfo.summary(seq_model(T.nn), input_data=T.zeros(2, 5, dtype=T.long), verbose=0)
    s = ng.utils.summary(seq_model(ng.nn), input_data=ng.zeros(2, 5, dtype=ng.int64), verbose=0)
    for k in KEYS:
        assert getattr(s, k) == getattr(t, k), k
    assert s.non_trainable_params == 240
    text = str(s)
    assert "(240)" in text and "Non-trainable params: 240" in text


def test_table_layout_and_columns(capsys):
    net = lenet_bn(ng.nn)
    stats = ng.utils.summary(
        net,
        (1, 28, 28),
        batch_dim=0,
        depth=1,
        col_names=(
            "input_size",
            "output_size",
            "num_params",
            "kernel_size",
            "mult_adds",
            "trainable",
            "params_percent",
        ),
    )
    printed = capsys.readouterr().out
    assert printed.strip() == str(stats).strip()
    lines = printed.splitlines()
    row = next(line for line in lines if line.startswith("├─Conv2d: 1-1"))
    assert "[1, 1, 28, 28]" in row and "[1, 6, 28, 28]" in row and "[5, 5]" in row
    assert "156" in row and "122,304" in row and "True" in row
    seq = next(line for line in lines if line.startswith("├─Sequential: 1-9"))
    assert "49,330" in seq  # folded children at the depth limit
    assert "Total params: 51,914" in printed
    assert "Estimated Total Size (MB)" in printed


def test_without_input_and_errors():
    stats = ng.utils.summary(lenet_bn(ng.nn), verbose=0)
    assert stats.total_params == 51_914 and stats.total_mult_adds == 0
    assert "│    ├─Linear: 2-1" in str(stats)
    with pytest.raises(ValueError, match="unknown columns"):
        ng.utils.summary(lenet_bn(ng.nn), col_names=("size",), verbose=0)
    with pytest.raises(ValueError, match="not both"):
        ng.utils.summary(lenet_bn(ng.nn), (1, 1, 28, 28), ng.zeros(1, 1, 28, 28), verbose=0)


def test_modes_restored():
    net = lenet_bn(ng.nn)
    net.train()
    ng.utils.summary(net, (2, 1, 28, 28), verbose=0)
    assert all(m.training for m in net.modules())
    assert float(net[1].num_batches_tracked) == 0  # ran in eval mode
