"""The per-thread switch for recording the autograd graph (`no_grad`, `enable_grad`), as in PyTorch."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from lucid._thread_state import state as _state

F = TypeVar("F", bound=Callable[..., Any])


def is_grad_enabled() -> bool:
    """Return True when operations in this thread record the graph needed for `backward`."""
    return _state.grad_enabled


def set_grad_enabled(mode: bool) -> None:
    """Turn graph recording on or off in this thread (other threads keep their own setting; a new thread starts
    with it on)."""
    _state.grad_enabled = bool(mode)


class _GradMode:
    """Context manager and decorator that sets grad mode and restores it on exit.

    Works as `with no_grad():`, `@no_grad()` and `@no_grad` (without parentheses).
    """

    _mode: bool

    def __new__(cls, fn: Callable[..., Any] | None = None) -> Any:
        self = super().__new__(cls)
        if fn is None:
            return self
        if not callable(fn):
            raise TypeError(f"{cls.__name__}() takes no arguments (or decorates a function), got {fn!r}")
        return self(fn)

    def __enter__(self) -> None:
        self._previous = is_grad_enabled()
        set_grad_enabled(self._mode)

    def __exit__(self, *exc: object) -> None:
        set_grad_enabled(self._previous)

    def __call__(self, fn: F) -> F:
        mode = self._mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            previous = is_grad_enabled()
            set_grad_enabled(mode)
            try:
                return fn(*args, **kwargs)
            finally:
                set_grad_enabled(previous)

        return wrapper  # type: ignore[return-value]


class no_grad(_GradMode):  # noqa: N801 - PyTorch's public name
    """Disable graph recording.

    >>> w = lucid.ones(3, requires_grad=True)
    >>> with lucid.no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    """

    _mode = False


class enable_grad(_GradMode):  # noqa: N801 - PyTorch's public name
    """Re-enable graph recording inside a `no_grad` region."""

    _mode = True
