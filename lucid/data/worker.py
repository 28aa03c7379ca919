"""What runs inside a DataLoader worker process: the loop that reads index lists and sends back batches, the
per-worker seeding, `get_worker_info()`, and the wrapper that carries a worker's exception to the main process.

Messages from the main process to a worker (its own index queue): `(epoch, task, index)`, `Resume(epoch)` for a
new epoch of persistent workers, and None to stop. Back on the shared result queue: `(epoch, task, worker_id,
payload)` where payload is a batch, a `WorkerError` or a `StreamEnd`.
"""

from __future__ import annotations

import multiprocessing.queues
import os
import pickle
import queue
import random
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np

import lucid.random
from lucid._kernels.threads import set_num_threads
from lucid.data.fetch import make_fetcher

POLL_SECONDS = 0.2  # how often an idle worker checks that the main process is still there


class WorkerInfo:
    """Who this worker is: `id` (0 to num_workers - 1), `num_workers`, the `seed` it was seeded with, and its
    copy of the `dataset`. Read-only, as torch's.

    >>> lucid.data.WorkerInfo(id=0, num_workers=2, seed=7, dataset=None)
    WorkerInfo(id=0, num_workers=2, seed=7)
    """

    __initialized = False

    def __init__(self, *, id: int, num_workers: int, seed: int, dataset: Any) -> None:  # noqa: A002 - torch's name
        self.id = id
        self.num_workers = num_workers
        self.seed = seed
        self.dataset = dataset
        self.__initialized = True

    def __setattr__(self, name: str, value: Any) -> None:
        if self.__initialized:
            raise RuntimeError(f"WorkerInfo is read-only: cannot set {name!r}")
        super().__setattr__(name, value)

    def __repr__(self) -> str:
        return f"WorkerInfo(id={self.id}, num_workers={self.num_workers}, seed={self.seed})"


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """In a DataLoader worker process, its `WorkerInfo`; in the main process, None. An IterableDataset uses it to
    give each worker its own share of the stream.

    >>> class Range(lucid.data.IterableDataset):
    ...     def __init__(self, n):
    ...         self.n = n
    ...     def __iter__(self):
    ...         info = lucid.data.get_worker_info()
    ...         if info is None:  # read in the main process: the whole stream
    ...             return iter(range(self.n))
    ...         return iter(range(info.id, self.n, info.num_workers))  # every num_workers-th item
    >>> sorted(int(b) for b in lucid.data.DataLoader(Range(6), batch_size=None, num_workers=2))
    [0, 1, 2, 3, 4, 5]
    """
    return _worker_info


class StreamEnd:
    """A worker's IterableDataset is used up: it sends this in place of a batch."""

    def __init__(self, worker_id: int) -> None:
        self.worker_id = worker_id


class Resume:
    """Persistent workers start epoch `epoch`: an IterableDataset's stream starts again."""

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch


def _picklable(value: Any) -> bool:
    try:
        pickle.dumps(value)
    except Exception:
        return False
    return True


class WorkerError:
    """An exception raised in a worker, carried to the main process as its type and its traceback text (a
    traceback object cannot cross processes)."""

    def __init__(self, error: BaseException, where: str) -> None:
        kind = type(error)
        # A class defined inside a function cannot be pickled by reference: raise a RuntimeError for it instead.
        self.exc_type: type[BaseException] | None = kind if _picklable(kind) else None
        self.type_name = kind.__name__
        self.text = "".join(traceback.format_exception(kind, error, error.__traceback__))
        self.where = where

    def exception(self) -> BaseException:
        """The exception to raise in the main process: the same type, its message naming the worker and holding
        the original traceback text."""
        message = f"Caught {self.type_name} {self.where}.\nOriginal {self.text}"
        if self.exc_type is KeyError:
            return KeyError(_KeyErrorMessage(message))
        if self.exc_type is not None:
            try:
                return self.exc_type(message)
            except Exception:  # an exception type whose constructor wants other arguments
                pass
        return RuntimeError(message)


class _KeyErrorMessage(str):
    """KeyError shows its argument with repr(), which would print the traceback on one line."""

    def __repr__(self) -> str:
        return str(self)


class ResultQueue(multiprocessing.queues.Queue):
    """The queue workers send batches on. A batch that cannot be pickled fails in the queue's background thread,
    where multiprocessing would only print the error and drop the batch, leaving the main process waiting for it;
    here the failure is sent in its place, so the main process raises it."""

    def _on_queue_feeder_error(self, error: Exception, message: Any) -> None:  # type: ignore[override]
        if not (isinstance(message, tuple) and len(message) == 4):
            traceback.print_exc()
            return
        epoch, task, worker_id, payload = message
        failure = WorkerError(error, f"in DataLoader worker process {worker_id} (sending batch {task})")
        if isinstance(payload, WorkerError):  # the error itself would not pickle: send its text alone
            failure.exc_type = None
        self.put((epoch, task, worker_id, failure))


def seed_worker(base_seed: int, worker_id: int) -> int:
    """Seed Python's `random`, lucid's random source and NumPy's global one for this worker; returns the seed."""
    seed = base_seed + worker_id
    random.seed(seed)
    lucid.random.seed(seed)
    np.random.seed(np.random.SeedSequence([worker_id, base_seed]).generate_state(4))
    return seed


def worker_loop(
    iterable: bool,
    dataset: Any,
    index_queue: Any,
    result_queue: Any,
    done_event: Any,
    auto_collation: bool,
    collate_fn: Callable[[Any], Any],
    drop_last: bool,
    base_seed: int,
    init_fn: Callable[[int], None] | None,
    worker_id: int,
    num_workers: int,
    parent_pid: int,
) -> None:
    """A worker process's main function: serve index lists until told to stop or the main process is gone."""
    global _worker_info
    try:
        # One kernel thread per worker, as torch sets one thread: the workers already share the cores, and a
        # thread pool inherited through fork has no threads behind it.
        set_num_threads(1)
        seed = seed_worker(base_seed, worker_id)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
        where = f"in DataLoader worker process {worker_id}"
        init_error: WorkerError | None = None
        fetcher = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = make_fetcher(iterable, dataset, auto_collation, collate_fn, drop_last)
        except Exception as error:
            init_error = WorkerError(error, where)
        _serve(iterable, dataset, index_queue, result_queue, done_event, fetcher, init_error, where, worker_id,
               parent_pid, (auto_collation, collate_fn, drop_last))  # fmt: skip
    except KeyboardInterrupt:
        pass  # Ctrl-C reaches the whole process group; the main process handles it and ends the workers
    if done_event.is_set() or os.getppid() != parent_pid:
        # Exit at once rather than wait to flush batches nobody will read.
        result_queue.cancel_join_thread()
        result_queue.close()


def _serve(
    iterable: bool,
    dataset: Any,
    index_queue: Any,
    result_queue: Any,
    done_event: Any,
    fetcher: Any,
    init_error: WorkerError | None,
    where: str,
    worker_id: int,
    parent_pid: int,
    fetch_options: tuple[bool, Callable[[Any], Any], bool],
) -> None:
    while True:
        try:
            message = index_queue.get(timeout=POLL_SECONDS)
        except queue.Empty:
            if os.getppid() != parent_pid:
                return  # the main process died without ending us
            continue
        if message is None:
            return
        if isinstance(message, Resume):
            if init_error is None:
                try:
                    fetcher = make_fetcher(iterable, dataset, *fetch_options)
                except Exception as error:
                    init_error = WorkerError(error, where)
            continue
        if done_event.is_set():
            continue  # shutting down: skip the work, wait for the stop message
        epoch, task, index = message
        payload: Any
        if init_error is not None:
            payload = init_error
        else:
            try:
                payload = fetcher.fetch(index)
            except StopIteration as error:
                payload = StreamEnd(worker_id) if iterable else WorkerError(error, where)
            except Exception as error:
                payload = WorkerError(error, where)
        result_queue.put((epoch, task, worker_id, payload))
        del payload  # do not hold a batch while waiting for the next message
