"""The process-wide settings a trace changes, shared by traces running at once in several threads: the cyclic
collector is paused and the recursion limit raised while any trace runs. The first trace to start keeps each
setting as it was and the last to end puts it back, so that interleaved traces never leave either changed.
"""

from __future__ import annotations

import contextlib
import gc
import sys
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_pausing = 0  # how many traces are running with the collector paused
_collecting_before = False
_rooms: dict[int, int] = {}  # id of a running trace's token -> the extra frames it asked for
_limit_before = 0


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (as timeit does) until the block ends, unless another trace still runs."""
    global _pausing, _collecting_before
    with _lock:
        if _pausing == 0:
            _collecting_before = gc.isenabled()
            gc.disable()
        _pausing += 1
    try:
        yield
    finally:
        with _lock:
            _pausing -= 1
            if _pausing == 0 and _collecting_before:
                gc.enable()


@contextlib.contextmanager
def recursion_room(extra_frames: int) -> Iterator[int]:
    """Raise the recursion limit by `extra_frames` above what it was before any trace raised it, until the block
    ends; yields that earlier limit. Traces at once share the highest limit any of them asked for."""
    global _limit_before
    token = object()
    with _lock:
        if not _rooms:
            _limit_before = sys.getrecursionlimit()
        _rooms[id(token)] = extra_frames
        before = _limit_before
        sys.setrecursionlimit(before + max(_rooms.values()))
    try:
        yield before
    finally:
        with _lock:
            del _rooms[id(token)]
            sys.setrecursionlimit(_limit_before + max(_rooms.values(), default=0))
