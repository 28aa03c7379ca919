"""Reductions over axes: sum, mean, max/min, var/std, argmax."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lucid.autograd.function import Function, track_outside_apply
from lucid.shape_only import MetaArray
from lucid.tensor import Tensor

Axis = int | Sequence[int] | None


def normalize_axes(axis: Axis, ndim: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    """Turn `axis` into a sorted tuple of non-negative axes; a clear error if one is out of range."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)):
        axes: tuple[object, ...] = (axis,)
    elif isinstance(axis, (tuple, list)):
        axes = tuple(axis)
    else:
        raise TypeError(f"axis must be an int or a tuple of ints, got {axis!r}")
    result = []
    # A 0-d tensor accepts axis 0 or -1, as in PyTorch. (Not `max(ndim, 1)`: `max` here is the reduction below.)
    limit = ndim if ndim > 0 else 1
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)):
            raise TypeError(f"axis must be an int or a tuple of ints, got {axis!r}")
        if not -limit <= a < limit:
            raise ValueError(f"axis {a} is out of range for a tensor of shape {shape} ({ndim} dimensions)")
        result.append(int(a) % limit)
    if ndim == 0:
        return ()  # reducing a scalar over its one allowed axis leaves it as it is (PyTorch)
    if len(set(result)) != len(result):
        raise ValueError(f"axis {axis!r} repeats an axis")
    return tuple(sorted(result))


def _keep(grad: np.ndarray, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
    """Re-insert reduced axes so that `grad` broadcasts against the input."""
    return grad if keepdims else np.expand_dims(grad, axes)


def _reduced_shape(shape: tuple[int, ...], axes: tuple[int, ...], keepdims: bool) -> tuple[int, ...]:
    """The shape after reducing `axes`: each becomes 1 with `keepdims`, else it is dropped."""
    if keepdims:
        return tuple(1 if i in axes else s for i, s in enumerate(shape))
    return tuple(s for i, s in enumerate(shape) if i not in axes)


class Sum(Function):
    reads_inputs = False

    def forward(self, a: np.ndarray, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
        self.shape, self.axes, self.keepdims = a.shape, axes, keepdims
        return np.asarray(a.sum(axis=axes, keepdims=keepdims))

    def meta(self, a: MetaArray, axes: tuple[int, ...], keepdims: bool) -> MetaArray:
        # NumPy sums small integers in the platform integer: take the dtype from a one-element sum.
        return MetaArray(_reduced_shape(a.shape, axes, keepdims), np.ones(1, dtype=a.dtype).sum().dtype)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        return (np.broadcast_to(_keep(grad, self.axes, self.keepdims), self.shape),)


class Max(Function):
    """max (or, with `sign=-1`, min) over axes; ties share the gradient equally."""

    saves_output = True  # the output is (a view of) `kept`, which backward compares against

    def forward(self, a: np.ndarray, axes: tuple[int, ...], keepdims: bool, sign: int = 1) -> np.ndarray:
        self.a, self.axes, self.keepdims = a, axes, keepdims
        reduce = np.max if sign > 0 else np.min
        self.kept = reduce(a, axis=axes, keepdims=True)
        return np.asarray(self.kept if keepdims else np.squeeze(self.kept, axis=axes))

    def meta(self, a: MetaArray, axes: tuple[int, ...], keepdims: bool, sign: int = 1) -> MetaArray:
        return MetaArray(_reduced_shape(a.shape, axes, keepdims), a.dtype)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        hit = self.a == self.kept
        share = hit / hit.sum(axis=self.axes, keepdims=True)
        return (_keep(grad, self.axes, self.keepdims) * share,)


def sum(a: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return Sum.apply(a, axes=normalize_axes(axis, a.ndim, a.shape), keepdims=keepdims)


def mean(a: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    axes = normalize_axes(axis, a.ndim, a.shape)
    count = int(np.prod([a.shape[i] for i in axes])) if axes else 1
    # The mean of nothing is nan (as NumPy and PyTorch), not a ZeroDivisionError.
    return Sum.apply(a, axes=axes, keepdims=keepdims) * (1.0 / count if count else float("nan"))


def max(a: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    axes = normalize_axes(axis, a.ndim, a.shape)
    _check_nonempty(a, axes, "max")
    return Max.apply(a, axes=axes, keepdims=keepdims, sign=1)


def min(a: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    axes = normalize_axes(axis, a.ndim, a.shape)
    _check_nonempty(a, axes, "min")
    return Max.apply(a, axes=axes, keepdims=keepdims, sign=-1)


def var(a: Tensor, axis: Axis = None, keepdims: bool = False, correction: int = 1) -> Tensor:
    """Variance; `correction=1` is the unbiased estimate (PyTorch's default), 0 the population one."""
    axes = normalize_axes(axis, a.ndim, a.shape)
    count = int(np.prod([a.shape[i] for i in axes])) if axes else 1
    centered = a - mean(a, axis=axes, keepdims=True)
    dof = count - correction
    # Like NumPy and PyTorch, too few elements for the correction give nan, not an exception.
    return sum(centered * centered, axis=axes, keepdims=keepdims) * (1.0 / dof if dof > 0 else float("nan"))


def std(a: Tensor, axis: Axis = None, keepdims: bool = False, correction: int = 1) -> Tensor:
    return var(a, axis=axis, keepdims=keepdims, correction=correction).sqrt()


def argmax(a: Tensor, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the largest value (over the flattened tensor when `axis` is None); no gradient."""
    if axis is None:
        if a.is_meta:
            result = Tensor._wrap(MetaArray((), np.int64))
        else:
            result = Tensor._wrap(np.asarray(np.argmax(a.data), dtype=np.int64))
        return track_outside_apply("argmax", (a,), result)
    (ax,) = normalize_axes(axis, a.ndim, a.shape)
    if a.is_meta:
        result = Tensor._wrap(MetaArray(_reduced_shape(a.shape, (ax,), keepdims), np.int64))
    else:
        result = Tensor._wrap(np.argmax(a.data, axis=ax, keepdims=keepdims).astype(np.int64))
    return track_outside_apply("argmax", (a,), result)


def _check_nonempty(a: Tensor, axes: tuple[int, ...], name: str) -> None:
    if any(a.shape[i] == 0 for i in axes):
        raise ValueError(f"{name}() over an empty axis of a tensor of shape {a.shape}")
