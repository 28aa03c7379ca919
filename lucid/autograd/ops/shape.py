"""Shape primitives: reshape, transpose, broadcast, indexing, padding, concatenation.

Everything else that only moves data (flatten, squeeze, swapaxes, split, ...) is composed from these; so are
permute, expand and unflatten in rearrange.py. Each function takes PyTorch's `dim=` (and `start_dim=`/`end_dim=`)
beside lucid's `axis=` (lucid/_dims.py).

One spelling differs from PyTorch's and stays lucid's: `transpose(x, *axes)` permutes all axes as NumPy's does,
so `x.transpose(1, 0)` agrees with PyTorch on a matrix but `x.transpose(0, 1)` does not. PyTorch's
`x.transpose(d0, d1)` is `x.swapaxes(d0, d1)` here; its `x.permute(...)` is `permute`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from lucid._dims import dim_aliases
from lucid.autograd.function import Function
from lucid.shape_only import MetaArray, indexed_shape
from lucid.tensor import Tensor, _unwrap_index, as_tensor, shape_arg

# ---- primitives ------------------------------------------------------------------------


class Reshape(Function):
    reads_inputs = False

    def forward(self, a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        self.shape = a.shape
        return a.reshape(shape)

    def meta(self, a: MetaArray, shape: tuple[int, ...]) -> MetaArray:
        known = math.prod(s for s in shape if s != -1)
        return MetaArray(tuple(a.size // known if s == -1 else s for s in shape), a.dtype)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        return (grad.reshape(self.shape),)


class Transpose(Function):
    reads_inputs = False

    def forward(self, a: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
        self.axes = axes
        return a.transpose(axes)

    def meta(self, a: MetaArray, axes: tuple[int, ...]) -> MetaArray:
        return MetaArray(tuple(a.shape[i] for i in axes), a.dtype)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        return (grad.transpose(np.argsort(self.axes)),)


class BroadcastTo(Function):
    op_name = "broadcast_to"
    reads_inputs = False

    def forward(self, a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        return np.broadcast_to(a, shape)

    def meta(self, a: MetaArray, shape: tuple[int, ...]) -> MetaArray:
        return MetaArray(shape, a.dtype)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        return (grad,)  # the engine sums the broadcast axes away


class GetItem(Function):
    """`a[index]` for basic and advanced (integer/boolean array) indexes."""

    reads_inputs = False

    def forward(self, a: np.ndarray, index: Any) -> np.ndarray:
        self.shape, self.dtype, self.index = a.shape, a.dtype, index
        return a[index]

    def meta(self, a: MetaArray, index: Any) -> MetaArray:
        return MetaArray(indexed_shape(a.shape, index), a.dtype)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        full = np.zeros(self.shape, dtype=self.dtype)
        if _is_basic(self.index):
            # Slices, ints, None and ... never pick an element twice: a plain write is enough.
            full[self.index] = grad
        else:
            # add.at scatter-adds, so an element picked twice (e.g. biases[:, idxs]) gets both gradients.
            np.add.at(full, self.index, grad)
        return (full,)


def _is_basic(index: Any) -> bool:
    """Whether `index` uses only NumPy's basic indexing (no integer or boolean arrays)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(
        part is None or part is Ellipsis or isinstance(part, slice) or isinstance(part, (int, np.integer))
        for part in parts
    )


class Pad(Function):
    reads_inputs = False

    def forward(self, a: np.ndarray, widths: tuple[tuple[int, int], ...], value: float) -> np.ndarray:
        self.crop = tuple(slice(before, before + size) for (before, _), size in zip(widths, a.shape, strict=True))
        return np.pad(a, widths, mode="constant", constant_values=value)

    def meta(self, a: MetaArray, widths: tuple[tuple[int, int], ...], value: float) -> MetaArray:
        return MetaArray(tuple(s + before + after for s, (before, after) in zip(a.shape, widths, strict=True)), a.dtype)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        return (grad[self.crop],)


class Concatenate(Function):
    reads_inputs = False

    def forward(self, *arrays: np.ndarray, axis: int) -> np.ndarray:
        self.axis = axis
        self.bounds = np.cumsum([a.shape[axis] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=axis)

    def meta(self, *arrays: MetaArray, axis: int) -> MetaArray:
        shape = list(arrays[0].shape)
        shape[axis] = sum(a.shape[axis] for a in arrays)
        return MetaArray(tuple(shape), np.result_type(*(a.dtype for a in arrays)))

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(np.split(grad, self.bounds, axis=self.axis))


class Stack(Function):
    """Equal-shaped tensors joined along a new axis; its own op (not unsqueeze + concatenate) so that a traced
    chart can name the `stack` a model wrote."""

    reads_inputs = False

    def forward(self, *arrays: np.ndarray, axis: int) -> np.ndarray:
        self.axis = axis
        return np.stack(arrays, axis=axis)

    def meta(self, *arrays: MetaArray, axis: int) -> MetaArray:
        shape = list(arrays[0].shape)
        shape.insert(axis, len(arrays))
        return MetaArray(tuple(shape), np.result_type(*(a.dtype for a in arrays)))

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(np.take(grad, index, axis=self.axis) for index in range(grad.shape[self.axis]))


# ---- functional spellings --------------------------------------------------------------


def _axis(axis: int, ndim: int, shape: tuple[int, ...]) -> int:
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"axis must be an int, got {axis!r}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of range for a tensor of shape {shape} ({ndim} dimensions)")
    return int(axis) % ndim


def reshape(a: Tensor, *shape: Any) -> Tensor:
    target = shape_arg(shape)
    known = [s for s in target if s != -1]
    if target.count(-1) > 1 or any(s < -1 for s in target):
        raise ValueError(
            f"cannot reshape a tensor of shape {a.shape} into {target}: at most one -1, no other negatives"
        )
    count = int(np.prod(known)) if known else 1
    size = a._data.size
    if (-1 in target and (count == 0 or size % count)) or (-1 not in target and count != size):
        raise ValueError(f"cannot reshape a tensor of shape {a.shape} ({size} elements) into {target}")
    if target == a.shape:
        return a
    return Reshape.apply(a, shape=target)


def transpose(a: Tensor, *dims: Any, axes: Sequence[int] | None = None) -> Tensor:
    """Permute axes, as `np.transpose`: `transpose(x, (1, 0))`, `x.transpose(1, 0)`; no axes reverses them.

    To exchange two axes of a tensor with more than two, use `swapaxes` (PyTorch's `transpose(d0, d1)`).
    """
    if axes is not None:
        dims = (axes,)
    if len(dims) == 1 and (dims[0] is None or isinstance(dims[0], (tuple, list))):
        dims = () if dims[0] is None else tuple(dims[0])
    axes = dims
    if not axes:
        return Transpose.apply(a, axes=tuple(reversed(range(a.ndim))))
    order = tuple(_axis(ax, a.ndim, a.shape) for ax in axes)
    if sorted(order) != list(range(a.ndim)):
        exchange = len(axes) == 2 and a.ndim > 2 and order[0] != order[1]
        hint = f"; to exchange two axes use swapaxes(x, {axes[0]}, {axes[1]})" if exchange else ""
        raise ValueError(f"axes {tuple(axes)} are not a permutation of the {a.ndim} axes of shape {a.shape}{hint}")
    return Transpose.apply(a, axes=order)


def swapaxes(a: Tensor, axis1: int, axis2: int) -> Tensor:
    order = list(range(a.ndim))
    i, j = _axis(axis1, a.ndim, a.shape), _axis(axis2, a.ndim, a.shape)
    order[i], order[j] = order[j], order[i]
    return Transpose.apply(a, axes=tuple(order))


@dim_aliases
def flatten(a: Tensor, start_axis: int = 0, end_axis: int = -1) -> Tensor:
    if a.ndim == 0:
        return reshape(a, 1)
    start, end = _axis(start_axis, a.ndim, a.shape), _axis(end_axis, a.ndim, a.shape)
    if start > end:
        raise ValueError(f"flatten: start_axis {start_axis} comes after end_axis {end_axis} for shape {a.shape}")
    merged = int(np.prod(a.shape[start : end + 1]))
    return reshape(a, (*a.shape[:start], merged, *a.shape[end + 1 :]))


@dim_aliases
def squeeze(a: Tensor, axis: int | Sequence[int] | None = None) -> Tensor:
    """Drop axes of size 1: all of them, one (`axis=1`, `dim=1`) or several (`dim=(0, 2)`); a named axis whose
    size is not 1 is left as it is, as in PyTorch.

    >>> lucid.ones(1, 3, 1).squeeze(dim=(0, 2)).shape, lucid.ones(2, 1).squeeze(0).shape
    ((3,), (2, 1))
    """
    if axis is None:
        return reshape(a, tuple(s for s in a.shape if s != 1))
    axes = list(axis) if isinstance(axis, (tuple, list)) else [axis]
    drop = {_axis(ax, a.ndim, a.shape) for ax in axes}
    # Like PyTorch, an axis whose size is not 1 is left alone.
    return reshape(a, tuple(s for i, s in enumerate(a.shape) if not (i in drop and s == 1)))


@dim_aliases
def unsqueeze(a: Tensor, axis: int) -> Tensor:
    """A new axis of size 1 at `axis` (`dim`); negative counts from the end of the result.

    >>> lucid.ones(2, 3).unsqueeze(dim=-1).shape
    (2, 3, 1)
    """
    position = _axis(axis, a.ndim + 1, a.shape)
    return reshape(a, (*a.shape[:position], 1, *a.shape[position:]))


def broadcast_to(a: Tensor, *shape: Any) -> Tensor:
    target = shape_arg(shape)
    try:
        np.broadcast_shapes(a.shape, target)
        if np.broadcast_shapes(a.shape, target) != target:
            raise ValueError
    except ValueError:
        raise ValueError(f"cannot broadcast a tensor of shape {a.shape} to {target}") from None
    if target == a.shape:
        return a
    return BroadcastTo.apply(a, shape=target)


def getitem(a: Tensor, index: Any) -> Tensor:
    index = _unwrap_index(index)
    try:
        # Validate with NumPy's own rules on a zero-stride, zero-byte stand-in: no copy of the data.
        indexed_shape(a.shape, index)
    except IndexError as exc:
        raise IndexError(f"index {index!r} is invalid for a tensor of shape {a.shape}: {exc}") from None
    return GetItem.apply(a, index=index)


def pad(a: Tensor, pad_width: Sequence[Any], value: float = 0.0) -> Tensor:
    """Constant padding; `pad_width` as in `np.pad`: one (before, after) pair per axis."""
    if a.ndim == 0:
        raise ValueError("pad needs a tensor with at least 1 dimension, got shape ()")
    try:
        widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (a.ndim, 2))
    except (ValueError, TypeError):
        raise ValueError(
            f"pad widths {pad_width!r} do not fit a tensor of shape {a.shape}: give one (before, after) pair "
            f"per axis ({a.ndim} pairs), one pair for all axes, or one int"
        ) from None
    if (widths < 0).any():
        raise ValueError(f"pad widths must be non-negative, got {pad_width!r}")
    return Pad.apply(a, widths=tuple(tuple(int(v) for v in row) for row in widths), value=value)


@dim_aliases
def concatenate(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis (PyTorch's `cat`/`concat`, also spelled so here).

    >>> lucid.cat([lucid.ones(1, 2), lucid.zeros(1, 2)], dim=0).tolist()
    [[1.0, 1.0], [0.0, 0.0]]
    """
    parts = [as_tensor(t) for t in tensors]
    if not parts:
        raise ValueError("concatenate needs at least one tensor")
    first = parts[0]
    ax = _axis(axis, first.ndim, first.shape)
    for i, t in enumerate(parts[1:], start=1):
        if t.ndim != first.ndim or t.shape[:ax] + t.shape[ax + 1 :] != first.shape[:ax] + first.shape[ax + 1 :]:
            raise ValueError(
                f"concatenate along axis {axis}: tensor {i} has shape {t.shape}, tensor 0 has {first.shape}; "
                "all other axes must match"
            )
    return Concatenate.apply(*parts, axis=ax)


@dim_aliases
def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join equal-shaped tensors along a new axis (`dim`).

    >>> lucid.stack([lucid.ones(2), lucid.zeros(2)], dim=1).tolist()
    [[1.0, 0.0], [1.0, 0.0]]
    """
    parts = [as_tensor(t) for t in tensors]
    if not parts:
        raise ValueError("stack needs at least one tensor")
    for i, t in enumerate(parts[1:], start=1):
        if t.shape != parts[0].shape:
            raise ValueError(f"stack: tensor {i} has shape {t.shape}, tensor 0 has {parts[0].shape}")
    return Stack.apply(*parts, axis=_axis(axis, parts[0].ndim + 1, parts[0].shape))


@dim_aliases
def split(a: Tensor, sizes_or_count: int | Sequence[int], axis: int = 0) -> list[Tensor]:
    """Split along `axis` (`dim`): an int is the size of each piece (PyTorch's `split`), a list the sizes.

    >>> [p.shape for p in lucid.ones(2, 5).split(2, dim=1)]
    [(2, 2), (2, 2), (2, 1)]
    """
    ax = _axis(axis, a.ndim, a.shape)
    length = a.shape[ax]
    if isinstance(sizes_or_count, int):
        if sizes_or_count <= 0:
            raise ValueError(f"split size must be positive, got {sizes_or_count}")
        sizes = [sizes_or_count] * (length // sizes_or_count)
        if length % sizes_or_count:
            sizes.append(length % sizes_or_count)
    else:
        sizes = [int(s) for s in sizes_or_count]
        if sum(sizes) != length or any(s < 0 for s in sizes):
            raise ValueError(f"split sizes {sizes} do not add up to {length} (axis {axis} of shape {a.shape})")
    pieces, start = [], 0
    for size in sizes:
        index = (slice(None),) * ax + (slice(start, start + size),)
        pieces.append(getitem(a, index))
        start += size
    return pieces


@dim_aliases
def chunk(a: Tensor, chunks: int, axis: int = 0) -> list[Tensor]:
    """Split into `chunks` pieces of equal size along `axis` (`dim`; the last may be smaller), as PyTorch's `chunk`.

    >>> [p.shape for p in lucid.ones(6, 2).chunk(4)]
    [(2, 2), (2, 2), (2, 2)]
    """
    if chunks <= 0:
        raise ValueError(f"chunk count must be positive, got {chunks}")
    length = a.shape[_axis(axis, a.ndim, a.shape)]
    return split(a, max(-(-length // chunks), 1), axis=axis)


cat = concatenate
concat = concatenate
