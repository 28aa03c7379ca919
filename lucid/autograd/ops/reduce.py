"""Reductions over axes: sum, mean, max/min, amax/amin, var/std, argmax/argmin, logsumexp.

Each takes PyTorch's `dim=`/`keepdim=` beside lucid's `axis=`/`keepdims=` (lucid/_dims.py). `max` and `min`
follow PyTorch where the spellings meet: with `dim=` they return `(values, indices)` as PyTorch's `max(dim)`
does, while lucid's `axis=` form (and a positional axis, `x.max(1)`) returns the values alone, like `amax`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from lucid._dims import dim_aliases
from lucid.autograd.function import Function, track_outside_apply
from lucid.autograd.ops import elementwise as ew
from lucid.autograd.ops.index import Gather
from lucid.autograd.ops.shape import Reshape, squeeze
from lucid.dtypes import DEFAULT_FLOAT
from lucid.return_types import ValuesIndices
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


@dim_aliases
def sum(a: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return Sum.apply(a, axes=normalize_axes(axis, a.ndim, a.shape), keepdims=keepdims)


@dim_aliases
def mean(a: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    axes = normalize_axes(axis, a.ndim, a.shape)
    count = int(np.prod([a.shape[i] for i in axes])) if axes else 1
    # The mean of nothing is nan (as NumPy and PyTorch), not a ZeroDivisionError.
    return Sum.apply(a, axes=axes, keepdims=keepdims) * (1.0 / count if count else float("nan"))


def max(  # noqa: A001
    a: Tensor,
    axis: Axis | Tensor = None,
    keepdims: bool = False,
    *,
    dim: int | None = None,
    keepdim: bool | None = None,
) -> Tensor | ValuesIndices:
    """The largest values over `axis` (all axes by default), like `amax`; ties share the gradient equally.

    PyTorch's forms work too: `max(x, dim=1)` returns `(values, indices)` with `.values` and `.indices`, the
    gradient going to the position each index names; `max(x, other)` is `maximum(x, other)`.

    >>> x = lucid.tensor([[1.0, 5.0], [7.0, 2.0]])
    >>> x.max(), x.max(axis=1), x.max(dim=1).indices
    (tensor(7.), tensor([5., 7.]), tensor([1, 0]))
    """
    return _extreme(a, axis, keepdims, dim, keepdim, 1)


def min(  # noqa: A001
    a: Tensor,
    axis: Axis | Tensor = None,
    keepdims: bool = False,
    *,
    dim: int | None = None,
    keepdim: bool | None = None,
) -> Tensor | ValuesIndices:
    """The smallest values over `axis`, like `amin`; `min(x, dim=1)` returns `(values, indices)` and
    `min(x, other)` is `minimum(x, other)`, as in PyTorch (see `max`)."""
    return _extreme(a, axis, keepdims, dim, keepdim, -1)


def _extreme(
    a: Tensor, axis: Axis | Tensor, keepdims: bool, dim: int | None, keepdim: bool | None, sign: int
) -> Tensor | ValuesIndices:
    name = "max" if sign > 0 else "min"
    if isinstance(axis, Tensor):
        return ew.maximum(a, axis) if sign > 0 else ew.minimum(a, axis)
    if keepdim is not None:
        if keepdims:
            raise TypeError(f"{name}() got both keepdims= and keepdim=, two spellings of the same argument; pass one")
        keepdims = keepdim
    if dim is not None:
        if axis is not None:
            raise TypeError(f"{name}() got both axis= and dim=, two spellings of the same argument; pass one")
        return _values_indices(a, dim, keepdims, sign, name)
    axes = normalize_axes(axis, a.ndim, a.shape)
    _check_nonempty(a, axes, name)
    return Max.apply(a, axes=axes, keepdims=keepdims, sign=sign)


def _values_indices(a: Tensor, dim: int, keepdim: bool, sign: int, name: str) -> ValuesIndices:
    """PyTorch's max(dim)/min(dim): the extreme of each line and the first position holding it; the gradient goes
    to that position."""
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{name}(dim=...) takes one dim, got {dim!r}; use amax/amin (or axis=) for several")
    arg_name = "argmax" if sign > 0 else "argmin"
    indices = _arg_reduce(a, dim, keepdim, np.argmax if sign > 0 else np.argmin, arg_name)
    if a.ndim == 0:
        return ValuesIndices(a, indices)
    (ax,) = normalize_axes(dim, a.ndim, a.shape)
    kept_shape = _reduced_shape(a.shape, (ax,), True)
    if keepdim:
        kept = indices
    elif indices.is_meta:
        kept = Tensor._wrap(MetaArray(kept_shape, np.int64))
    else:
        kept = Tensor._wrap(indices.data.reshape(kept_shape))  # the same indices with the dim kept, for Gather
    values = Gather.apply(a, kept, dim=ax)
    return ValuesIndices(values if keepdim else Reshape.apply(values, shape=indices.shape), indices)


@dim_aliases
def amax(a: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """The largest values over `axis` (one or several; all by default); ties share the gradient equally.

    >>> lucid.tensor([[1.0, 5.0], [7.0, 2.0]]).amax(dim=0)
    tensor([7., 5.])
    """
    axes = normalize_axes(axis, a.ndim, a.shape)
    _check_nonempty(a, axes, "amax")
    return Max.apply(a, axes=axes, keepdims=keepdims, sign=1)


@dim_aliases
def amin(a: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """The smallest values over `axis`; ties share the gradient equally.

    >>> lucid.amin(lucid.tensor([[1.0, 5.0], [7.0, 2.0]]), dim=1, keepdim=True)
    tensor([[1.],
            [2.]])
    """
    axes = normalize_axes(axis, a.ndim, a.shape)
    _check_nonempty(a, axes, "amin")
    return Max.apply(a, axes=axes, keepdims=keepdims, sign=-1)


@dim_aliases
def var(
    a: Tensor,
    axis: Axis = None,
    keepdims: bool = False,
    correction: int | None = None,
    *,
    unbiased: bool | None = None,
) -> Tensor:
    """Variance; `correction=1` is the unbiased estimate (PyTorch's default), 0 the population one.

    PyTorch's older `unbiased=True/False` is `correction=1/0`.
    """
    axes = normalize_axes(axis, a.ndim, a.shape)
    correction = _correction(correction, unbiased, "var")
    count = int(np.prod([a.shape[i] for i in axes])) if axes else 1
    centered = a - mean(a, axis=axes, keepdims=True)
    dof = count - correction
    # Like NumPy and PyTorch, too few elements for the correction give nan, not an exception.
    return sum(centered * centered, axis=axes, keepdims=keepdims) * (1.0 / dof if dof > 0 else float("nan"))


@dim_aliases
def std(
    a: Tensor,
    axis: Axis = None,
    keepdims: bool = False,
    correction: int | None = None,
    *,
    unbiased: bool | None = None,
) -> Tensor:
    """Standard deviation (see `var` for `correction` and `unbiased`)."""
    return var(a, axis=axis, keepdims=keepdims, correction=_correction(correction, unbiased, "std")).sqrt()


def _correction(correction: int | None, unbiased: bool | None, name: str) -> int:
    if unbiased is None:
        return 1 if correction is None else correction
    if correction is not None:
        raise TypeError(f"{name}() got both correction= and unbiased=; pass one (unbiased=False is correction=0)")
    return 1 if unbiased else 0


@dim_aliases
def argmax(a: Tensor, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index (int64) of the first largest value (over the flattened tensor when `axis` is None); no gradient.

    >>> lucid.tensor([[3.0, 1.0], [0.0, 2.0]]).argmax(dim=1)
    tensor([0, 1])
    """
    return _arg_reduce(a, axis, keepdims, np.argmax, "argmax")


@dim_aliases
def argmin(a: Tensor, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index (int64) of the first smallest value (over the flattened tensor when `axis` is None); no gradient.

    >>> lucid.tensor([[3.0, 1.0], [0.0, 2.0]]).argmin(dim=1)
    tensor([1, 0])
    """
    return _arg_reduce(a, axis, keepdims, np.argmin, "argmin")


def _arg_reduce(a: Tensor, axis: int | None, keepdims: bool, reduce: Any, name: str) -> Tensor:
    if axis is None:
        if a.size == 0:
            raise ValueError(f"{name}() of an empty tensor of shape {a.shape}")
        shape = (1,) * a.ndim if keepdims else ()
        if a.is_meta:
            result = Tensor._wrap(MetaArray(shape, np.int64))
        else:
            result = Tensor._wrap(np.asarray(reduce(a.data), dtype=np.int64).reshape(shape))
        return track_outside_apply(name, (a,), result)
    if isinstance(axis, (tuple, list)):
        raise TypeError(f"{name}: axis must be one int, got {axis!r}")
    axes = normalize_axes(axis, a.ndim, a.shape)
    _check_nonempty(a, axes, name)
    if a.is_meta:
        result = Tensor._wrap(MetaArray(_reduced_shape(a.shape, axes, keepdims), np.int64))
    elif not axes:  # a 0-d tensor: its one element is at index 0
        result = Tensor._wrap(np.zeros((), dtype=np.int64))
    else:
        result = Tensor._wrap(reduce(a.data, axis=axes[0], keepdims=keepdims).astype(np.int64))
    return track_outside_apply(name, (a,), result)


@dim_aliases
def logsumexp(a: Tensor, axis: Axis, keepdims: bool = False) -> Tensor:
    """log(sum(exp(a))) over `axis`, without overflow: the largest value is taken out first. Its gradient is
    softmax over the same axes. `dim` is required, as in PyTorch.

    >>> lucid.logsumexp(lucid.tensor([[0.0, 0.0], [1000.0, 1000.0]]), dim=1).tolist()
    [0.6931471824645996, 1000.6931762695312]
    """
    if a.dtype.kind != "f":
        a = ew.cast(a, DEFAULT_FLOAT)
    axes = normalize_axes(axis, a.ndim, a.shape)
    # A constant shift (no gradient of its own: the result does not depend on it). Where a line's largest value
    # is infinite (all -inf, or +inf) the shift is 0, so -inf - -inf never makes a NaN.
    if a.is_meta:
        peak = Tensor._wrap(MetaArray(_reduced_shape(a.shape, axes, True), a.dtype))
    else:
        top = np.max(a.data, axis=axes, keepdims=True, initial=-np.inf)  # an empty line sums to log(0) = -inf
        peak = Tensor._wrap(np.where(np.isfinite(top), top, np.zeros((), dtype=top.dtype)))
    total = ew.log(ew.exp(a - peak).sum(axis=axes, keepdims=True)) + peak
    return total if keepdims else squeeze(total, axes)


def _check_nonempty(a: Tensor, axes: tuple[int, ...], name: str) -> None:
    if any(a.shape[i] == 0 for i in axes):
        raise ValueError(f"{name}() over an empty axis of a tensor of shape {a.shape}")
