"""Traces that share a module or an input tensor run one after the other.

A trace changes what it traces for the length of the forward: every module's training flag, each buffer's array
(the forward runs on copies) and the tag in each input tensor's `_origin` slot. Two threads tracing the same model
(or one holding a submodule of the other, or given the same input tensor) at once would each restore what the other
had set. So a trace first holds all of its modules and inputs, waiting while another thread's trace holds any of
them; it takes them all at once, so two traces never each hold a part the other waits for. Traces with nothing in
common run at the same time. A trace that a forward starts in the same thread (of the model itself, say) goes in.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable, Iterator

_changed = threading.Condition()
# id of a held module or tensor -> (the thread holding it, how many of that thread's traces hold it). The objects
# are alive while held (the trace refers to them), so their ids are not reused meanwhile.
_held: dict[int, tuple[int, int]] = {}


@contextlib.contextmanager
def held_exclusively(objects: Iterable[object]) -> Iterator[None]:
    """Hold `objects` for this thread until the block ends, once no other thread holds any of them."""
    me = threading.get_ident()
    ids = {id(item) for item in objects}

    def free_for_me() -> bool:
        return all(_held.get(key, (me, 0))[0] == me for key in ids)

    with _changed:
        _changed.wait_for(free_for_me)
        for key in ids:
            _held[key] = (me, _held.get(key, (me, 0))[1] + 1)
    try:
        yield
    finally:
        with _changed:
            for key in ids:
                holder, count = _held[key]
                if count == 1:
                    del _held[key]
                else:
                    _held[key] = (holder, count - 1)
            _changed.notify_all()
