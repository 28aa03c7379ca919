"""Worker processes for a DataLoader: starting them, handing out index lists, putting the batches back in the
sampler's order, noticing a dead worker or a timeout, and ending every worker on every way out.

Determinism: task `k` goes to the next worker in turn that has not reported its IterableDataset used up, and a
worker counts as used up only once its end marker is reached in task order. So which worker gets which task, and
therefore the batches and their order, depend only on the data, never on which worker happens to finish first.
"""

from __future__ import annotations

import itertools
import os
import queue
import signal
import time
import weakref
from typing import TYPE_CHECKING, Any

from lucid.data.generator import draw_seed
from lucid.data.loader import BaseIterator
from lucid.data.worker import ResultQueue, Resume, StreamEnd, WorkerError, worker_loop

if TYPE_CHECKING:
    from lucid.data.loader import DataLoader

POLL_SECONDS = 0.1  # how often the main process checks its workers while it waits for a batch
JOIN_SECONDS = 2.0  # how long ending workers may take to finish what they are reading before they are terminated


def _exit_description(code: int | None) -> str:
    if code is None:
        return "no exit status"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


class WorkerPool:
    """The worker processes and their queues. `shutdown` is safe to call any number of times, from any way out,
    and also runs when the iterator is garbage-collected or the interpreter exits."""

    def __init__(self, loader: DataLoader, base_seed: int) -> None:
        context = loader.multiprocessing_context
        if context is None:
            import multiprocessing

            context = multiprocessing.get_context()
        self.closed = False
        self.workers: list[Any] = []
        self.index_queues: list[Any] = []
        self.result_queue = ResultQueue(ctx=context)
        self.done_event = context.Event()
        try:
            for worker_id in range(loader.num_workers):
                index_queue = context.Queue()
                # The main process never waits at exit to flush index lists nobody will read.
                index_queue.cancel_join_thread()
                process = context.Process(
                    target=worker_loop,
                    args=(
                        loader._iterable,
                        loader.dataset,
                        index_queue,
                        self.result_queue,
                        self.done_event,
                        loader._auto_collation,
                        loader.collate_fn,
                        loader.drop_last,
                        base_seed,
                        loader.worker_init_fn,
                        worker_id,
                        loader.num_workers,
                        os.getpid(),
                    ),
                    name=f"lucid-data-worker-{worker_id}",
                    daemon=True,
                )
                process.start()
                self.index_queues.append(index_queue)
                self.workers.append(process)
        except BaseException:
            self.shutdown()
            raise

    def dead_workers(self) -> list[str]:
        """A description of each worker that is no longer running."""
        return [
            f"DataLoader worker {worker_id} (pid {process.pid}) exited unexpectedly "
            f"({_exit_description(process.exitcode)})"
            for worker_id, process in enumerate(self.workers)
            if not process.is_alive()
        ]

    def shutdown(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            self.done_event.set()
            for index_queue in self.index_queues:
                index_queue.put(None)
            deadline = time.monotonic() + JOIN_SECONDS
            for process in self.workers:
                process.join(timeout=max(0.0, deadline - time.monotonic()))
            for process in self.workers:
                if process.is_alive():  # still inside a slow __getitem__
                    process.terminate()
                    process.join(timeout=1.0)
                if process.is_alive():
                    process.kill()
                    process.join()
        finally:
            for index_queue in self.index_queues:
                index_queue.close()
            self.result_queue.cancel_join_thread()
            self.result_queue.close()


class MultiProcessIterator(BaseIterator):
    """Iterates a DataLoader with worker processes (see the module docstring for the order it keeps)."""

    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        self._num_workers = loader.num_workers
        self._prefetch = loader.num_workers * loader.prefetch_factor
        self._timeout = loader.timeout
        self._persistent = loader.persistent_workers
        self._pool = WorkerPool(loader, self._base_seed)
        # Ends the workers when this iterator is garbage-collected or at interpreter exit; it holds the pool,
        # not the iterator, so it does not keep the iterator alive.
        self._finalizer = weakref.finalize(self, self._pool.shutdown)
        self._epoch = 0
        self._start_epoch()

    @property
    def closed(self) -> bool:
        return self._pool.closed

    def reset(self, loader: DataLoader) -> None:
        """A new epoch on the same (persistent) workers: the sampler starts again, and so does each worker's
        IterableDataset stream; batches still on their way from the previous epoch are dropped."""
        self._sampler_iter = iter(self._index_sampler)
        # The workers keep the seeds they started with; the draw keeps lucid's random stream where a fresh
        # iterator would leave it, so shuffled epochs match those of num_workers=0 and of non-persistent workers.
        draw_seed(loader.generator)
        self._num_yielded = 0
        self._epoch += 1
        for index_queue in self._pool.index_queues:
            index_queue.put(Resume(self._epoch))
        self._start_epoch()

    def _start_epoch(self) -> None:
        self._sent = 0  # tasks handed out this epoch
        self._received = 0  # tasks whose result has been consumed, in order
        self._task_worker: dict[int, int] = {}
        self._early: dict[int, Any] = {}  # results that arrived before the ones ahead of them
        self._active = [True] * self._num_workers
        self._turn = itertools.cycle(range(self._num_workers))
        self._sampler_done = False
        for _ in range(self._prefetch):
            self._send_task()

    def _send_task(self) -> None:
        if self._sampler_done:
            return
        for _ in range(self._num_workers):
            worker_id = next(self._turn)
            if self._active[worker_id]:
                break
        else:
            return  # every worker's stream has ended
        try:
            index = next(self._sampler_iter)
        except StopIteration:
            self._sampler_done = True
            return
        self._pool.index_queues[worker_id].put((self._epoch, self._sent, index))
        self._task_worker[self._sent] = worker_id
        self._sent += 1

    def __next__(self) -> Any:
        batch, error = self._next_batch()
        if error is None:
            return batch
        # The traceback of the error raised below holds this frame: without `self` in it, dropping the iterator
        # still ends the workers while the caller keeps the exception (pytest.raises, a logged error).
        del self
        raise error

    def _next_batch(self) -> tuple[Any, BaseException | None]:
        if self._pool.closed:
            return None, StopIteration()
        while True:
            if self._received == self._sent:  # everything handed out is consumed and nothing more can be
                if not self._persistent:
                    self._pool.shutdown()
                return None, StopIteration()
            task = self._received
            if task in self._early:
                payload = self._early.pop(task)
            else:
                message, error = self._receive()
                if error is not None:
                    return None, error
                epoch, arrived, _, payload = message
                if epoch != self._epoch:
                    continue  # left over from an epoch that was cut short
                if arrived != task:
                    self._early[arrived] = payload
                    continue
            worker_id = self._task_worker.pop(task)
            self._received += 1
            if isinstance(payload, StreamEnd):
                self._active[worker_id] = False
                self._send_task()
                continue
            self._send_task()
            if isinstance(payload, WorkerError):
                return None, payload.exception()
            self._num_yielded += 1
            return payload, None

    def _receive(self) -> tuple[Any, BaseException | None]:
        """The next message from any worker; or an error when a worker died or `timeout` passed first."""
        deadline = None if self._timeout == 0 else time.monotonic() + self._timeout
        while True:
            wait = POLL_SECONDS if deadline is None else max(0.0, min(POLL_SECONDS, deadline - time.monotonic()))
            try:
                return self._pool.result_queue.get(timeout=wait), None
            except queue.Empty:
                pass
            dead = self._pool.dead_workers()
            if dead:
                self._pool.shutdown()
                return None, RuntimeError(
                    "; ".join(dead) + "; the DataLoader stopped its other workers (a worker can be killed by the "
                    "system when memory runs out, or crash in native code)"
                )
            if deadline is not None and time.monotonic() >= deadline:
                return None, RuntimeError(f"DataLoader timed out after {self._timeout} seconds waiting for a batch")
