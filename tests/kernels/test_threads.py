"""lucid's kernel threads: every block is run once whatever the count, values do not depend on it, bad counts
are refused, and a worker's error reaches the caller."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pytest

import lucid
from lucid import nn
from lucid._kernels import threads
from lucid._kernels.special import erf, normal_cdf


@pytest.fixture
def restore_threads():
    previous = lucid.get_num_threads()
    yield
    lucid.set_num_threads(previous)


@pytest.mark.parametrize("count", [1, 2, 3, 8])
@pytest.mark.parametrize("size", [0, 1, 999, 1000, 1001, 7777])
def test_every_block_runs_once(restore_threads, count: int, size: int) -> None:
    lucid.set_num_threads(count)
    hits = np.zeros(size, dtype=np.int64)

    def run(start: int, stop: int) -> None:
        assert stop - start <= 1000
        hits[start:stop] += 1

    threads.for_each_block(run, size, 1000)
    assert (hits == 1).all()


def test_the_count_changes_speed_never_values(restore_threads) -> None:
    x = (np.random.default_rng(0).standard_normal(300_000) * 3).astype(np.float32)  # many blocks
    results = []
    for count in (1, 2, 3):
        lucid.set_num_threads(count)
        results.append((normal_cdf(x), erf(x)))
    for cdf, erf_values in results[1:]:
        np.testing.assert_array_equal(cdf, results[0][0])
        np.testing.assert_array_equal(erf_values, results[0][1])


def test_a_workers_error_reaches_the_caller(restore_threads) -> None:
    lucid.set_num_threads(2)

    def run(start: int, stop: int) -> None:
        if start >= 2000:  # a block the worker thread owns
            raise ValueError(f"bad block {start}")

    with pytest.raises(ValueError, match="bad block"):
        threads.for_each_block(run, 4000, 1000)


@pytest.mark.parametrize(
    ("count", "error"), [(0, ValueError), (-2, ValueError), (1.5, TypeError), (True, TypeError), ("2", TypeError)]
)
def test_bad_counts_are_refused(count: object, error: type) -> None:
    with pytest.raises(error, match=f"positive int, got {count!r}"):
        lucid.set_num_threads(count)  # type: ignore[arg-type]


def test_the_default_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LUCID_NUM_THREADS", "3")
    monkeypatch.setenv("OMP_NUM_THREADS", "5")
    assert threads._default_threads() == 3
    monkeypatch.delenv("LUCID_NUM_THREADS")
    assert threads._default_threads() == 5
    monkeypatch.setenv("OMP_NUM_THREADS", "zero")  # not a count: the next source decides
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    assert threads._default_threads() == 2


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX-only")
def test_a_forked_child_runs_blocked_kernels_even_if_the_pool_lock_was_held_at_fork() -> None:
    # DataLoader workers are forked; a parent thread may hold the pool's lock at that moment.
    x = lucid.linspace(-4.0, 4.0, 400_000)  # several blocks, so the pool is used
    nn.functional.gelu(x)
    threads._pool_lock.acquire()
    try:
        pid = os.fork()
        if pid == 0:  # the child: exit 0 only if the kernel ran
            os._exit(0 if nn.functional.gelu(x).shape == (400_000,) else 1)
    finally:
        threads._pool_lock.release()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            return
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    pytest.fail("the forked child hung in a blocked kernel")
