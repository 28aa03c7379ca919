"""lucid's random number source: one NumPy generator, reseeded with `lucid.random.seed(n)`."""

from __future__ import annotations

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
