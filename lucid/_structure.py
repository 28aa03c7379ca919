"""A process-wide count of changes to module structure, so tools can cache what they derive from a model's tree,
and a journal that lets a tool undo what a forward changed in it.

The count moves whenever any module's table of parameters, buffers or submodules changes (an assignment, a
deletion, a container's insert), and whenever a tensor's `requires_grad` or `data` is set to something else.
viz.trace keeps the module tree it walked and walks again once the count has moved. While a `journal()` is open
in a thread, the first change that thread makes to each table (or to each tensor's `data`, or to a parameter's
values written in place, or to each module's plain attributes) keeps what it held before, and `undo` puts it back:
viz.trace does that around the forward, so a forward that rebinds a buffer, replaces a submodule, writes into a
parameter or counts its calls in an attribute leaves the model as it was.

>>> from lucid import nn
>>> before = structure_version()
>>> net = nn.Sequential(nn.Linear(2, 2))
>>> structure_version() > before
True
>>> with journal() as changes:
...     _ = net.append(nn.ReLU())
>>> undo(changes); len(net)
1
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from typing import Any

from lucid._thread_state import state as _state
from lucid.shape_only import MetaArray

# One count for the process: a change in any thread makes every thread's cached walk stale, which is safe.
_counter = itertools.count(1)
_version = 0
# A thread's open journal (_state.journal): id of a changed table or tensor -> (the object, what it held before its
# first change).


def changed(owner: Any = None) -> None:
    """Record that some structure changed (one step of the count); `owner` is the table (a dict) or tensor about
    to change, kept in the open journal the first time."""
    global _version
    _version = next(_counter)
    if owner is not None:
        keep(owner)


def keep(owner: Any) -> None:
    """Keep `owner`'s present state in the open journal without moving the count (a change that leaves the
    structure as it was, such as a tensor's data replaced by an array of the same size)."""
    kept = _state.journal
    if kept is not None and id(owner) not in kept:
        kept[id(owner)] = (owner, dict(owner) if isinstance(owner, dict) else owner._data)


class _Values:
    """An array and a copy of the values it had, kept before an in-place write into a parameter."""

    __slots__ = ("array", "saved")

    def __init__(self, array: Any) -> None:
        self.array = array
        self.saved = array.copy()


def keep_values(owner: Any) -> None:
    """Before an in-place write into `owner` (a parameter): keep a copy of its values in the open journal."""
    # A meta (shape-only) parameter has no values to change.
    kept = _state.journal
    if kept is not None and id(owner) not in kept and type(owner._data) is not MetaArray:
        kept[id(owner)] = (owner, _Values(owner._data))


class _Attributes:
    """A module's instance dict (its plain attributes) as it was before its first change."""

    __slots__ = ("saved",)

    def __init__(self, attributes: dict[str, Any]) -> None:
        self.saved = dict(attributes)


def keep_attributes(module: Any) -> None:
    """Before a plain attribute of `module` (not a parameter, buffer or submodule) is set or deleted: keep its
    instance dict in the open journal. Plain attributes are not structure, so the count stays."""
    kept = _state.journal
    if kept is not None:
        attributes = module.__dict__
        if id(attributes) not in kept:
            kept[id(attributes)] = (attributes, _Attributes(attributes))


def structure_version() -> int:
    """The current count: equal values mean no module table, `requires_grad` or `data` was set in between."""
    return _version


@contextlib.contextmanager
def journal() -> Iterator[dict[int, tuple[Any, Any]]]:
    """Keep what each table and tensor `data` held before its first change in this thread until the block ends."""
    outer, _state.journal = _state.journal, {}
    try:
        yield _state.journal
    finally:
        _state.journal = outer


def undo(changes: dict[int, tuple[Any, Any]]) -> None:
    """Put back what a journal kept: each table's entries, each tensor's array, each module's plain attributes."""
    structural = False
    for owner, before in changes.values():
        if isinstance(before, _Attributes):
            owner.clear()
            owner.update(before.saved)
            continue
        structural = True
        if isinstance(owner, dict):
            dict.clear(owner)
            dict.update(owner, before)
        elif isinstance(before, _Values):
            before.array[...] = before.saved
            owner._data = before.array
        else:
            owner._data = before
    if structural:
        changed()
