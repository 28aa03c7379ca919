"""`pad`, PyTorch's `F.pad`: the pad spec lists the last axis first, and the modes constant, reflect, replicate
and circular fill the border.

Constant padding is the shape family's `Pad` op (negative widths crop, through indexing). The other three modes
are one op, `BorderPad`, whose fill is read from the input itself, so its backward folds the border's gradient
back onto the positions it copied: one slice add per padded side, no loop over elements.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lucid.autograd.function import Function
from lucid.autograd.ops import shape
from lucid.shape_only import MetaArray
from lucid.tensor import Tensor

Widths = tuple[tuple[int, int], ...]

# PyTorch's mode names and NumPy's names for the same fill.
_NUMPY_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _on(axis: int, ndim: int, index: slice) -> tuple[slice, ...]:
    """An index taking `index` along `axis` and everything along the other axes."""
    return (slice(None),) * axis + (index,) + (slice(None),) * (ndim - axis - 1)


class BorderPad(Function):
    """Pad each axis by (before, after) >= 0 with values read from the input: reflected about the edge element
    (not repeating it), replicated from the edge element, or wrapped around (circular)."""

    op_name = "pad"
    reads_inputs = False

    def forward(self, x: np.ndarray, widths: Widths, mode: str) -> np.ndarray:
        self.shape, self.widths, self.mode = x.shape, widths, mode
        return np.pad(x, widths, mode=_NUMPY_MODES[mode])

    def meta(self, x: MetaArray, widths: Widths, mode: str) -> MetaArray:
        return MetaArray(tuple(s + a + b for s, (a, b) in zip(x.shape, widths, strict=True)), x.dtype)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        g = grad
        for axis, (before, after) in enumerate(self.widths):
            if before or after:
                g = _fold_axis(g, axis, before, after, self.shape[axis], self.mode)
        return (g,)


def _fold_axis(g: np.ndarray, axis: int, before: int, after: int, size: int, mode: str) -> np.ndarray:
    """The gradient of one padded axis: the centre's gradient plus each border's, added where it was read."""
    ndim = g.ndim
    out = g[_on(axis, ndim, slice(before, before + size))].copy()
    left = g[_on(axis, ndim, slice(0, before))]
    right = g[_on(axis, ndim, slice(before + size, before + size + after))]
    if mode == "reflect":
        # Left border position j (0-based) copied x[before - j]; right border position j copied x[size - 2 - j].
        if before:
            out[_on(axis, ndim, slice(1, before + 1))] += np.flip(left, axis)
        if after:
            out[_on(axis, ndim, slice(size - 1 - after, size - 1))] += np.flip(right, axis)
    elif mode == "replicate":
        if before:
            out[_on(axis, ndim, slice(0, 1))] += left.sum(axis=axis, keepdims=True)
        if after:
            out[_on(axis, ndim, slice(size - 1, size))] += right.sum(axis=axis, keepdims=True)
    else:  # circular: the left border is the input's last `before` elements, the right its first `after`
        if before:
            out[_on(axis, ndim, slice(size - before, size))] += left
        if after:
            out[_on(axis, ndim, slice(0, after))] += right
    return out


def _widths(where: str, x: Tensor, pad: Sequence[int]) -> list[tuple[int, int]]:
    """PyTorch's flat pad spec (last axis first: left, right, top, bottom, ...) as one (before, after) per axis."""
    if isinstance(pad, (str, bytes)) or not isinstance(pad, Sequence):
        raise TypeError(f"{where}: pad must be a sequence of ints, got {pad!r}")
    values = list(pad)
    if any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in values):
        raise TypeError(f"{where}: pad must be a sequence of ints, got {pad!r}")
    if len(values) % 2 or len(values) // 2 > x.ndim:
        raise ValueError(
            f"{where}: pad {tuple(values)} must have an even length of at most 2 * {x.ndim} for an input of "
            f"shape {x.shape}"
        )
    widths = [(0, 0)] * x.ndim
    for i in range(len(values) // 2):
        widths[x.ndim - 1 - i] = (int(values[2 * i]), int(values[2 * i + 1]))
    for axis, ((a, b), size) in enumerate(zip(widths, x.shape, strict=True)):
        if size + a + b < 0:
            raise ValueError(f"{where}: pad {(a, b)} would leave axis {axis} of input {x.shape} a negative size")
    return widths


def _crop(x: Tensor, widths: list[tuple[int, int]]) -> Tensor:
    """Drop the elements negative widths remove (a no-op without them)."""
    if all(a >= 0 and b >= 0 for a, b in widths):
        return x
    index = tuple(slice(max(0, -a), size - max(0, -b)) for (a, b), size in zip(widths, x.shape, strict=True))
    return shape.getitem(x, index)


def pad_as(where: str, x: Tensor, pad: Sequence[int], mode: str, value: float | None) -> Tensor:
    """`pad` with its errors naming `where` (the function or the layer)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{where}: expected a lucid Tensor, got {type(x).__name__}")
    widths = _widths(where, x, pad)
    if mode == "constant":
        x = _crop(x, widths)
        grow = tuple((max(0, a), max(0, b)) for a, b in widths)
        if not any(a or b for a, b in grow):
            return x
        return shape.Pad.apply(x, widths=grow, value=0.0 if value is None else value)
    if mode not in _NUMPY_MODES:
        raise ValueError(f"{where}: mode must be 'constant', 'reflect', 'replicate' or 'circular', got {mode!r}")
    if value is not None and value != 0:
        raise ValueError(f"{where}: mode={mode!r} takes no fill value, got value={value!r}")
    grow = tuple((max(0, a), max(0, b)) for a, b in widths)
    if mode == "circular":
        # As PyTorch: crop first, then wrap what is left; a wrap may not go around more than once.
        x = _crop(x, widths)
    for axis, ((a, b), size) in enumerate(zip(grow, x.shape, strict=True)):
        if not (a or b):
            continue
        if mode == "reflect" and max(a, b) >= size:
            expected = f"smaller than the axis size {size}"
        elif mode == "circular" and max(a, b) > size:
            expected = f"at most the axis size {size}"
        elif size == 0:
            expected = "on a non-empty axis"
        else:
            continue
        raise ValueError(f"{where}: {mode} padding {(a, b)} of axis {axis} must be {expected} (input shape {x.shape})")
    result = BorderPad.apply(x, widths=grow, mode=mode) if any(a or b for a, b in grow) else x
    return result if mode == "circular" else _crop(result, widths)


def pad(x: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad `x` by `pad` = (left, right) for the last axis, then (top, bottom) for the one before, and so on, as
    PyTorch's `F.pad`. Modes: "constant" (with `value`, 0 by default), "reflect", "replicate", "circular";
    negative widths crop.

    >>> pad(lucid.tensor([[1.0, 2.0, 3.0]]), (2, 1), mode="reflect")
    tensor([[3., 2., 1., 2., 3., 2.]])
    """
    return pad_as("pad", x, pad, mode, value)
