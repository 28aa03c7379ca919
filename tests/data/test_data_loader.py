"""DataLoader in the main process (num_workers=0) against torch's on the same datasets: the same batches, structure,
dtypes and len(); seeded shuffling; and the argument checks, naming the argument and the value."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import lucid
from lucid.data import BatchSampler, DataLoader, Dataset, Generator, IterableDataset, SequentialSampler
from tests.data.data_helpers import plain

torch = pytest.importorskip("torch")
torch_data = pytest.importorskip("torch.utils.data")


class Records(Dataset, torch_data.Dataset):
    """Dict samples of arrays, ints, floats and strings: what a real dataset returns."""

    def __init__(self, n: int = 11) -> None:
        self.n = n
        rng = np.random.default_rng(n)
        self.images = rng.random((n, 2, 3), dtype=np.float32)

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> dict[str, Any]:
        return {"image": self.images[i], "label": i % 3, "weight": i / 4, "name": f"item{i}"}


class Stream(IterableDataset, torch_data.IterableDataset):
    def __init__(self, n: int) -> None:
        self.n = n

    def __iter__(self) -> Iterator[tuple[np.ndarray, int]]:
        return ((np.full(2, i, dtype=np.int32), i) for i in range(self.n))

    def __len__(self) -> int:
        return self.n


def first_of_each(batch: list[Any]) -> list[Any]:
    return [sample["label"] for sample in batch]


# (label, dataset, keyword arguments for both loaders)
SAME_CALLS: list[tuple[str, Callable[[], Any], dict[str, Any]]] = [
    ("batch 1", Records, {}),
    ("batch 4", Records, {"batch_size": 4}),
    ("batch 4 drop_last", Records, {"batch_size": 4, "drop_last": True}),
    ("batch 11", Records, {"batch_size": 11}),
    ("batch 20", Records, {"batch_size": 20}),
    ("no batching", Records, {"batch_size": None}),
    ("sampler", Records, {"batch_size": 3, "sampler": [5, 1, 9, 2, 2]}),
    ("batch_sampler", Records, {"batch_sampler": [[3, 1], [0], [10, 4, 7]]}),
    ("collate_fn", Records, {"batch_size": 5, "collate_fn": first_of_each}),
    (
        "tensor dataset",
        lambda: lucid.data.TensorDataset(np.arange(10.0).reshape(5, 2), np.arange(5)),
        {"batch_size": 2},
    ),
    ("stream", lambda: Stream(7), {"batch_size": 3}),
    ("stream drop_last", lambda: Stream(7), {"batch_size": 3, "drop_last": True}),
    ("stream no batching", lambda: Stream(3), {"batch_size": None}),
    ("stream exact", lambda: Stream(6), {"batch_size": 3}),
]


def torch_twin(dataset: Any) -> Any:
    if isinstance(dataset, lucid.data.TensorDataset):
        return torch_data.TensorDataset(*(torch.from_numpy(t) for t in dataset.tensors))
    return dataset


@pytest.mark.parametrize(("label", "make", "kwargs"), SAME_CALLS, ids=[c[0] for c in SAME_CALLS])
def test_batches_and_length_match_torch(label: str, make: Callable[[], Any], kwargs: dict[str, Any]) -> None:
    dataset = make()
    ours = DataLoader(dataset, **kwargs)
    theirs = torch_data.DataLoader(torch_twin(dataset), **kwargs)
    assert [plain(b) for b in ours] == [plain(b) for b in theirs]
    assert len(ours) == len(theirs)


def test_shuffle_is_a_permutation_repeated_by_the_seed() -> None:
    loader = DataLoader(Records(), batch_size=4, shuffle=True)
    lucid.random.seed(5)
    epoch1 = [b["label"].tolist() + b["name"] for b in loader]
    epoch2 = [b["label"].tolist() + b["name"] for b in loader]
    lucid.random.seed(5)
    assert [b["label"].tolist() + b["name"] for b in loader] == epoch1
    assert [b["label"].tolist() + b["name"] for b in loader] == epoch2
    names = [n for batch in epoch1 for n in batch if isinstance(n, str)]
    assert sorted(names) == sorted(f"item{i}" for i in range(11)) and names != sorted(names, key=lambda s: int(s[4:]))
    assert epoch1 != epoch2


@pytest.mark.parametrize("make_generator", [lambda: Generator().manual_seed(7), lambda: np.random.default_rng(7)])
def test_shuffle_from_a_given_generator_ignores_lucid_random(make_generator: Callable[[], Any]) -> None:
    orders = []
    for global_seed in (1, 2):
        lucid.random.seed(global_seed)
        loader = DataLoader(range(12), batch_size=5, shuffle=True, generator=make_generator())
        orders.append([b.tolist() for b in loader])
    assert orders[0] == orders[1]
    assert sorted(functools.reduce(operator.iadd, orders[0], [])) == list(range(12))


def test_pin_memory_is_accepted_and_changes_nothing() -> None:
    plain_batches = [plain(b) for b in DataLoader(Records(), batch_size=3)]
    assert [plain(b) for b in DataLoader(Records(), batch_size=3, pin_memory=True)] == plain_batches


def test_the_loader_describes_its_setup_as_torch_does() -> None:
    loader = DataLoader(Records(), batch_size=3)
    assert isinstance(loader.sampler, SequentialSampler) and isinstance(loader.batch_sampler, BatchSampler)
    assert loader.batch_size == 3 and loader.drop_last is False and loader.num_workers == 0
    assert loader.prefetch_factor is None and DataLoader(Records(), num_workers=2).prefetch_factor == 2
    assert loader.collate_fn is lucid.data.default_collate
    assert DataLoader(Records(), batch_size=None).collate_fn is lucid.data.default_convert
    with pytest.raises(ValueError, match="batch_size cannot be changed after the DataLoader is made"):
        loader.batch_size = 4
    loader.num_workers = 0  # other attributes stay writable, as in torch


def test_len_of_a_stream_without_len_raises_type_error() -> None:
    class Endless(IterableDataset):
        def __iter__(self) -> Iterator[int]:
            return iter(range(3))

    with pytest.raises(TypeError):
        len(DataLoader(Endless()))


ERRORS: list[tuple[str, Callable[[], Any], type[Exception], list[str]]] = [
    ("batch_size 0", lambda: DataLoader(range(4), batch_size=0), ValueError, ["batch_size", "batch_size=0"]),
    ("batch_size negative", lambda: DataLoader(range(4), batch_size=-2), ValueError, ["batch_size=-2"]),
    ("batch_size bool", lambda: DataLoader(range(4), batch_size=True), TypeError, ["batch_size=True"]),
    ("batch_size float", lambda: DataLoader(range(4), batch_size=2.0), TypeError, ["batch_size=2.0"]),
    (
        "shuffle with sampler",
        lambda: DataLoader(range(4), shuffle=True, sampler=[0, 1]),
        ValueError,
        ["sampler", "mutually exclusive", "shuffle"],
    ),
    ("shuffle type", lambda: DataLoader(range(4), shuffle="yes"), TypeError, ["shuffle", "'yes'"]),
    (
        "batch_sampler with batch_size",
        lambda: DataLoader(range(4), batch_size=2, batch_sampler=[[0, 1]]),
        ValueError,
        ["batch_sampler", "mutually exclusive", "batch_size=2"],
    ),
    (
        "batch_sampler with sampler",
        lambda: DataLoader(range(4), sampler=[0], batch_sampler=[[0, 1]]),
        ValueError,
        ["batch_sampler", "sampler=[0]"],
    ),
    (
        "batch_sampler with shuffle",
        lambda: DataLoader(range(4), shuffle=True, batch_sampler=[[0]]),
        ValueError,
        ["batch_sampler", "shuffle=True"],
    ),
    (
        "batch_sampler with drop_last",
        lambda: DataLoader(range(4), drop_last=True, batch_sampler=[[0]]),
        ValueError,
        ["batch_sampler", "drop_last=True"],
    ),
    (
        "no batching with drop_last",
        lambda: DataLoader(range(4), batch_size=None, drop_last=True),
        ValueError,
        ["drop_last"],
    ),
    (
        "stream with shuffle",
        lambda: DataLoader(Stream(3), shuffle=True),
        ValueError,
        ["IterableDataset", "shuffle=True"],
    ),
    ("stream with sampler", lambda: DataLoader(Stream(3), sampler=[0]), ValueError, ["IterableDataset", "sampler=[0]"]),
    ("num_workers negative", lambda: DataLoader(range(4), num_workers=-1), ValueError, ["num_workers=-1"]),
    ("num_workers bool", lambda: DataLoader(range(4), num_workers=True), TypeError, ["num_workers=True"]),
    ("timeout negative", lambda: DataLoader(range(4), num_workers=1, timeout=-1), ValueError, ["timeout=-1"]),
    ("timeout without workers", lambda: DataLoader(range(4), timeout=5), ValueError, ["timeout=5", "num_workers > 0"]),
    ("prefetch without workers", lambda: DataLoader(range(4), prefetch_factor=2), ValueError, ["prefetch_factor=2"]),
    (
        "prefetch zero",
        lambda: DataLoader(range(4), num_workers=1, prefetch_factor=0),
        ValueError,
        ["prefetch_factor=0"],
    ),
    (
        "persistent without workers",
        lambda: DataLoader(range(4), persistent_workers=True),
        ValueError,
        ["persistent_workers"],
    ),
    (
        "context name",
        lambda: DataLoader(range(4), num_workers=1, multiprocessing_context="threads"),
        ValueError,
        ["multiprocessing_context='threads'", "fork"],
    ),
    (
        "context type",
        lambda: DataLoader(range(4), num_workers=1, multiprocessing_context=3),
        TypeError,
        ["multiprocessing_context", "int"],
    ),
    (
        "context without workers",
        lambda: DataLoader(range(4), multiprocessing_context="fork"),
        ValueError,
        ["multiprocessing_context", "num_workers=0"],
    ),
    ("collate_fn", lambda: DataLoader(range(4), collate_fn="stack"), TypeError, ["collate_fn", "str"]),
    ("generator", lambda: DataLoader(range(4), generator=1), TypeError, ["generator", "int"]),
    ("drop_last type", lambda: DataLoader(range(4), drop_last=1), TypeError, ["drop_last=1"]),
]


@pytest.mark.parametrize(("label", "call", "kind", "fragments"), ERRORS, ids=[e[0] for e in ERRORS])
def test_argument_errors(label: str, call: Callable[[], Any], kind: type, fragments: list[str]) -> None:
    with pytest.raises(kind) as caught:
        call()
    message = str(caught.value)
    assert message.startswith("DataLoader")
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
