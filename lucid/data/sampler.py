"""Samplers: the order in which a DataLoader reads a map-style dataset, and how indices group into batches, as in
torch.utils.data. Random samplers draw from their `generator`, else from lucid's random source: a fresh seed per
epoch, so `lucid.random.seed(n)` makes every epoch's order repeatable."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Any

import numpy as np

from lucid.data.generator import GeneratorLike, check_generator, numpy_rng
from lucid.tensor import Tensor


def _positive_int(value: Any, what: str, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{what}: {name} should be a positive integer, got {name}={value!r}")
    return int(value)


def _check_bool(value: Any, what: str, name: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{what}: {name} should be a boolean, got {name}={value!r}")
    return value


class Sampler:
    """Base class: `__iter__` yields dataset indices (or, for a batch sampler, lists of them); `__len__` is
    optional.

    >>> class Evens(lucid.data.Sampler):
    ...     def __init__(self, n):
    ...         self.n = n
    ...     def __iter__(self):
    ...         return iter(range(0, self.n, 2))
    >>> list(Evens(5))
    [0, 2, 4]
    """

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class SequentialSampler(Sampler):
    """Indices 0, 1, ..., len(data_source) - 1.

    >>> list(lucid.data.SequentialSampler("abc"))
    [0, 1, 2]
    """

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random order of the indices: a permutation (repeated, then cut, when `num_samples` exceeds the length), or
    with `replacement=True` `num_samples` independent uniform draws.

    >>> lucid.random.seed(0)
    >>> order = list(lucid.data.RandomSampler(range(6)))
    >>> sorted(order)
    [0, 1, 2, 3, 4, 5]
    >>> lucid.random.seed(0)
    >>> list(lucid.data.RandomSampler(range(6))) == order
    True
    """

    def __init__(
        self,
        data_source: Sized,
        replacement: bool = False,
        num_samples: int | None = None,
        generator: GeneratorLike = None,
    ) -> None:
        self.data_source = data_source
        self.replacement = _check_bool(replacement, "RandomSampler", "replacement")
        self._num_samples = num_samples
        check_generator(generator, "RandomSampler")
        self.generator = generator
        if num_samples is not None:
            _positive_int(num_samples, "RandomSampler", "num_samples")
        elif len(data_source) == 0:
            raise ValueError("RandomSampler: the dataset is empty, so there is nothing to sample (num_samples=0)")

    @property
    def num_samples(self) -> int:
        # Read the dataset's length at call time: it may change after the sampler is made.
        return len(self.data_source) if self._num_samples is None else int(self._num_samples)

    def __iter__(self) -> Iterator[int]:
        n = len(self.data_source)
        if n == 0:
            raise ValueError("RandomSampler: the dataset is empty, so there is nothing to sample")
        rng = numpy_rng(self.generator)
        wanted = self.num_samples
        if self.replacement:
            # Draw in chunks, as torch does, so a huge num_samples never builds one huge array.
            for _ in range(wanted // 32):
                yield from rng.integers(0, n, size=32).tolist()
            yield from rng.integers(0, n, size=wanted % 32).tolist()
            return
        for _ in range(wanted // n):
            yield from rng.permutation(n).tolist()
        yield from rng.permutation(n)[: wanted % n].tolist()

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a random order, without replacement.

    >>> sorted(lucid.data.SubsetRandomSampler([4, 8, 9]))
    [4, 8, 9]
    """

    def __init__(self, indices: Sequence[int], generator: GeneratorLike = None) -> None:
        check_generator(generator, "SubsetRandomSampler")
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[Any]:
        for i in numpy_rng(self.generator).permutation(len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """`num_samples` indices in [0, len(weights)), index `i` drawn with probability proportional to `weights[i]`
    (without replacement: each index at most once, drawn one after another among those left).

    >>> lucid.random.seed(0)
    >>> picks = list(lucid.data.WeightedRandomSampler([0.0, 1.0, 0.0], num_samples=4))
    >>> picks
    [1, 1, 1, 1]
    """

    def __init__(
        self,
        weights: Sequence[float] | np.ndarray | Tensor,
        num_samples: int,
        replacement: bool = True,
        generator: GeneratorLike = None,
    ) -> None:
        self.num_samples = _positive_int(num_samples, "WeightedRandomSampler", "num_samples")
        self.replacement = _check_bool(replacement, "WeightedRandomSampler", "replacement")
        check_generator(generator, "WeightedRandomSampler")
        array = weights.numpy() if isinstance(weights, Tensor) else np.asarray(weights)
        if array.ndim != 1 or array.size == 0 or array.dtype.kind not in "biuf":
            raise ValueError(
                f"WeightedRandomSampler: weights should be a non-empty 1-d sequence of numbers, got shape "
                f"{array.shape} of dtype {array.dtype}"
            )
        weights64 = array.astype(np.float64)
        if not np.isfinite(weights64).all() or (weights64 < 0).any() or weights64.sum() <= 0:
            raise ValueError(
                f"WeightedRandomSampler: weights must be finite, non-negative and not all zero, got {array.tolist()}"
            )
        positive = int((weights64 > 0).sum())
        if not replacement and num_samples > positive:
            raise ValueError(
                f"WeightedRandomSampler: cannot draw num_samples={num_samples} without replacement from "
                f"{positive} non-zero weights"
            )
        self.weights = weights64
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        rng = numpy_rng(self.generator)
        p = self.weights / self.weights.sum()
        picks = rng.choice(len(p), size=self.num_samples, replace=self.replacement, p=p)
        yield from picks.tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Groups the indices of `sampler` into lists of `batch_size`; the last, shorter list is dropped when
    `drop_last`.

    >>> list(lucid.data.BatchSampler(range(5), batch_size=2, drop_last=False))
    [[0, 1], [2, 3], [4]]
    >>> len(lucid.data.BatchSampler(range(5), batch_size=2, drop_last=True))
    2
    """

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        self.batch_size = _positive_int(batch_size, "BatchSampler", "batch_size")
        self.drop_last = _check_bool(drop_last, "BatchSampler", "drop_last")
        self.sampler = sampler

    def __iter__(self) -> Iterator[list[Any]]:
        batch: list[Any] = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        count = len(self.sampler)  # type: ignore[arg-type]
        if self.drop_last:
            return count // self.batch_size
        return -(-count // self.batch_size)


class InfiniteConstantSampler(Sampler):
    """None forever: the DataLoader's stand-in index for an IterableDataset, whose samples come from the stream."""

    def __iter__(self) -> Iterator[None]:
        while True:
            yield None
