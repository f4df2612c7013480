"""DataLoader, samplers and data-set combinators against torch.utils.data semantics."""

import numpy as np
import pytest
import torch

import nablagrad as ng
from nablagrad.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    default_collate,
    random_split,
)


def _pair(n=10, d=3):
    x = np.arange(n * d, dtype=np.float32).reshape(n, d)
    y = np.arange(n, dtype=np.int64)
    ng_ds = TensorDataset(ng.tensor(x), ng.tensor(y))
    t_ds = torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    return ng_ds, t_ds


@pytest.mark.parametrize("batch_size", [1, 3, 4, 10, 12])
@pytest.mark.parametrize("drop_last", [False, True])
def test_sequential_batches_match_torch(batch_size, drop_last):
    ng_ds, t_ds = _pair()
    ours = list(DataLoader(ng_ds, batch_size=batch_size, drop_last=drop_last))
    theirs = list(torch.utils.data.DataLoader(t_ds, batch_size=batch_size, drop_last=drop_last))
    assert len(ours) == len(theirs)
    assert len(DataLoader(ng_ds, batch_size=batch_size, drop_last=drop_last)) == len(theirs)
    for (xa, ya), (xb, yb) in zip(ours, theirs):
        np.testing.assert_array_equal(xa.numpy(), xb.numpy())
        np.testing.assert_array_equal(ya.numpy(), yb.numpy())
        assert ya.dtype == ng.int64 and xa.dtype == ng.float32


def test_shuffle_is_a_fresh_permutation_each_epoch_and_seeded():
    ng_ds, _ = _pair(50)
    loader = DataLoader(ng_ds, batch_size=8, shuffle=True, generator=ng.Generator().manual_seed(3))
    e1 = np.concatenate([y.numpy() for _, y in loader])
    e2 = np.concatenate([y.numpy() for _, y in loader])
    assert sorted(e1.tolist()) == list(range(50)) == sorted(e2.tolist())
    assert not np.array_equal(e1, e2) and not np.array_equal(e1, np.arange(50))
    again = DataLoader(ng_ds, batch_size=8, shuffle=True, generator=ng.Generator().manual_seed(3))
    np.testing.assert_array_equal(np.concatenate([y.numpy() for _, y in again]), e1)
    # rows stay paired with their labels
    for x, y in loader:
        np.testing.assert_array_equal(x.numpy()[:, 0], y.numpy() * 3)


def test_shuffle_drop_last_drops_the_short_batch():
    ng_ds, _ = _pair(10)
    sizes = [len(y) for _, y in DataLoader(ng_ds, batch_size=4, shuffle=True, drop_last=True)]
    assert sizes == [4, 4]


class Squares(Dataset):
    """A plain map-style data set (no vectorised path): goes through collate."""

    def __len__(self):
        return 7

    def __getitem__(self, i):
        return {"x": np.full(2, i, dtype=np.float32), "y": i * i, "name": f"s{i}"}


def test_generic_dataset_collate_matches_torch():
    ours = list(DataLoader(Squares(), batch_size=3))
    theirs = list(torch.utils.data.DataLoader(Squares(), batch_size=3))
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a["x"].numpy(), b["x"].numpy())
        np.testing.assert_array_equal(a["y"].numpy(), b["y"].numpy())
        assert a["y"].dtype == ng.int64 and b["y"].dtype == torch.int64
        assert a["name"] == b["name"]


def test_default_collate_tuples_become_lists_like_torch():
    batch = [(1.0, 2), (3.0, 4)]
    ours, theirs = default_collate(batch), torch.utils.data.default_collate(batch)
    assert isinstance(ours, list) and isinstance(theirs, list)
    assert ours[0].dtype == ng.float64 and theirs[0].dtype == torch.float64
    np.testing.assert_array_equal(ours[1].numpy(), theirs[1].numpy())


def test_custom_collate_sampler_and_batch_sampler():
    ng_ds, t_ds = _pair(9)
    sampler = [8, 0, 4, 2]
    ours = [y.tolist() for _, y in DataLoader(ng_ds, batch_size=2, sampler=sampler)]
    theirs = [
        y.tolist() for _, y in torch.utils.data.DataLoader(t_ds, batch_size=2, sampler=sampler)
    ]
    assert ours == theirs == [[8, 0], [4, 2]]
    bs = BatchSampler(SequentialSampler(range(9)), 4, False)
    assert list(bs) == list(torch.utils.data.BatchSampler(range(9), 4, False))
    got = list(DataLoader(ng_ds, batch_sampler=[[1, 2], [5]], collate_fn=lambda b: len(b)))
    assert got == [2, 1]
    sub = SubsetRandomSampler([1, 3, 5], generator=ng.Generator().manual_seed(0))
    assert sorted(sub) == [1, 3, 5]


def test_unbatched_loader_yields_samples():
    ng_ds, _ = _pair(3)
    items = list(DataLoader(ng_ds, batch_size=None))
    assert len(items) == 3 and items[2][1].item() == 2 and items[2][0].shape == (3,)


def test_random_split_subset_concat():
    ng_ds, _ = _pair(10)
    a, b = random_split(ng_ds, [7, 3], generator=ng.Generator().manual_seed(0))
    assert sorted(a.indices + b.indices) == list(range(10))
    fa, fb, fc = random_split(range(10), [0.5, 0.3, 0.2])
    assert (len(fa), len(fb), len(fc)) == (5, 3, 2)
    # torch's rounding of fractions: floor then round-robin remainder
    t_lens = [len(s) for s in torch.utils.data.random_split(range(11), [0.3, 0.3, 0.4])]
    assert [len(s) for s in random_split(range(11), [0.3, 0.3, 0.4])] == t_lens
    sub = Subset(ng_ds, [9, 1])
    assert [y.tolist() for _, y in DataLoader(sub, batch_size=2)] == [[9, 1]]
    cat = ConcatDataset([sub, ng_ds])
    assert len(cat) == 12 and cat[2][1].item() == 0 and cat[-1][1].item() == 9
    assert [y.tolist() for _, y in DataLoader(cat, batch_size=5)][0] == [9, 1, 0, 1, 2]
    with pytest.raises(ValueError, match="summing"):
        random_split(ng_ds, [3, 3])


def test_bad_arguments_are_clear():
    ng_ds, _ = _pair(4)
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(ng_ds, batch_size=0)
    with pytest.raises(ValueError, match="mutually exclusive"):
        DataLoader(ng_ds, shuffle=True, sampler=[0, 1])
    with pytest.raises(ValueError, match="first dimension"):
        TensorDataset(ng.zeros(3, 2), ng.zeros(4))
    with pytest.raises(IndexError, match="out of range"):
        ng_ds[4]
    with pytest.raises(TypeError, match="collate_fn"):
        default_collate([object(), object()])


def test_array_backed_loader_does_not_call_getitem(monkeypatch):
    ng_ds, _ = _pair(20)

    def boom(self, i):
        raise AssertionError("per-sample path used")

    monkeypatch.setattr(TensorDataset, "__getitem__", boom)
    assert sum(len(y) for _, y in DataLoader(ng_ds, batch_size=6, shuffle=True)) == 20
