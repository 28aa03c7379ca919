"""A process-wide count of changes to module structure, so tools can cache what they derive from a model's tree.

It moves whenever any module's table of parameters, buffers or submodules changes (an assignment, a deletion, a
container's insert), and whenever a tensor's `requires_grad` or `data` is set. viz.trace keeps the module tree it
walked and walks again once the count has moved.

>>> from lucid import nn
>>> before = structure_version()
>>> net = nn.Sequential(nn.Linear(2, 2))
>>> structure_version() > before
True
"""

from __future__ import annotations

import itertools

_counter = itertools.count(1)
_version = 0


def changed() -> None:
    """Record that some structure changed (one step of the count)."""
    global _version
    _version = next(_counter)


def structure_version() -> int:
    """The current count: equal values mean no module table, `requires_grad` or `data` was set in between."""
    return _version
