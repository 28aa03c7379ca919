"""Shared by the lucid.data tests: outputs of both libraries as plain comparable data, the operating system's view of
this process's children (read from /proc, so a worker that multiprocessing lost track of still counts), and the
datasets the worker tests share."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

import lucid
from lucid.data import DataLoader, Dataset, IterableDataset, get_worker_info


def plain(value: Any) -> Any:
    """A lucid or torch output as plain data: tensors become (dtype, shape, values), containers keep their type name."""
    if isinstance(value, lucid.Tensor):
        return ("tensor", str(value.dtype), value.shape, value.numpy().tolist())
    if type(value).__module__.startswith("torch") and hasattr(value, "numpy"):
        array = value.numpy()
        return ("tensor", str(array.dtype), tuple(array.shape), array.tolist())
    if isinstance(value, np.ndarray):
        return ("ndarray", str(value.dtype), value.shape, value.tolist())
    if isinstance(value, dict):
        return (type(value).__name__, {k: plain(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [plain(v) for v in value])
    return value


def children() -> dict[int, str]:
    """This process's child processes and their states (R, S, Z, ...), as the kernel lists them."""
    me = os.getpid()
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as f:
                stat = f.read()
        except OSError:
            continue  # it ended while we looked
        state, parent = stat.rsplit(")", 1)[1].split()[:2]
        if int(parent) == me and not _multiprocessing_helper(entry):
            found[int(entry)] = state
    return found


def _multiprocessing_helper(pid: str) -> bool:
    """Python's resource tracker (started once per interpreter by the spawn and forkserver methods, for all pools
    alike) lives as long as the interpreter: it is not a worker."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            command = f.read()
    except OSError:
        return False
    return b"resource_tracker" in command or b"forkserver" in command


def process_state(pid: int) -> str | None:
    """The state letter of any process, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def wait_until(condition: Any, seconds: float = 5.0) -> bool:
    """Poll `condition()` until it holds or `seconds` pass; returns at once when it already holds."""
    deadline = time.monotonic() + seconds
    while True:
        if condition():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)


def assert_workers_gone(before: set[int]) -> None:
    assert wait_until(lambda: not (set(children()) - before), 3.0), f"children left: {set(children()) - before}"


class Records(Dataset):
    """Samples that say which process made them; item 0 is slow, so later batches arrive before the first."""

    def __init__(self, n: int = 23, slow: tuple[int, ...] = (0,)) -> None:
        self.n = n
        self.slow = slow

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> dict[str, Any]:
        if i in self.slow:
            time.sleep(0.05)
        return {"x": np.full((2,), i, dtype=np.float32), "i": i, "name": str(i)}


def batches(loader: DataLoader) -> list[Any]:
    return [plain(b) for b in loader]


class Shards(IterableDataset):
    """Each worker reads every num_workers-th item, as the torch docs suggest; the stream lengths differ."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __iter__(self) -> Iterator[int]:
        info = get_worker_info()
        if info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))
