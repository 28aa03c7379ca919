"""lucid's random number source: one NumPy generator shared by all threads, reseeded with `lucid.random.seed(n)`;
inside `fork_rng()` a thread draws from a copy of its own instead."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator

import numpy as np

from lucid._thread_state import state as _state

_shared = np.random.default_rng()


def seed(n: int) -> None:
    """Make every later random draw (randn, init, dropout, ...) repeatable; inside `fork_rng()` only this thread's
    draws until the block ends."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"seed must be a non-negative integer, got {n!r}")
    _use(np.random.default_rng(int(n)))


def generator() -> np.random.Generator:
    """The generator in use in this thread (read it at call time: `seed` replaces it)."""
    forked = _state.generator
    return _shared if forked is None else forked


def get_state() -> dict:
    """A snapshot of the generator's state, for `set_state` (like torch.get_rng_state)."""
    return copy.deepcopy(generator().bit_generator.state)


def set_state(state: dict) -> None:
    """Return the generator to a snapshot taken by `get_state` (even after `seed` replaced it)."""
    if not isinstance(state, dict) or "bit_generator" not in state:
        raise TypeError(f"set_state takes a snapshot from lucid.random.get_state(), got {type(state).__name__}")
    restored = np.random.Generator(getattr(np.random, state["bit_generator"])())
    restored.bit_generator.state = copy.deepcopy(state)
    _use(restored)


@contextlib.contextmanager
def fork_rng() -> Iterator[None]:
    """Inside the block this thread draws from a copy of the generator in use, so the draws (and any `seed`) leave
    the generator as it was, for this thread and every other: like torch.random.fork_rng, without rewinding what
    other threads drew meanwhile. Nestable.

    >>> before = get_state()
    >>> with fork_rng():
    ...     _ = lucid.randn(3)
    >>> get_state() == before
    True
    """
    outer = _state.generator
    _state.generator = copy.deepcopy(generator())
    try:
        yield
    finally:
        _state.generator = outer


def _use(new: np.random.Generator) -> None:
    """Make `new` the generator in use: this thread's fork if one is open, else the shared one."""
    global _shared
    if _state.generator is not None:
        _state.generator = new
    else:
        _shared = new
