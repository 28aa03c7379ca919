"""Hook tables and the removable handles `register_*_hook` returns."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

Hook = Callable[..., Any]

_next_id = itertools.count()


class RemovableHandle:
    """Removes one registered hook; also a context manager that removes it on exit.

    >>> net = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
    >>> def show(module, inputs, output):
    ...     print(type(module).__name__, inputs[0].shape, "->", output.shape)
    >>> with net.register_forward_hook(show):
    ...     y = net(lucid.randn(2, 4))
    Sequential (2, 4) -> (2, 8)
    >>> y = net(lucid.randn(2, 4))  # the hook is gone: nothing printed
    """

    def __init__(self, table: dict[int, Any]) -> None:
        self._table = table
        self.id = next(_next_id)

    def remove(self) -> None:
        self._table.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def add_hook(table: dict[int, Any], entry: Any) -> RemovableHandle:
    """Insert `entry` at the end of `table` (hooks run in registration order)."""
    handle = RemovableHandle(table)
    table[handle.id] = entry
    return handle


class GlobalHookTable(dict[int, tuple[Hook, bool]]):
    """A table of global hooks (handle id -> (hook, with_kwargs)) that also keeps its entries as a tuple.

    Every module call reads the global tables, and must not iterate a table itself, since a hook may remove
    itself while running. `entries` is that snapshot, made when the table changes instead of on every call
    (copying the tables was half the cost of calling through a do-nothing hook). Every mutator renews it.
    """

    def __init__(self) -> None:
        super().__init__()
        self.entries: tuple[tuple[Hook, bool], ...] = ()

    def _renew(self) -> None:
        self.entries = tuple(self.values())

    def __setitem__(self, key: int, value: tuple[Hook, bool]) -> None:
        super().__setitem__(key, value)
        self._renew()

    def __delitem__(self, key: int) -> None:
        super().__delitem__(key)
        self._renew()

    def pop(self, key: int, *default: Any) -> Any:
        try:
            return super().pop(key, *default)
        finally:
            self._renew()

    def popitem(self) -> tuple[int, tuple[Hook, bool]]:
        try:
            return super().popitem()
        finally:
            self._renew()

    def clear(self) -> None:
        super().clear()
        self._renew()

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        self._renew()

    def setdefault(self, key: int, default: Any = None) -> Any:
        try:
            return super().setdefault(key, default)
        finally:
            self._renew()

    def __ior__(self, other: Any) -> GlobalHookTable:
        super().__ior__(other)
        self._renew()
        return self


# Hooks that fire for every module call, as torch.nn.modules.module.register_module_forward_hook.
global_forward_pre_hooks = GlobalHookTable()
global_forward_hooks = GlobalHookTable()


def register_module_forward_pre_hook(hook: Hook, *, with_kwargs: bool = False) -> RemovableHandle:
    """Call `hook(module, args)` (or `hook(module, args, kwargs)`) before every module's forward.

    A non-None return replaces the positional args (or, with kwargs, an `(args, kwargs)` pair).
    """
    return add_hook(global_forward_pre_hooks, (hook, with_kwargs))


def register_module_forward_hook(hook: Hook, *, with_kwargs: bool = False) -> RemovableHandle:
    """Call `hook(module, args, output)` (or `hook(module, args, kwargs, output)`) after every forward.

    A non-None return replaces the output.
    """
    return add_hook(global_forward_hooks, (hook, with_kwargs))
