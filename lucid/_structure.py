"""A process-wide count of changes to module structure, so tools can cache what they derive from a model's tree,
and a journal that lets a tool undo what a forward changed in it.

The count moves whenever any module's table of parameters, buffers or submodules changes (an assignment, a
deletion, a container's insert), and whenever a tensor's `requires_grad` or `data` is set to something else.
viz.trace keeps the module tree it walked and walks again once the count has moved. While a `journal()` is open,
the first change to each table (or to each tensor's `data`, or to a parameter's values written in place) keeps
what it held before, and `undo` puts it back: viz.trace does that around the forward, so a forward that rebinds a
buffer, replaces a submodule or writes into a parameter leaves the model as it was.

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

from lucid.shape_only import MetaArray

_counter = itertools.count(1)
_version = 0
# Open journal: id of a changed table or tensor -> (the object, what it held before its first change).
_journal: dict[int, tuple[Any, Any]] | None = None


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
    if _journal is not None and id(owner) not in _journal:
        _journal[id(owner)] = (owner, dict(owner) if isinstance(owner, dict) else owner._data)


class _Values:
    """An array and a copy of the values it had, kept before an in-place write into a parameter."""

    __slots__ = ("array", "saved")

    def __init__(self, array: Any) -> None:
        self.array = array
        self.saved = array.copy()


def keep_values(owner: Any) -> None:
    """Before an in-place write into `owner` (a parameter): keep a copy of its values in the open journal."""
    # A meta (shape-only) parameter has no values to change.
    if _journal is not None and id(owner) not in _journal and type(owner._data) is not MetaArray:
        _journal[id(owner)] = (owner, _Values(owner._data))


def structure_version() -> int:
    """The current count: equal values mean no module table, `requires_grad` or `data` was set in between."""
    return _version


@contextlib.contextmanager
def journal() -> Iterator[dict[int, tuple[Any, Any]]]:
    """Keep what each table and tensor `data` held before its first change until the block ends."""
    global _journal
    outer, _journal = _journal, {}
    try:
        yield _journal
    finally:
        _journal = outer


def undo(changes: dict[int, tuple[Any, Any]]) -> None:
    """Put back what a journal kept: each table's entries, each tensor's array."""
    for owner, before in changes.values():
        if isinstance(owner, dict):
            dict.clear(owner)
            dict.update(owner, before)
        elif isinstance(before, _Values):
            before.array[...] = before.saved
            owner._data = before.array
        else:
            owner._data = before
    if changes:
        changed()
