"""Shape-only ("meta") tensors: a shape and a dtype, no values, no memory.

Inside `with lucid.meta():` the creation functions that take a shape (`zeros`, `ones`, `full`,
`randn`, `rand`, `randint`, `arange`, `linspace`, the `*_like` ones) make meta tensors, so a model
built there has meta parameters and allocates no weight memory; `lucid.tensor(data)` still holds
its data (small real buffers such as index tables stay usable). Any op with a meta input
computes only its output's shape and dtype: `Function.apply` calls the op's `meta` rule instead
of its `forward`, so the op observer (and lucid-viz's MAC count) sees the same shapes as in a real
run. Reading values (`item()`, `numpy()`, `bool()`, `backward()`) raises `MetaTensorError`.

>>> with lucid.meta():
...     w = lucid.zeros(1000, 1000)
>>> (w @ w).shape, w.is_meta
((1000, 1000), True)
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from lucid._thread_state import state as _state


class MetaTensorError(RuntimeError):
    """A meta (shape-only) tensor was asked for its values."""


class MetaArray:
    """The stand-in for a NumPy array in a meta tensor: `shape`, `dtype`, `ndim`, `size`, `nbytes`, no data.

    >>> MetaArray((2, 3), np.float32).nbytes
    24
    """

    __slots__ = ("dtype", "shape")

    def __init__(self, shape: tuple[int, ...], dtype: Any) -> None:
        self.shape = tuple(int(s) for s in shape)
        self.dtype = np.dtype(dtype)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def nbytes(self) -> int:
        return self.size * self.dtype.itemsize

    def astype(self, dtype: Any, copy: bool = True) -> MetaArray:
        return MetaArray(self.shape, dtype)

    def copy(self) -> MetaArray:
        return MetaArray(self.shape, self.dtype)

    def __repr__(self) -> str:
        return f"MetaArray(shape={self.shape}, dtype={self.dtype})"

    # Anything that wants values gets one clear error instead of a confusing one from NumPy.
    def _no_values(self, *args: Any, **kwargs: Any) -> Any:
        raise MetaTensorError(no_values_message(self.shape, "read values"))

    __array__ = _no_values
    __bool__ = _no_values
    __float__ = _no_values
    __int__ = _no_values
    __iter__ = _no_values
    __getitem__ = _no_values
    __setitem__ = _no_values
    item = _no_values
    any = _no_values
    all = _no_values
    tolist = _no_values


def no_values_message(shape: tuple[int, ...], action: str) -> str:
    return (
        f"cannot {action}: a meta tensor of shape {shape} has a shape and a dtype but no values "
        "(it was made under lucid.meta() or from one that was); build it outside lucid.meta() to compute values"
    )


@contextmanager
def meta() -> Iterator[None]:
    """Make the shape-taking creation functions return meta tensors inside the block (nestable; in this thread
    only).

    >>> with lucid.meta():
    ...     model = lucid.models.efficientformer_l7()   # no weight memory, no random draws
    """
    _state.meta_depth += 1
    try:
        yield
    finally:
        _state.meta_depth -= 1


def is_meta_mode() -> bool:
    """Whether a `meta()` block is open in this thread."""
    return _state.meta_depth > 0


def as_meta(array: Any) -> MetaArray:
    """The shape and dtype of a real or meta array, as a MetaArray."""
    return array if isinstance(array, MetaArray) else MetaArray(array.shape, array.dtype)


def broadcast(*arrays: Any, dtype: Any = None) -> MetaArray:
    """The elementwise rule: inputs broadcast together; the dtype is the first input's unless given.

    Ops get operands of one dtype (the functional spellings promote first), so the first input's
    dtype is the result's; ops whose result differs (comparisons, casts) pass `dtype`.
    """
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    return MetaArray(shape, arrays[0].dtype if dtype is None else dtype)


def indexed_shape(shape: tuple[int, ...], index: Any) -> tuple[int, ...]:
    """The shape `array[index]` has, by NumPy's own rules (and its IndexError), on a zero-stride stand-in whose
    elements take no bytes (dtype V0), so even an advanced index that copies allocates nothing."""
    return np.broadcast_to(np.empty((), dtype=_NO_BYTES), shape)[index].shape


_NO_BYTES = np.dtype("V0")
