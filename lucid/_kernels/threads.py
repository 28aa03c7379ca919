"""The thread count of lucid's own blocked kernels, as `torch.set_num_threads` sets PyTorch's.

NumPy's ufuncs run on one core; BLAS (matmul, so conv and linear) has its own pool, sized by
`OPENBLAS_NUM_THREADS` or `OMP_NUM_THREADS` before NumPy loads. Kernels that make many passes over
cache-sized blocks (GELU's normal CDF, erf) split their blocks over this many threads: NumPy
releases the GIL inside each pass, so the blocks run side by side. Elementwise results do not depend
on the split, so the count changes speed, never values.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

_ENV_VARS = ("LUCID_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")
# Elements per block. Smaller blocks stay in a faster cache but cost more Python calls per element, and those
# calls hold the GIL, so threads then mostly wait for each other: measured on L1's GELU (the normal-CDF kernel,
# ~25 passes) and its backward, 65536 was fastest at batch 1 and 8, on one thread and two.
BLOCK = 65536


def _default_threads() -> int:
    # Follow the BLAS pool when the user sized it, so one setting governs both.
    for name in _ENV_VARS:
        value = os.environ.get(name, "")
        if value.isdigit() and int(value) > 0:
            return int(value)
    return os.cpu_count() or 1


_num_threads = _default_threads()
_pool: ThreadPoolExecutor | None = None
# Kernels run in several user threads at once share the pool: it is made once, and a resize retires the old pool
# only after the work handed to it, never between a kernel's taking the pool and handing it the blocks.
_pool_lock = threading.Lock()


def _forget_pool_in_child() -> None:
    """A forked child (a DataLoader worker) inherits the pool without its threads, and the lock possibly held by
    a parent thread that does not exist in the child: start both afresh there."""
    global _pool, _pool_lock
    _pool = None
    _pool_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_pool_in_child)


def set_num_threads(count: int) -> None:
    """Use `count` threads in lucid's blocked kernels (not in BLAS, whose pool NumPy fixes at import).

    >>> previous = lucid.get_num_threads()
    >>> lucid.set_num_threads(1)
    >>> lucid.get_num_threads()
    1
    >>> lucid.set_num_threads(previous)
    """
    global _num_threads, _pool
    if isinstance(count, bool) or not isinstance(count, int):
        raise TypeError(f"set_num_threads: count must be a positive int, got {count!r}")
    if count < 1:
        raise ValueError(f"set_num_threads: count must be a positive int, got {count!r}")
    with _pool_lock:
        retired = _pool if count != _num_threads else None
        if retired is not None:
            _pool = None
        _num_threads = count
    if retired is not None:
        retired.shutdown(wait=True)  # the blocks already handed to it still run


def get_num_threads() -> int:
    """The thread count of lucid's blocked kernels: `LUCID_NUM_THREADS`, else `OMP_NUM_THREADS`, else
    `OPENBLAS_NUM_THREADS`, else the number of CPUs, unless `set_num_threads` changed it."""
    return _num_threads


def for_each_block(run: Callable[[int, int], None], size: int, block: int = BLOCK) -> None:
    """Call `run(start, stop)` for consecutive blocks of `range(size)`, the blocks shared among the threads.

    Each thread takes one contiguous run of blocks; the caller's thread does the first, so one thread
    (or a single block) costs no hand-off at all.
    """
    starts = range(0, size, block)
    threads = min(_num_threads, len(starts))
    if threads <= 1:
        for start in starts:
            run(start, min(start + block, size))
        return
    per_thread = -(-len(starts) // threads)

    def run_share(first: int) -> None:
        for start in starts[first : first + per_thread]:
            run(start, min(start + block, size))

    shares = range(per_thread, len(starts), per_thread)
    with _pool_lock:
        pool = _executor()
        futures = [] if pool is None else [pool.submit(run_share, first) for first in shares]
    run_share(0)
    if pool is None:  # another thread set the count to 1 since it was read above
        for first in shares:
            run_share(first)
    for future in futures:
        future.result()  # re-raises a worker's exception here


def _executor() -> ThreadPoolExecutor | None:
    """The pool (made on first use), None while the count is 1; called with _pool_lock held."""
    global _pool
    if _pool is None and _num_threads > 1:
        _pool = ThreadPoolExecutor(max_workers=_num_threads - 1, thread_name_prefix="lucid-kernel")
    return _pool
