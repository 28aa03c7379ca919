"""Functions that make new tensors; under `lucid.meta()` the shape-taking ones make meta tensors."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from lucid import dtypes
from lucid import random as _random
from lucid.shape_only import MetaArray, is_meta_mode
from lucid.tensor import ArrayLike, Tensor, shape_arg


def _float_dtype(dtype: dtypes.DTypeLike) -> np.dtype:
    return dtypes.DEFAULT_FLOAT if dtype is None else dtypes.resolve(dtype)


def _check_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    if any(s < 0 for s in shape):
        raise ValueError(f"shape {shape} has a negative size")
    return shape


def _new(array: np.ndarray | MetaArray, requires_grad: bool) -> Tensor:
    t = Tensor._wrap(array)
    t.requires_grad = requires_grad
    return t


def _made(shape: tuple[int, ...], dtype: np.dtype, requires_grad: bool, fill: Any) -> Tensor:
    """`fill()` as a tensor, or, under lucid.meta(), a meta tensor of `shape` and `dtype` without calling it
    (no memory, no random draws)."""
    if is_meta_mode():
        return _new(MetaArray(shape, dtype), requires_grad)
    return _new(fill(), requires_grad)


def tensor(data: ArrayLike, dtype: dtypes.DTypeLike = None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of `data` (floats become float32 unless `dtype` says otherwise)."""
    return Tensor(data, dtype=dtype, requires_grad=requires_grad)


def zeros(*shape: Any, dtype: dtypes.DTypeLike = None, requires_grad: bool = False) -> Tensor:
    size, kind = _check_shape(shape_arg(shape)), _float_dtype(dtype)
    return _made(size, kind, requires_grad, lambda: np.zeros(size, dtype=kind))


def ones(*shape: Any, dtype: dtypes.DTypeLike = None, requires_grad: bool = False) -> Tensor:
    size, kind = _check_shape(shape_arg(shape)), _float_dtype(dtype)
    return _made(size, kind, requires_grad, lambda: np.ones(size, dtype=kind))


def full(shape: Any, fill_value: float, dtype: dtypes.DTypeLike = None, requires_grad: bool = False) -> Tensor:
    size = shape_arg((shape,) if isinstance(shape, int) else (tuple(shape),))
    if dtype is None:
        dtype = np.int64 if isinstance(fill_value, int) and not isinstance(fill_value, bool) else None
        dtype = np.bool_ if isinstance(fill_value, bool) else dtype
    kind = _float_dtype(dtype)
    return _made(_check_shape(size), kind, requires_grad, lambda: np.full(size, fill_value, dtype=kind))


def zeros_like(t: Tensor, dtype: dtypes.DTypeLike = None, requires_grad: bool = False) -> Tensor:
    """Zeros of `t`'s shape (and dtype unless given); meta when `t` is meta, as in PyTorch."""
    return _like(t, dtype, requires_grad, np.zeros)


def ones_like(t: Tensor, dtype: dtypes.DTypeLike = None, requires_grad: bool = False) -> Tensor:
    return _like(t, dtype, requires_grad, np.ones)


def _like(t: Tensor, dtype: dtypes.DTypeLike, requires_grad: bool, maker: Any) -> Tensor:
    kind = t.dtype if dtype is None else dtypes.resolve(dtype)
    if t.is_meta:
        return _new(MetaArray(t.shape, kind), requires_grad)
    return _made(t.shape, kind, requires_grad, lambda: maker(t.shape, dtype=kind))


def _number(value: Any, what: str, arg: str) -> Any:
    """A Python number from a number or a one-element tensor (PyTorch accepts both for range bounds)."""
    if isinstance(value, Tensor):
        if value.size != 1:
            raise ValueError(f"{what}: {arg} must be a number or a one-element tensor, got shape {value.shape}")
        return value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{what}: {arg} must be a number, got {value!r}")
    return value


def arange(
    start: float = 0,
    end: float | None = None,
    step: float = 1,
    dtype: dtypes.DTypeLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """Values from `start` to `end` (exclusive) by `step`, as PyTorch's: `arange(end)`, `arange(start, end)`,
    `arange(start, end, step)` or with keywords (`arange(end=5)`). All-integer bounds give int64, any float gives
    float32, unless `dtype` says otherwise.

    >>> lucid.arange(5), lucid.arange(1, 2.5, 0.5), lucid.arange(3, dtype=lucid.float64, requires_grad=True)
    (tensor([0, 1, 2, 3, 4]), tensor([1. , 1.5, 2. ]), tensor([0., 1., 2.], dtype=float64, requires_grad=True))
    """
    if end is None:
        start, end = 0, start
    start, end, step = (_number(v, "arange", n) for v, n in ((start, "start"), (end, "end"), (step, "step")))
    if step == 0:
        raise ValueError("arange step must not be zero")
    if (end - start) * step < 0:
        raise ValueError(f"arange: step {step} points away from end {end} (start {start})")
    if dtype is None:
        integral = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = np.int64 if integral else dtypes.DEFAULT_FLOAT
    kind = dtypes.resolve(dtype)
    count = max(math.ceil((end - start) / step), 0)  # PyTorch's (and NumPy's) length rule
    # Values computed in float64 (or int64) as start + i * step, then cast, as PyTorch does for float32.
    return _made((count,), kind, requires_grad, lambda: (start + np.arange(count) * step).astype(kind))


def linspace(
    start: float, end: float, steps: int, dtype: dtypes.DTypeLike = None, requires_grad: bool = False
) -> Tensor:
    """`steps` evenly spaced values from `start` to `end`, both included (float32 unless `dtype` says otherwise).

    >>> lucid.linspace(0, 1, 5)
    tensor([0.  , 0.25, 0.5 , 0.75, 1.  ])
    """
    start, end = _number(start, "linspace", "start"), _number(end, "linspace", "end")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)):
        raise TypeError(f"linspace: steps must be an int, got {steps!r}")
    if steps < 0:
        raise ValueError(f"linspace steps must be non-negative, got {steps}")
    kind = _float_dtype(dtype)
    return _made((steps,), kind, requires_grad, lambda: np.linspace(start, end, steps).astype(kind))


def randn(*shape: Any, dtype: dtypes.DTypeLike = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples."""
    size, kind = _check_shape(shape_arg(shape)), _float_dtype(dtype)
    return _made(size, kind, requires_grad, lambda: _random.generator().standard_normal(size).astype(kind))


def rand(*shape: Any, dtype: dtypes.DTypeLike = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1)."""
    size, kind = _check_shape(shape_arg(shape)), _float_dtype(dtype)
    return _made(size, kind, requires_grad, lambda: _random.generator().random(size).astype(kind))


def randint(low: int, high: int | None = None, size: Any = (), dtype: dtypes.DTypeLike = None) -> Tensor:
    """Integers in [low, high) (or [0, low) when `high` is None), as int64."""
    if high is None:
        low, high = 0, low
    if high <= low:
        raise ValueError(f"randint needs low < high, got low={low}, high={high}")
    shape = _check_shape(shape_arg((size,) if isinstance(size, int) else (tuple(size),)))
    kind = np.dtype(np.int64) if dtype is None else dtypes.resolve(dtype)
    return _made(shape, kind, False, lambda: _random.generator().integers(low, high, size=shape).astype(kind))


def meshgrid(*tensors: Tensor, indexing: str = "ij") -> list[Tensor]:
    """Coordinate grids; `indexing="ij"` (PyTorch's default) or `"xy"` (NumPy's)."""
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid indexing must be 'ij' or 'xy', got {indexing!r}")
    from lucid.autograd.ops.shape import broadcast_to, reshape

    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    for t in tensors:
        if t.ndim != 1:
            raise ValueError(f"meshgrid takes 1-D tensors, got shape {t.shape}")
    sizes = [t.shape[0] for t in tensors]
    if indexing == "xy" and len(tensors) >= 2:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    grids = []
    for i, t in enumerate(tensors):
        axis = i
        if indexing == "xy" and len(tensors) >= 2 and i < 2:
            axis = 1 - i
        view = [1] * len(tensors)
        view[axis] = t.shape[0]
        grids.append(broadcast_to(reshape(t, tuple(view)), tuple(sizes)))
    return grids
