"""The TensorBoard callback for fit: epoch curves, batch losses, histograms, the graph."""

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import nablagrad as torch
from nablagrad import nn
from nablagrad.train import TensorBoard, fit


def test_fit_logs_epochs_batches_histograms_and_graph(tmp_path):
    torch.manual_seed(0)
    x = torch.randn(40, 3)
    y = (x[:, 0] > 0).long()
    net = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 2))
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    cb = TensorBoard(tmp_path / "tb", update_freq=2, histogram_freq=2)
    hist = fit(
        net,
        (x, y),
        (x[:10], y[:10]),
        nn.CrossEntropyLoss(),
        opt,
        epochs=4,
        batch_size=10,
        callbacks=[cb],
        metrics=["accuracy"],
        progress=False,
    )
    acc = EventAccumulator(str(tmp_path / "tb"), size_guidance={"histograms": 0, "scalars": 0})
    acc.Reload()
    tags = acc.Tags()
    train_loss = acc.Scalars("loss/train")
    assert [e.step for e in train_loss] == [1, 2, 3, 4]
    np.testing.assert_allclose([e.value for e in train_loss], hist["loss"], rtol=1e-6)
    np.testing.assert_allclose(
        [e.value for e in acc.Scalars("accuracy/val")], hist["val_accuracy"], rtol=1e-6
    )
    assert [e.step for e in acc.Scalars("batch/loss")] == [0, 2, 4, 6, 8, 10, 12, 14]
    assert [e.value for e in acc.Scalars("lr")] == pytest.approx([0.1] * 4)
    assert "parameters/0.weight" in tags["histograms"] and "gradients/2.bias" in tags["histograms"]
    assert [e.step for e in acc.Histograms("parameters/0.weight")] == [2, 4]
    w = acc.Histograms("parameters/0.weight")[-1].histogram_value
    np.testing.assert_allclose(w.sum, net[0].weight.detach().numpy().sum(), rtol=1e-5, atol=1e-6)
    assert tags["graph"]


def test_bad_arguments():
    with pytest.raises(ValueError, match="update_freq"):
        TensorBoard(update_freq=0)
    with pytest.raises(ValueError, match="histogram_freq"):
        TensorBoard(histogram_freq=-1)


def test_callback_does_not_change_training(tmp_path):
    def train(callbacks):
        torch.manual_seed(1)
        x = torch.randn(30, 3)
        y = (x[:, 1] > 0).long()
        net = nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.2), nn.Linear(4, 2))
        opt = torch.optim.Adam(net.parameters(), lr=0.05)
        fit(
            net,
            (x, y),
            None,
            nn.CrossEntropyLoss(),
            opt,
            epochs=3,
            batch_size=8,
            generator=torch.Generator().manual_seed(3),
            callbacks=callbacks,
            progress=False,
        )
        return net[0].weight.detach().numpy()

    np.testing.assert_array_equal(train([]), train([TensorBoard(tmp_path)]))
