"""DataLoader with worker processes: the same batches as num_workers=0 in the sampler's order whichever worker
finishes first, per-worker seeding and get_worker_info, and a worker's exception raised in the main process with
its traceback. Every test also checks (the no_new_children fixture) that no worker outlived it."""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np
import pytest

import lucid
from lucid.data import DataLoader, Dataset, Generator, get_worker_info
from tests.data.data_helpers import Records, Shards, assert_workers_gone, batches, children


@pytest.mark.parametrize(
    ("workers", "kwargs"),
    [
        (1, {"batch_size": 4}),
        (2, {"batch_size": 4}),
        (3, {"batch_size": 5, "drop_last": True}),
        (2, {"batch_size": 3, "shuffle": True}),
        (2, {"batch_size": None}),
        (2, {"batch_size": 2, "prefetch_factor": 1}),
        (2, {"batch_size": 6, "prefetch_factor": 4, "shuffle": True}),
    ],
)
def test_results_equal_the_main_process_exactly(workers: int, kwargs: dict[str, Any], no_new_children: None) -> None:
    lucid.random.seed(3)
    expected = batches(DataLoader(Records(), **{k: v for k, v in kwargs.items() if k != "prefetch_factor"}))
    lucid.random.seed(3)
    assert batches(DataLoader(Records(), num_workers=workers, **kwargs)) == expected


class Jittery(Dataset):
    """Items take different times (from their index), so workers finish in a scrambled order."""

    def __len__(self) -> int:
        return 30

    def __getitem__(self, i: int) -> int:
        time.sleep(((i * 7919) % 5) * 0.003)
        return i


def test_order_does_not_depend_on_which_worker_finishes_first(no_new_children: None) -> None:
    runs = [[b.tolist() for b in DataLoader(Jittery(), batch_size=2, num_workers=3)] for _ in range(3)]
    assert runs[0] == runs[1] == runs[2] == [[i, i + 1] for i in range(0, 30, 2)]


@pytest.mark.parametrize(
    ("n", "workers", "batch_size", "drop_last"), [(7, 3, 2, False), (10, 2, 3, True), (5, 4, None, False)]
)
def test_iterable_dataset_sharded_through_worker_info(
    n: int, workers: int, batch_size: Any, drop_last: bool, no_new_children: None
) -> None:
    got = [
        b if isinstance(b, int) else b.tolist()
        for b in DataLoader(Shards(n), batch_size=batch_size, num_workers=workers, drop_last=drop_last)
    ]
    # Worker k's batches come in turn with the others' while they last (torch's round robin), each worker in order.
    shards = [list(range(k, n, workers)) for k in range(workers)]
    if batch_size is None:
        per_worker = [[[item] for item in shard] for shard in shards]
    else:
        per_worker = [[shard[s : s + batch_size] for s in range(0, len(shard), batch_size)] for shard in shards]
        if drop_last:
            per_worker = [[b for b in bs if len(b) == batch_size] for bs in per_worker]
    expected, turn = [], 0
    while any(per_worker):
        if per_worker[turn % workers]:
            expected.append(per_worker[turn % workers].pop(0))
        turn += 1
    flat = [[b] if isinstance(b, int) else b for b in got]
    assert flat == expected
    again = [
        b if isinstance(b, int) else b.tolist()
        for b in DataLoader(Shards(n), batch_size=batch_size, num_workers=workers, drop_last=drop_last)
    ]
    assert again == got


class WhoAmI(Dataset):
    def __len__(self) -> int:
        return 8

    def __getitem__(self, i: int) -> dict[str, Any]:
        info = get_worker_info()
        return {
            "id": info.id,
            "num_workers": info.num_workers,
            "seed": info.seed,
            "own_dataset": info.dataset is self,
            "draw": float(lucid.rand(1).numpy()[0]),
            "numpy_draw": float(np.random.random()),
            "pid": os.getpid(),
        }


def test_worker_info_and_per_worker_seeds(no_new_children: None) -> None:
    assert get_worker_info() is None
    lucid.random.seed(21)
    samples = [s for b in DataLoader(WhoAmI(), batch_size=None, num_workers=2) for s in [b]]
    by_worker: dict[int, list[dict[str, Any]]] = {}
    for sample in samples:
        by_worker.setdefault(sample["id"], []).append(sample)
    assert sorted(by_worker) == [0, 1]
    assert all(s["num_workers"] == 2 and s["own_dataset"] for s in samples)
    seeds = {k: v[0]["seed"] for k, v in by_worker.items()}
    assert seeds[1] == seeds[0] + 1  # base_seed + worker id, as torch
    assert len({s["pid"] for s in samples}) == 2 and os.getpid() not in {s["pid"] for s in samples}
    # the workers' random streams differ from each other, and repeat under the same seed
    assert by_worker[0][0]["draw"] != by_worker[1][0]["draw"]
    assert by_worker[0][0]["numpy_draw"] != by_worker[1][0]["numpy_draw"]
    lucid.random.seed(21)
    again = list(DataLoader(WhoAmI(), batch_size=None, num_workers=2))
    assert [(s["seed"], s["draw"], s["numpy_draw"]) for s in again] == [
        (s["seed"], s["draw"], s["numpy_draw"]) for s in samples
    ]
    # a generator given to the loader sets the base seed instead of lucid's random source
    seeded = [
        next(iter(DataLoader(WhoAmI(), batch_size=None, num_workers=1, generator=Generator().manual_seed(5))))["seed"]
        for _ in range(2)
    ]
    assert seeded[0] == seeded[1]


def record_worker_id(worker_id: int) -> None:
    np.random.seed(1000 + worker_id)  # a typical worker_init_fn


class NumpyDraw(Dataset):
    def __len__(self) -> int:
        return 4

    def __getitem__(self, i: int) -> int:
        return int(np.random.randint(0, 1 << 30))


def test_worker_init_fn_runs_in_each_worker(no_new_children: None) -> None:
    out = [int(b) for b in DataLoader(NumpyDraw(), batch_size=None, num_workers=2, worker_init_fn=record_worker_id)]
    np.random.seed(1000)
    first = int(np.random.randint(0, 1 << 30))
    np.random.seed(1001)
    second = int(np.random.randint(0, 1 << 30))
    assert out[0] == first and out[1] == second  # items 0 and 1 go to workers 0 and 1


class Faulty(Dataset):
    def __init__(self, error: BaseException) -> None:
        self.error = error

    def __len__(self) -> int:
        return 12

    def __getitem__(self, i: int) -> int:
        if i == 5:
            raise self.error
        return i


def test_worker_exception_is_reraised_with_worker_id_and_traceback(no_new_children: None) -> None:
    before = set(children())
    with pytest.raises(ValueError) as caught:
        for _ in DataLoader(Faulty(ValueError("bad item five")), batch_size=2, num_workers=2):
            pass
    message = str(caught.value)
    assert "Caught ValueError in DataLoader worker process 0" in message  # batch [4, 5] is task 2: worker 0
    assert "Original Traceback (most recent call last)" in message
    assert "in __getitem__" in message and "raise self.error" in message and "ValueError: bad item five" in message
    # the exception (and its traceback) is still held here, yet the workers are gone
    assert_workers_gone(before)


def test_key_error_message_stays_readable(no_new_children: None) -> None:
    with pytest.raises(KeyError) as caught:
        list(DataLoader(Faulty(KeyError("missing")), batch_size=2, num_workers=1))
    assert "\n" in str(caught.value) and "KeyError: 'missing'" in str(caught.value)


def test_exception_type_that_cannot_be_pickled_becomes_runtime_error(no_new_children: None) -> None:
    class LocalError(Exception):
        pass

    with pytest.raises(RuntimeError, match="Caught LocalError in DataLoader worker process"):
        list(DataLoader(Faulty(LocalError("local")), batch_size=2, num_workers=1))


def test_iteration_may_go_on_after_a_worker_exception(no_new_children: None) -> None:
    it = iter(DataLoader(Faulty(ValueError("five")), batch_size=2, num_workers=2))
    got = []
    while True:
        try:
            got.append(next(it).tolist())
        except ValueError:
            got.append("error")
        except StopIteration:
            break
    assert got == [[0, 1], [2, 3], "error", [6, 7], [8, 9], [10, 11]]  # as torch: the other batches still come
    del it


class Unpicklable(Dataset):
    def __len__(self) -> int:
        return 4

    def __getitem__(self, i: int) -> Any:
        return lambda: i


def test_a_batch_that_cannot_be_sent_raises_instead_of_hanging(no_new_children: None) -> None:
    loader = DataLoader(Unpicklable(), batch_size=2, num_workers=1, collate_fn=list, timeout=10)
    start = time.monotonic()
    with pytest.raises(Exception, match="sending batch 0") as caught:
        list(loader)
    assert "DataLoader timed out" not in str(caught.value)
    assert time.monotonic() - start < 5
