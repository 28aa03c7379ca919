"""Datasets: the map-style `Dataset` (indexable, sized) and the stream-style `IterableDataset`, with the usual
wrappers (`TensorDataset`, `Subset`, `ConcatDataset`, `ChainDataset`) and `random_split`, as in torch.utils.data."""

from __future__ import annotations

import bisect
import math
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from lucid.data.generator import GeneratorLike, check_generator, numpy_rng
from lucid.tensor import Tensor


class Dataset:
    """A map-style dataset: subclasses define `__getitem__(index)` and usually `__len__`.

    A subclass may also define `__getitems__(indices)`, returning the samples of a whole batch at once; the
    DataLoader then calls it instead of `__getitem__` once per index.

    >>> class Squares(lucid.data.Dataset):
    ...     def __len__(self):
    ...         return 4
    ...     def __getitem__(self, i):
    ...         return i * i
    >>> [Squares()[i] for i in range(4)]
    [0, 1, 4, 9]
    >>> len(Squares() + Squares())
    8
    """

    def __getitem__(self, index: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__ (a map-style Dataset)")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A stream of samples: subclasses define `__iter__`. With `num_workers > 0` every worker iterates its own copy,
    so a dataset that should not be read twice splits the stream using `lucid.data.get_worker_info()`.

    >>> class Count(lucid.data.IterableDataset):
    ...     def __iter__(self):
    ...         return iter(range(3))
    >>> list(Count() + Count())
    [0, 1, 2, 0, 1, 2]
    """

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__ (an IterableDataset)")

    def __add__(self, other: Dataset) -> ChainDataset:  # type: ignore[override]
        return ChainDataset([self, other])


def _first_dim(item: Any) -> int:
    shape = item.shape
    if len(shape) == 0:
        raise ValueError("TensorDataset: every tensor needs at least one dimension (the sample axis), got shape ()")
    return int(shape[0])


class TensorDataset(Dataset):
    """Samples are rows of lucid Tensors or NumPy arrays that share their first dimension: item `i` is the tuple
    `(t[i] for t in tensors)`.

    >>> x, y = lucid.randn(5, 3), lucid.arange(5)
    >>> ds = lucid.data.TensorDataset(x, y)
    >>> len(ds), ds[2][0].shape, ds[2][1].item()
    (5, (3,), 2)
    """

    def __init__(self, *tensors: Tensor | np.ndarray) -> None:
        if not tensors:
            raise ValueError("TensorDataset: needs at least one tensor")
        for i, t in enumerate(tensors):
            if not isinstance(t, (Tensor, np.ndarray)):
                raise TypeError(
                    f"TensorDataset: argument {i} must be a lucid Tensor or a NumPy array, got {type(t).__name__}"
                )
        sizes = [_first_dim(t) for t in tensors]
        for i, size in enumerate(sizes):
            if size != sizes[0]:
                raise ValueError(
                    f"TensorDataset: size mismatch between tensors: tensor 0 has shape {tuple(tensors[0].shape)}, "
                    f"tensor {i} has shape {tuple(tensors[i].shape)}; all need the same first dimension"
                )
        self.tensors = tensors

    def __getitem__(self, index: Any) -> tuple[Any, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return _first_dim(self.tensors[0])


class Subset(Dataset):
    """The items of `dataset` at `indices`, in that order.

    >>> sub = lucid.data.Subset([10, 11, 12, 13], [3, 0])
    >>> len(sub), sub[0], sub[1]
    (2, 13, 10)
    """

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __getitems__(self, indices: list[int]) -> list[Any]:
        inner = [self.indices[i] for i in indices]
        getitems = getattr(self.dataset, "__getitems__", None)
        if callable(getitems):
            return getitems(inner)
        return [self.dataset[i] for i in inner]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """Map-style datasets one after another: index `len(first)` is the second dataset's item 0.

    >>> both = lucid.data.ConcatDataset([[1, 2], [3, 4, 5]])
    >>> len(both), both[2], both[-1], both.cumulative_sizes
    (5, 3, 5, [2, 5])
    """

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for i, d in enumerate(self.datasets):
            if isinstance(d, IterableDataset):
                raise TypeError(
                    f"ConcatDataset: dataset {i} is an IterableDataset ({type(d).__name__}); "
                    "use ChainDataset to chain streams"
                )
        self.cumulative_sizes: list[int] = []
        total = 0
        for d in self.datasets:
            total += len(d)
            self.cumulative_sizes.append(total)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        length = len(self)
        if not -length <= index < length:
            raise IndexError(f"ConcatDataset: index {index} is out of range for {length} items")
        if index < 0:
            index += length
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which > 0 else 0
        return self.datasets[which][index - start]


class ChainDataset(IterableDataset):
    """Iterable datasets one after another, as one stream.

    >>> list(lucid.data.ChainDataset([range(2), range(3)]))
    [0, 1, 0, 1, 2]
    """

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = list(datasets)

    def __iter__(self) -> Iterator[Any]:
        for d in self.datasets:
            yield from d

    def __len__(self) -> int:
        return sum(len(d) for d in self.datasets)


def _lengths_from_fractions(fractions: Sequence[float], total: int) -> list[int]:
    for i, frac in enumerate(fractions):
        if not 0 <= frac <= 1:
            raise ValueError(f"random_split: fraction {frac} at index {i} is not between 0 and 1")
    lengths = [math.floor(total * frac) for frac in fractions]
    # What flooring left over goes one item each to the splits in turn, as torch does.
    for i in range(total - sum(lengths)):
        lengths[i % len(lengths)] += 1
    for i, length in enumerate(lengths):
        if length == 0:
            warnings.warn(f"random_split: split {i} is empty (fraction {fractions[i]} of {total} items)", stacklevel=3)
    return lengths


def random_split(dataset: Any, lengths: Sequence[int | float], generator: GeneratorLike = None) -> list[Subset]:
    """Split `dataset` into non-overlapping random `Subset`s of the given lengths, or of the given fractions of
    `len(dataset)` when they add up to 1 (what flooring leaves over is dealt out one by one from the first split).

    The permutation is drawn from `generator`, else from lucid's random source (`lucid.random.seed` repeats it).

    >>> train, val = lucid.data.random_split(range(10), [0.8, 0.2], generator=lucid.data.Generator().manual_seed(0))
    >>> len(train), len(val), sorted(list(train) + list(val)) == list(range(10))
    (8, 2, True)
    """
    check_generator(generator, "random_split")
    if isinstance(lengths, (str, bytes)) or not isinstance(lengths, Sequence) or not lengths:
        raise TypeError(f"random_split: lengths must be a non-empty sequence of ints or fractions, got {lengths!r}")
    for value in lengths:
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"random_split: lengths must be ints or fractions, got {value!r} in {list(lengths)}")
    total = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        lengths = _lengths_from_fractions(lengths, total)
    for i, value in enumerate(lengths):
        if value != int(value) or value < 0:
            raise ValueError(f"random_split: length {value!r} at index {i} is not a non-negative integer")
    sizes = [int(v) for v in lengths]
    if sum(sizes) != total:
        raise ValueError(
            f"random_split: lengths {sizes} add up to {sum(sizes)}, but the dataset has {total} items "
            "(give lengths that add up to len(dataset), or fractions that add up to 1)"
        )
    order = numpy_rng(generator).permutation(total).tolist()
    splits, stop = [], 0
    for size in sizes:
        splits.append(Subset(dataset, order[stop : stop + size]))
        stop += size
    return splits
