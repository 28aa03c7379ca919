"""lucid's kernel threads: every block is run once whatever the count, values do not depend on it, bad counts
are refused, and a worker's error reaches the caller."""

from __future__ import annotations

import numpy as np
import pytest

import lucid
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
