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
    with pytest.raises(AssertionError, match="Size mismatch"):  # torch's type ...
        TensorDataset(ng.zeros(3, 2), ng.zeros(4))
    with pytest.raises(ValueError, match="first dimension"):  # ... and still a ValueError
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


# -- differential checks against torch.utils.data (diff-data) ----------------------------------


def _both(fn):
    """``fn(torch_like_module, data_module)`` for torch and nablagrad."""
    return fn(torch, torch.utils.data), fn(ng, ng.utils.data)


def _plain(x):
    """A comparable form of a batch: container types, tensor dtypes/shapes/values."""
    if isinstance(x, (torch.Tensor, ng.Tensor)):
        return ("T", str(x.dtype).split(".")[-1], tuple(x.shape), x.tolist())
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return (type(x).__name__, tuple(_plain(v) for v in x))
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [_plain(v) for v in x])
    if isinstance(x, np.ndarray):
        return ("np", str(x.dtype), x.tolist())
    return (type(x).__name__, x)


class _Count:
    """An IterableDataset of range(n), without a length."""

    @staticmethod
    def make(D, n):
        class Count(D.IterableDataset):
            def __iter__(self):
                return iter(range(n))

        return Count()


def test_iterable_dataset_without_len_iterates_and_len_is_a_type_error():
    for _t, D in ((torch, torch.utils.data), (ng, ng.utils.data)):
        ds = _Count.make(D, 5)
        batches = [b.tolist() for b in D.DataLoader(ds, batch_size=2)]
        assert batches == [[0, 1], [2, 3], [4]]
        assert [b.tolist() for b in D.DataLoader(ds, batch_size=2, drop_last=True)] == [
            [0, 1],
            [2, 3],
        ]
        assert list(D.DataLoader(ds, batch_size=None)) == [0, 1, 2, 3, 4]
        assert list(D.ChainDataset([ds, _Count.make(D, 2)])) == [0, 1, 2, 3, 4, 0, 1]
        with pytest.raises(TypeError):
            len(D.DataLoader(ds, batch_size=2))
        with pytest.raises(TypeError):
            len(D.ChainDataset([ds]))
        with pytest.raises(TypeError):  # the base classes define no __len__
            len(D.Dataset())
        with pytest.raises(TypeError):
            len(D.Sampler())
        with pytest.raises(NotImplementedError):
            ds[0]


def test_dataset_combinator_errors_match_torch():
    for t, D in ((torch, torch.utils.data), (ng, ng.utils.data)):
        with pytest.raises(AssertionError):
            D.TensorDataset(t.zeros(3), t.zeros(4))
        with pytest.raises(IndexError):
            len(D.TensorDataset())
        with pytest.raises(IndexError):
            D.TensorDataset(t.tensor(1.0))
        with pytest.raises(AssertionError):
            D.ConcatDataset([])
        with pytest.raises(AssertionError):
            D.ConcatDataset([_Count.make(D, 2)])
        with pytest.raises(AssertionError):
            list(D.ChainDataset([[1, 2]]))
        cat = D.ConcatDataset([[0, 1, 2], [], [10, 11, 12, 13, 14]])
        assert cat.cumulative_sizes == [3, 3, 8] and [cat[-8], cat[3], cat[-1]] == [0, 10, 14]
        with pytest.raises(ValueError):  # torch: ValueError below -len, IndexError above len
            cat[-9]
        with pytest.raises(IndexError):
            cat[8]


def test_subset_keeps_indices_and_forwards_lists_and_getitems():
    def run(t, D):
        class Batched(D.Dataset):
            def __getitem__(self, i):
                return i

            def __getitems__(self, idx):
                return [100 + i for i in idx]

            def __len__(self):
                return 5

        sub = D.Subset(D.TensorDataset(t.arange(10)), [3, 1, 4])
        via = D.Subset(Batched(), [4, 3, 2])
        return (
            _plain(sub[[0, 2]]),
            type(sub.indices).__name__,
            _plain(list(D.DataLoader(via, batch_size=2))),
            _plain(list(D.DataLoader(Batched(), batch_size=2))),
        )

    ours, theirs = _both(run)[::-1]
    assert ours == theirs


@pytest.mark.parametrize(
    "lengths", [[3, 7], [0.3, 0.7], [0.33, 0.33, 0.34], [0.1] * 10, [0.25] * 4, [0.7, 0.2, 0.1]]
)
def test_random_split_lengths_match_torch(lengths):
    def run(t, D):
        parts = D.random_split(range(10), lengths, generator=t.Generator().manual_seed(0))
        return [len(p) for p in parts], sorted(i for p in parts for i in p.indices)

    theirs, ours = _both(run)
    assert ours == theirs and ours[1] == list(range(10))


def test_random_split_errors_match_torch():
    for _t, D in ((torch, torch.utils.data), (ng, ng.utils.data)):
        with pytest.raises(ValueError):
            D.random_split(range(10), [3, 3])
        with pytest.raises(ValueError):
            D.random_split(range(10), [1.5, -0.5])
        with pytest.raises(TypeError):
            D.random_split(range(10), [2.5, 7.5])


def test_dataloader_batches_are_lists_and_collate_fn_is_default_collate():
    def run(t, D):
        td = D.TensorDataset(t.arange(5.0), t.arange(5))
        loader = D.DataLoader(td, batch_size=2)
        unbatched = D.DataLoader(td, batch_size=None)
        return (
            _plain(list(loader)),
            _plain(list(D.DataLoader(D.Subset(td, [4, 0, 2]), batch_size=2))),
            _plain(list(unbatched)),
            _plain(list(D.DataLoader([1, 2.0, np.float32(3), np.arange(2)], batch_size=None))),
            loader.collate_fn.__name__,
            unbatched.collate_fn.__name__,
        )

    theirs, ours = _both(run)
    assert ours == theirs


def test_dataloader_option_errors_match_torch():
    for _t, D in ((torch, torch.utils.data), (ng, ng.utils.data)):
        with pytest.raises(ValueError):
            D.DataLoader(list(range(3)), batch_size=None, drop_last=True)
        with pytest.raises(ValueError):
            D.DataLoader(list(range(3)), batch_size=2.0)
        loader = D.DataLoader(list(range(3)), batch_sampler=[[0, 1], [2]])
        assert (loader.batch_size, loader.drop_last) == (None, False)
        for name, value in (("batch_size", 2), ("sampler", None), ("drop_last", True)):
            with pytest.raises(ValueError, match="after"):
                setattr(loader, name, value)
        # samplers may yield any key the data set takes (torch passes them through)
        keyed = D.DataLoader({"a": 1, "b": 2, "c": 3}, sampler=["a", "c", "b"], batch_size=2)
        assert [b.tolist() for b in keyed] == [[1, 3], [2]]


P = __import__("collections").namedtuple("P", "x y")


@pytest.mark.parametrize(
    "make",
    [
        lambda t: [1, 2.5],
        lambda t: [True, False],
        lambda t: [1.0, 2.5],
        lambda t: [np.float32(1), np.float32(2)],
        lambda t: [np.int32(1), np.int32(2)],
        lambda t: [np.ones(2, np.float32), np.zeros(2, np.float32)],
        lambda t: [(1, 2.0), (3, 4.0)],
        lambda t: [P(1, 2.0), P(3, 4.0)],
        lambda t: [range(2), range(2)],
        lambda t: [{"a": (t.ones(2), [1, "s"])}, {"a": (t.zeros(2), [2, "t"])}],
    ],
)
def test_default_collate_matches_torch(make):
    def run(t, D):
        collate = torch.utils.data.default_collate if t is torch else ng.utils.data.default_collate
        return _plain(collate(make(t)))

    theirs, ours = _both(run)
    assert ours == theirs


def test_default_collate_errors_match_torch():
    for collate in (torch.utils.data.default_collate, default_collate):
        with pytest.raises(RuntimeError):
            collate([[1, 2], [1]])
        with pytest.raises(IndexError):
            collate([])
        with pytest.raises(TypeError):
            collate([1, "a"])
        with pytest.raises(TypeError):
            collate([np.array(["a"])])


@pytest.mark.parametrize(
    "make",
    [
        lambda t: np.ones(2, np.float32),
        lambda t: np.float32(1),
        lambda t: (np.ones(2), 3),
        lambda t: {"a": np.ones(2)},
        lambda t: P(np.ones(1), 2),
        lambda t: "abc",
        lambda t: np.array(["a"]),
        lambda t: t.ones(2),
    ],
)
def test_default_convert_matches_torch(make):
    from torch.utils.data import default_convert as torch_convert

    from nablagrad.utils.data import default_convert

    assert _plain(default_convert(make(ng))) == _plain(torch_convert(make(torch)))


def test_sampler_arguments_and_attributes_match_torch():
    def run(t, D):
        sub = D.SubsetRandomSampler(t.tensor([5, 7, 9]))
        weighted = D.WeightedRandomSampler([1, 2], 1)
        return (
            sorted(int(i) for i in sub),
            [type(i).__name__ for i in sub],
            _plain(weighted.weights),
            _plain(D.SubsetRandomSampler([5, 7]).indices),
        )

    theirs, ours = _both(run)
    assert ours == theirs
    for _t, D in ((torch, torch.utils.data), (ng, ng.utils.data)):
        with pytest.raises(TypeError):
            D.RandomSampler(range(3), replacement=1)
        with pytest.raises(ValueError):
            D.RandomSampler([])
        with pytest.raises(ValueError):
            D.BatchSampler(range(7), 2, 0)
        # weights are checked when drawing, as torch.multinomial does
        for weights, n, repl in (
            ([1.0, -1.0], 3, True),
            ([0.0, 0.0], 1, True),
            ([1.0] * 3, 4, False),
        ):
            s = D.WeightedRandomSampler(weights, n, replacement=repl)
            with pytest.raises(RuntimeError):
                list(s)
        # without replacement, zero-weight indices come last once the others are drawn
        draws = list(D.WeightedRandomSampler([1.0, 0.0, 1.0], 3, replacement=False))
        assert sorted(draws[:2]) == [0, 2] and draws[2] == 1


def test_multinomial_without_replacement_draws_zero_weights_last_as_torch():
    for t in (torch, ng):
        draws = t.multinomial(t.tensor([[0.0, 0.0, 1.0], [1.0, 0.0, 1.0]]), 3)
        assert draws[0, 0].item() == 2 and sorted(draws[0].tolist()) == [0, 1, 2]
        assert sorted(draws[1, :2].tolist()) == [0, 2] and draws[1, 2].item() == 1
        with pytest.raises(RuntimeError):
            t.multinomial(t.tensor([1.0, 1.0]), 3)
