"""lucid's random number source: one NumPy generator, reseeded with `lucid.random.seed(n)`."""

from __future__ import annotations

import copy

import numpy as np

_generator = np.random.default_rng()


def seed(n: int) -> None:
    """Make every later random draw (randn, init, dropout, ...) repeatable."""
    global _generator
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"seed must be a non-negative integer, got {n!r}")
    _generator = np.random.default_rng(int(n))


def generator() -> np.random.Generator:
    """The generator in use (read it at call time: `seed` replaces it)."""
    return _generator


def get_state() -> dict:
    """A snapshot of the generator's state, for `set_state` (like torch.get_rng_state)."""
    return copy.deepcopy(_generator.bit_generator.state)


def set_state(state: dict) -> None:
    """Return the generator to a snapshot taken by `get_state` (even after `seed` replaced it)."""
    global _generator
    if not isinstance(state, dict) or "bit_generator" not in state:
        raise TypeError(f"set_state takes a snapshot from lucid.random.get_state(), got {type(state).__name__}")
    restored = np.random.Generator(getattr(np.random, state["bit_generator"])())
    restored.bit_generator.state = copy.deepcopy(state)
    _generator = restored
