"""No DataLoader worker is left behind on any way out of the loop: a finished epoch, a break, an exception in the
loop body, a dropped iterator or loader, interpreter exit, a killed worker, a timeout, a killed main process. Checked
in /proc, not only in multiprocessing's own bookkeeping."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import lucid
from lucid.data import DataLoader, Dataset
from tests.data.data_helpers import Records, Shards, assert_workers_gone, batches, children, process_state, wait_until

REPO = Path(__file__).resolve().parents[2]


def loader_of(n: int = 40, **kwargs: Any) -> DataLoader:
    return DataLoader(Records(n, slow=()), batch_size=2, num_workers=2, **kwargs)


def test_workers_end_when_iteration_finishes(no_new_children: None) -> None:
    before = set(children())
    it = iter(loader_of())
    assert len(set(children()) - before) == 2
    assert len(list(it)) == 20
    assert_workers_gone(before)  # while `it` is still referenced


def test_workers_end_on_break(no_new_children: None) -> None:
    before = set(children())
    for _ in loader_of():
        break
    assert_workers_gone(before)


def test_workers_end_on_an_exception_in_the_loop_body(no_new_children: None) -> None:
    before = set(children())
    with pytest.raises(ZeroDivisionError):
        for _ in loader_of():
            _ = 1 / 0
    assert_workers_gone(before)


def test_workers_end_when_the_iterator_is_dropped(no_new_children: None) -> None:
    before = set(children())
    it = iter(loader_of())
    next(it)
    del it  # no gc.collect(): dropping the last reference is enough
    assert_workers_gone(before)


def test_persistent_workers_serve_every_epoch_and_end_with_the_loader(no_new_children: None) -> None:
    before = set(children())
    lucid.random.seed(8)
    reference = DataLoader(Records(15, slow=()), batch_size=4, shuffle=True)
    expected = [batches(reference) for _ in range(3)]
    lucid.random.seed(8)
    loader = DataLoader(Records(15, slow=()), batch_size=4, shuffle=True, num_workers=2, persistent_workers=True)
    epochs = [batches(loader)]
    workers = set(children()) - before
    assert len(workers) == 2  # still running between epochs
    for _batch in loader:  # an epoch cut short: its batches still in flight must not leak into the next
        break
    lucid.random.seed(8)
    epochs = [batches(loader) for _ in range(3)]
    assert epochs == expected
    assert set(children()) - before == workers  # the same processes all along
    del loader
    assert_workers_gone(before)


def test_persistent_workers_restart_iterable_streams(no_new_children: None) -> None:
    loader = DataLoader(Shards(6), batch_size=2, num_workers=2, persistent_workers=True)
    first = [b.tolist() for b in loader]
    assert [b.tolist() for b in loader] == first == [[0, 2], [1, 3], [4], [5]]
    del loader


class Killer(Dataset):
    def __len__(self) -> int:
        return 20

    def __getitem__(self, i: int) -> int:
        if i == 7:
            os.kill(os.getpid(), signal.SIGKILL)
        return i


def test_a_killed_worker_raises_instead_of_hanging(no_new_children: None) -> None:
    before = set(children())
    start = time.monotonic()
    with pytest.raises(RuntimeError) as caught:
        for _ in DataLoader(Killer(), batch_size=2, num_workers=2):
            pass
    message = str(caught.value)
    assert "DataLoader worker 1 (pid" in message and "exited unexpectedly (killed by SIGKILL)" in message
    assert time.monotonic() - start < 5
    assert_workers_gone(before)


class Stuck(Dataset):
    def __len__(self) -> int:
        return 4

    def __getitem__(self, i: int) -> int:
        if i == 1:
            time.sleep(1.0)
        return i


def test_timeout_raises_runtime_error(no_new_children: None) -> None:
    before = set(children())
    it = iter(DataLoader(Stuck(), batch_size=1, num_workers=1, timeout=0.2))
    assert next(it).tolist() == [0]
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 0.2 seconds"):
        next(it)
    assert time.monotonic() - start < 0.8  # raised at the timeout, not when the slow item finished
    del it  # ending the worker waits for the slow item, then it is gone
    assert_workers_gone(before)


def test_spawn_start_method(no_new_children: None) -> None:
    dataset = lucid.data.TensorDataset(np.arange(12.0).reshape(6, 2), np.arange(6))
    expected = batches(DataLoader(dataset, batch_size=4))
    assert batches(DataLoader(dataset, batch_size=4, num_workers=1, multiprocessing_context="spawn")) == expected


def run_script(body: str) -> subprocess.CompletedProcess:
    script = textwrap.dedent(
        """
        import os, signal, sys
        import numpy as np
        import lucid.data as D

        class Pids(D.Dataset):
            def __len__(self):
                return 40
            def __getitem__(self, i):
                return os.getpid()
        """
    ) + textwrap.dedent(body)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)


def worker_pids(result: subprocess.CompletedProcess) -> list[int]:
    lines = [line for line in result.stdout.splitlines() if line.startswith("pids")]
    assert lines, result.stdout + result.stderr
    return [int(p) for p in lines[0].split()[1:]]


def gone(pid: int) -> bool:
    return process_state(pid) in (None, "Z")  # a zombie has ended; only its parent's reaper is missing


def all_gone(pids: list[int], seconds: float) -> bool:
    """Whether every process in `pids` ends within `seconds`; any still running are killed, so a failing test
    leaves nothing behind."""
    ended = wait_until(lambda: all(gone(p) for p in pids), seconds)
    for pid in pids:
        if not gone(pid):
            os.kill(pid, signal.SIGKILL)
    return ended


@pytest.mark.parametrize("cut_short", [False, True])
def test_persistent_workers_end_at_interpreter_exit(cut_short: bool) -> None:
    result = run_script(
        f"""
        loader = D.DataLoader(Pids(), batch_size=2, num_workers=2, persistent_workers=True)
        pids = sorted({{int(p) for batch in loader for p in batch.tolist()}})
        if {cut_short}:
            it = iter(loader)
            next(it)  # the interpreter exits with batches still in flight
        print("pids", *pids, flush=True)
        """
    )
    assert result.returncode == 0, result.stderr
    pids = worker_pids(result)
    assert len(pids) == 2
    assert all_gone(pids, 3.0)


def test_workers_end_when_the_main_process_is_killed() -> None:
    result = run_script(
        """
        it = iter(D.DataLoader(Pids(), batch_size=2, num_workers=2))
        pids = sorted({int(p) for _ in range(4) for p in next(it).tolist()})
        print("pids", *pids, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    assert result.returncode == -signal.SIGKILL
    pids = worker_pids(result)
    assert all_gone(pids, 5.0)


def test_no_worker_outlives_a_collected_persistent_loader_cycle(no_new_children: None) -> None:
    before = set(children())
    loader = DataLoader(Records(8, slow=()), batch_size=2, num_workers=1, persistent_workers=True)
    list(loader)
    loader.self_reference = loader  # a reference cycle: only the garbage collector can free it
    del loader
    gc.collect()
    assert_workers_gone(before)
