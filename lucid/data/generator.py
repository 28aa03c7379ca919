"""Where the data pipeline's random draws come from: a `Generator` the user seeds, a NumPy Generator, or lucid's own
random source (`lucid.random`), so `lucid.random.seed(n)` makes shuffling and splits repeatable."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

import lucid.random

# torch.Generator() starts from this seed too: an unseeded Generator is repeatable, not random.
DEFAULT_SEED = 67280421310721
SEED_BOUND = 2**63  # seeds are drawn in [0, 2**63), the range of torch's int64 `random_()`

GeneratorLike = Any  # Generator | np.random.Generator | None


class Generator:
    """A seedable random source for samplers, `random_split` and `DataLoader`, like `torch.Generator`.

    Every draw advances it, so two epochs shuffled from one Generator differ, and reseeding repeats them.

    >>> g = lucid.data.Generator().manual_seed(42)
    >>> first = list(lucid.data.RandomSampler(range(5), generator=g))
    >>> _ = g.manual_seed(42)
    >>> list(lucid.data.RandomSampler(range(5), generator=g)) == first
    True
    """

    def __init__(self, seed: int | None = None) -> None:
        self.manual_seed(DEFAULT_SEED if seed is None else seed)

    def manual_seed(self, seed: int) -> Generator:
        """Restart from `seed` (a non-negative int); returns the generator, as torch's does."""
        self._initial_seed = check_seed(seed, "Generator.manual_seed")
        self._rng = np.random.default_rng(self._initial_seed)
        return self

    def seed(self) -> int:
        """Restart from a fresh seed taken from the operating system's entropy; returns that seed."""
        fresh = int(np.random.SeedSequence().entropy % SEED_BOUND)
        self.manual_seed(fresh)
        return fresh

    def initial_seed(self) -> int:
        """The seed this generator last started from."""
        return self._initial_seed

    def get_state(self) -> dict:
        """A snapshot of the generator's position, for `set_state`."""
        return copy.deepcopy(self._rng.bit_generator.state)

    def set_state(self, state: dict) -> None:
        """Return to a snapshot taken by `get_state`."""
        if not isinstance(state, dict) or "bit_generator" not in state:
            raise TypeError(f"Generator.set_state takes a snapshot from get_state(), got {type(state).__name__}")
        self._rng.bit_generator.state = copy.deepcopy(state)

    @property
    def numpy(self) -> np.random.Generator:
        """The NumPy generator that makes the draws."""
        return self._rng

    def __repr__(self) -> str:
        return f"Generator(initial_seed={self._initial_seed})"


def check_seed(seed: Any, where: str) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"{where}: seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def check_generator(generator: Any, where: str) -> None:
    if generator is not None and not isinstance(generator, (Generator, np.random.Generator)):
        raise TypeError(
            f"{where}: generator must be a lucid.data.Generator, a numpy.random.Generator or None, "
            f"got {type(generator).__name__}"
        )


def numpy_rng(generator: GeneratorLike) -> np.random.Generator:
    """The NumPy generator to draw from: the one given (its draws advance it), else a new one seeded from lucid's
    random source, so each call without a generator draws afresh and `lucid.random.seed(n)` repeats the calls."""
    if isinstance(generator, Generator):
        return generator.numpy
    if isinstance(generator, np.random.Generator):
        return generator
    return np.random.default_rng(draw_seed(None))


def draw_seed(generator: GeneratorLike) -> int:
    """One seed in [0, 2**63) from `generator`, or from lucid's random source when it is None (as torch draws a
    worker base seed or a sampler seed from its default generator)."""
    rng = lucid.random.generator() if generator is None else numpy_rng(generator)
    return int(rng.integers(0, SEED_BOUND))
