"""Sorting along a dim: argsort, sort and topk, as PyTorch's.

The order is computed without a gradient (int64 indices, like argmax); the values are the input gathered at
those indices (index.Gather), so the gradient goes back to exactly the position each value came from.
Ascending order puts NaN last and descending order first, as PyTorch does; equal values keep their input order.
"""

from __future__ import annotations

import numpy as np

from lucid._dims import dim_aliases, normalize_dim
from lucid.autograd.function import track_outside_apply
from lucid.autograd.ops.index import Gather
from lucid.return_types import ValuesIndices
from lucid.shape_only import MetaArray
from lucid.tensor import Tensor, as_tensor


def _descending_key(data: np.ndarray) -> np.ndarray:
    """Values whose ascending order is `data`'s descending order (NaN aside)."""
    # Bitwise not reverses the order of every integer (and of bools) without overflow at the minimum.
    return -data if data.dtype.kind == "f" else ~data


def _has_nan(data: np.ndarray) -> bool:
    return data.dtype.kind == "f" and bool(np.isnan(data).any())


def _order(data: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """Stable argsort along `axis`, as int64; descending keeps equal values in input order too."""
    if not descending:
        return np.argsort(data, axis=axis, kind="stable").astype(np.int64, copy=False)
    if _has_nan(data):
        # NaN first, then the rest from large to small: `~nan` is the primary key, -data the secondary.
        return np.lexsort((-data, ~np.isnan(data)), axis=axis).astype(np.int64, copy=False)
    return np.argsort(_descending_key(data), axis=axis, kind="stable").astype(np.int64, copy=False)


def _top(data: np.ndarray, k: int, axis: int, largest: bool) -> np.ndarray:
    """The positions of the k largest (or smallest) values along `axis`, in order. Equal values come by position,
    except that after a partition (k past _ROUNDS, or keys that hold their dtype's lowest value) which of several
    equal values at the k-th place is taken is NumPy's choice (PyTorch makes no promise either)."""
    size = data.shape[axis]
    if k == 0 or 2 * k > size or size <= _SHORT or _has_nan(data):
        return np.take(_order(data, axis, largest), np.arange(k), axis=axis)
    key = data if largest else _descending_key(data)  # the wanted values are the largest keys
    if k <= _ROUNDS and key.dtype.kind in "fiu":
        picked = _top_by_rounds(key, k, axis)
        if picked is not None:
            return picked
    # Select the k in linear time, then order only those (a full stable sort is O(n log n) and slow in NumPy).
    chosen = np.take(np.argpartition(_descending_key(key), k - 1, axis=axis), np.arange(k), axis=axis)
    chosen_keys = np.take_along_axis(_descending_key(key), chosen, axis=axis)
    order = np.lexsort((chosen, chosen_keys), axis=axis)
    return np.take_along_axis(chosen, order, axis=axis).astype(np.int64, copy=False)


# Up to this k, k argmax passes beat np.argpartition by 5-30x on (64, 256) to (64, 1000) float32 (a top-5 of
# logits is the common case); past it, the partition.
_ROUNDS = 8
# Lines this short are sorted whole: a stable argsort of a few values costs less than the passes' set-up.
_SHORT = 32


def _top_by_rounds(key: np.ndarray, k: int, axis: int) -> np.ndarray | None:
    """k argmax passes, each taking the largest key left (the first of equal ones) and covering it with the
    dtype's lowest value; None when that value occurs in `key` already, which would make it pickable twice."""
    lowest = -np.inf if key.dtype.kind == "f" else np.iinfo(key.dtype).min
    if (key == lowest).any():
        return None
    # Lines as the rows of a contiguous copy, so each cover is one fancy write.
    work = np.moveaxis(key, axis, -1).copy()
    lines = work.reshape(-1, work.shape[-1])
    rows = np.arange(lines.shape[0])
    picks = np.empty((lines.shape[0], k), dtype=np.int64)
    for step in range(k):
        picks[:, step] = lines.argmax(axis=1)
        lines[rows, picks[:, step]] = lowest
    return np.moveaxis(picks.reshape(*work.shape[:-1], k), -1, axis)


def _indices(a: Tensor, d: int, descending: bool, what: str) -> Tensor:
    if a.is_meta:
        result = Tensor._wrap(MetaArray(a.shape, np.int64))
    elif a.ndim == 0:
        result = Tensor._wrap(np.zeros((), dtype=np.int64))
    else:
        result = Tensor._wrap(_order(a.data, d, descending))
    return track_outside_apply(what, (a,), result)


@dim_aliases
def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:  # noqa: A002
    """Indices (int64) that sort `input` along `dim`. Ties keep their order whatever `stable` says (lucid's sort
    is always stable; PyTorch guarantees it only with `stable=True`).

    >>> lucid.argsort(lucid.tensor([3.0, 1.0, 2.0]))
    tensor([1, 2, 0])
    """
    input = as_tensor(input)  # noqa: A001
    d = normalize_dim(dim, input.ndim, input.shape, "argsort")
    return _indices(input, d, descending, "argsort")


@dim_aliases
def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> ValuesIndices:  # noqa: A002
    """`(values, indices)`: `input` sorted along `dim`, and where each value came from (int64).

    >>> values, indices = lucid.sort(lucid.tensor([3.0, 1.0, 2.0]), descending=True)
    >>> values, indices
    (tensor([3., 2., 1.]), tensor([0, 2, 1]))
    """
    input = as_tensor(input)  # noqa: A001
    d = normalize_dim(dim, input.ndim, input.shape, "sort")
    indices = _indices(input, d, descending, "sort")
    if input.ndim == 0:
        return ValuesIndices(input, indices)
    return ValuesIndices(Gather.apply(input, indices, dim=d), indices)


@dim_aliases
def topk(
    input: Tensor,  # noqa: A002
    k: int,
    dim: int = -1,
    largest: bool = True,
    sorted: bool = True,  # noqa: A002 - PyTorch's argument name
) -> ValuesIndices:
    """`(values, indices)` of the `k` largest (or, with `largest=False`, smallest) values along `dim`, in order.

    With `sorted=False` PyTorch leaves the order unspecified; lucid returns them sorted either way.

    >>> lucid.topk(lucid.tensor([1.0, 4.0, 2.0, 3.0]), 2)
    ValuesIndices(values=tensor([4., 3.]), indices=tensor([1, 3]))
    """
    input = as_tensor(input)  # noqa: A001
    d = normalize_dim(dim, input.ndim, input.shape, "topk")
    size = input.shape[d] if input.ndim else 1
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"topk: k must be an int, got {k!r}")
    if not 0 <= k <= size:
        raise ValueError(f"topk: k {k} is out of range for dim {dim} of size {size} (input shape {input.shape})")
    if input.ndim == 0:
        return ValuesIndices(input, track_outside_apply("topk", (input,), Tensor._wrap(np.zeros((), np.int64))))
    if input.is_meta:
        shape = list(input.shape)
        shape[d] = k
        indices = Tensor._wrap(MetaArray(tuple(shape), np.int64))
    else:
        indices = Tensor._wrap(_top(input.data, k, d, largest))
    indices = track_outside_apply("topk", (input,), indices)
    return ValuesIndices(Gather.apply(input, indices, dim=d), indices)
