"""Datasets, random_split, Generator and samplers: the behaviour torch.utils.data has for the same calls (orders and
lengths where they are deterministic, the distribution and repeatability where they are random)."""

from __future__ import annotations

import warnings
from collections import Counter

import numpy as np
import pytest

import lucid
from lucid.data import (
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    Generator,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    random_split,
)

torch = pytest.importorskip("torch")
torch_data = pytest.importorskip("torch.utils.data")


def test_tensor_dataset_rows_of_tensors_and_arrays() -> None:
    x = lucid.arange(12).reshape(6, 2)
    y = np.arange(6) * 10
    ds = TensorDataset(x, y)
    assert len(ds) == 6
    row, label = ds[4]
    assert row.tolist() == [8, 9] and label == 40
    assert isinstance(row, lucid.Tensor)
    with pytest.raises(ValueError, match=r"tensor 1 has shape \(5,\)"):
        TensorDataset(x, np.arange(5))
    with pytest.raises(TypeError, match="argument 0 must be a lucid Tensor or a NumPy array, got list"):
        TensorDataset([1, 2])


def test_subset_and_concat_index_like_torch() -> None:
    a, b = list(range(5)), list(range(100, 103))
    ours, theirs = ConcatDataset([a, b]), torch_data.ConcatDataset([a, b])
    assert len(ours) == len(theirs) and ours.cumulative_sizes == theirs.cumulative_sizes
    assert [ours[i] for i in range(-8, 8)] == [theirs[i] for i in range(-8, 8)]
    with pytest.raises(IndexError, match="index 8 is out of range for 8 items"):
        ours[8]
    sub = Subset(ours, [7, 0, 5])
    assert [sub[i] for i in range(3)] == [102, 0, 100] and len(sub) == 3
    assert sub.__getitems__([2, 1]) == [100, 0]
    with pytest.raises(TypeError, match="dataset 0 is an IterableDataset"):
        ConcatDataset([ChainDataset([a])])
    with pytest.raises(ValueError, match="empty"):
        ConcatDataset([])


def test_dataset_addition() -> None:
    class Letters(lucid.data.Dataset):
        def __len__(self) -> int:
            return 2

        def __getitem__(self, i: int) -> str:
            return "ab"[i]

    both = Letters() + Letters()
    assert isinstance(both, ConcatDataset) and [both[i] for i in range(4)] == ["a", "b", "a", "b"]

    class Stream(IterableDataset):
        def __iter__(self):
            return iter("xy")

    assert list(Stream() + Stream()) == ["x", "y", "x", "y"]
    with pytest.raises(NotImplementedError, match="must define __getitem__"):
        lucid.data.Dataset()[0]


@pytest.mark.parametrize(
    ("n", "lengths"),
    [(10, [0.8, 0.2]), (11, [0.5, 0.3, 0.2]), (7, [1 / 3, 1 / 3, 1 / 3]), (10, [3, 7]), (5, [5, 0])],
)
def test_random_split_lengths_match_torch_and_cover_the_dataset(n: int, lengths: list) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an empty split warns in both libraries
        ours = random_split(range(n), lengths, generator=Generator().manual_seed(0))
        theirs = torch_data.random_split(range(n), lengths, generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    assert sorted(i for s in ours for i in s) == list(range(n))


def test_random_split_is_repeatable_and_random() -> None:
    first = [list(s) for s in random_split(range(20), [10, 10], generator=Generator().manual_seed(3))]
    again = [list(s) for s in random_split(range(20), [10, 10], generator=Generator().manual_seed(3))]
    assert first == again and first[0] != list(range(10))
    lucid.random.seed(4)
    by_seed = [list(s) for s in random_split(range(20), [10, 10])]
    lucid.random.seed(4)
    assert [list(s) for s in random_split(range(20), [10, 10])] == by_seed
    numpy_gen = [list(s) for s in random_split(range(20), [10, 10], generator=np.random.default_rng(3))]
    assert sorted(numpy_gen[0] + numpy_gen[1]) == list(range(20))


def test_random_split_errors() -> None:
    with pytest.raises(ValueError, match=r"lengths \[3, 4\] add up to 7, but the dataset has 10 items"):
        random_split(range(10), [3, 4])
    with pytest.raises(ValueError, match=r"fraction 1\.5 at index 0"):
        random_split(range(10), [1.5, -0.5])
    with pytest.raises(TypeError, match="lengths must be a non-empty sequence"):
        random_split(range(10), 5)
    with pytest.raises(TypeError, match=r"generator must be a lucid\.data\.Generator"):
        random_split(range(10), [5, 5], generator=torch.Generator())
    with pytest.warns(UserWarning, match="split 1 is empty"):
        random_split(range(2), [1.0, 0.0])


def test_generator_state_and_seed() -> None:
    g = Generator()
    assert g.initial_seed() == 67280421310721  # torch.Generator()'s default seed: unseeded means repeatable
    state = g.get_state()
    first = list(RandomSampler(range(8), generator=g))
    g.set_state(state)
    assert list(RandomSampler(range(8), generator=g)) == first
    assert list(RandomSampler(range(8), generator=g)) != first  # each draw advances it
    fresh = g.seed()
    assert g.initial_seed() == fresh
    with pytest.raises(ValueError, match="seed must be a non-negative integer, got -1"):
        g.manual_seed(-1)


def test_sequential_and_batch_samplers_match_torch() -> None:
    assert list(SequentialSampler(range(5))) == list(torch_data.SequentialSampler(range(5)))
    for drop_last in (False, True):
        for size in (1, 2, 3, 7):
            ours = BatchSampler(SequentialSampler(range(7)), size, drop_last)
            theirs = torch_data.BatchSampler(torch_data.SequentialSampler(range(7)), size, drop_last)
            assert list(ours) == list(theirs) and len(ours) == len(theirs)


@pytest.mark.parametrize(
    ("kwargs", "n_out"),
    [({}, 10), ({"num_samples": 25}, 25), ({"num_samples": 4}, 4), ({"replacement": True, "num_samples": 70}, 70)],
)
def test_random_sampler_lengths_and_coverage(kwargs: dict, n_out: int) -> None:
    sampler = RandomSampler(range(10), generator=Generator().manual_seed(1), **kwargs)
    out = list(sampler)
    assert len(out) == n_out == len(sampler)
    assert len(torch_data.RandomSampler(range(10), **kwargs)) == n_out
    assert all(isinstance(i, int) and 0 <= i < 10 for i in out)
    if not kwargs.get("replacement"):
        # without replacement: whole permutations, then part of one
        counts = Counter(out)
        assert max(counts.values()) - min(counts.values()) <= 1


def test_random_sampler_epochs_differ_and_repeat_with_the_seed() -> None:
    lucid.random.seed(9)
    sampler = RandomSampler(range(30))
    epoch1, epoch2 = list(sampler), list(sampler)
    assert epoch1 != epoch2 and sorted(epoch1) == list(range(30))
    lucid.random.seed(9)
    assert [list(sampler), list(sampler)] == [epoch1, epoch2]


def test_random_sampler_is_uniform() -> None:
    first_positions = Counter(
        next(iter(RandomSampler(range(4), generator=Generator().manual_seed(s)))) for s in range(2000)
    )
    assert all(abs(first_positions[i] / 2000 - 0.25) < 0.04 for i in range(4))


def test_subset_random_sampler() -> None:
    lucid.random.seed(0)
    picks = list(SubsetRandomSampler([3, 9, 4, 7]))
    assert sorted(picks) == [3, 4, 7, 9] and len(SubsetRandomSampler([3, 9])) == 2


def test_weighted_random_sampler_follows_the_weights() -> None:
    sampler = WeightedRandomSampler([1.0, 3.0, 0.0, 4.0], num_samples=8000, generator=Generator().manual_seed(0))
    counts = Counter(sampler)
    assert counts[2] == 0
    assert abs(counts[1] / 8000 - 3 / 8) < 0.02 and abs(counts[3] / 8000 - 4 / 8) < 0.02
    once = list(WeightedRandomSampler([1.0, 1.0, 5.0], 3, replacement=False, generator=Generator().manual_seed(0)))
    assert sorted(once) == [0, 1, 2]
    with pytest.raises(ValueError, match="cannot draw num_samples=3 without replacement from 2 non-zero weights"):
        WeightedRandomSampler([1.0, 0.0, 1.0], 3, replacement=False)


@pytest.mark.parametrize(
    ("call", "kind", "fragment"),
    [
        (
            lambda: RandomSampler(range(3), replacement=1),
            TypeError,
            "replacement should be a boolean, got replacement=1",
        ),
        (lambda: RandomSampler(range(3), num_samples=0), ValueError, "num_samples should be a positive integer"),
        (lambda: RandomSampler([]), ValueError, "the dataset is empty"),
        (lambda: RandomSampler(range(3), generator=42), TypeError, "generator must be"),
        (
            lambda: BatchSampler(range(3), 0, False),
            ValueError,
            "batch_size should be a positive integer, got batch_size=0",
        ),
        (lambda: BatchSampler(range(3), True, False), ValueError, "batch_size=True"),
        (lambda: BatchSampler(range(3), 2, "no"), TypeError, "drop_last should be a boolean, got drop_last='no'"),
        (lambda: WeightedRandomSampler([[1.0]], 2), ValueError, "non-empty 1-d sequence"),
        (lambda: WeightedRandomSampler([1.0, -1.0], 2), ValueError, "non-negative"),
        (lambda: WeightedRandomSampler([1.0], 0), ValueError, "num_samples=0"),
    ],
)
def test_sampler_errors(call, kind: type, fragment: str) -> None:
    with pytest.raises(kind) as caught:
        call()
    assert fragment in str(caught.value)
