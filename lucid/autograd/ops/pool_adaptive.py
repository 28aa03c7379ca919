"""Adaptive pooling, 1-, 2- and 3-d: average or max into a fixed output grid whatever the input size.

PyTorch's window `o` along an axis of length `size` pooled to `out` covers [floor(o * size / out),
ceil((o + 1) * size / out)): windows may differ in length by one and may overlap. Both ops work one axis at a
time: the average is a small matrix product per axis, the max one gather of every window's elements and one argmax
per axis (the winners' positions kept for backward and `return_indices`); evenly dividing windows are blocks of
one reshape instead. No loop over pixels.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lucid.autograd.function import Function, track_outside_apply
from lucid.autograd.ops.conv import Ints, IntTuple, batched, check_rank, ntuple
from lucid.autograd.ops.pool import first_tap, scatter_to_positions
from lucid.shape_only import MetaArray
from lucid.tensor import Tensor


def window_bounds(size: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """The start and (exclusive) end of every adaptive window along one axis."""
    o = np.arange(out)
    return (o * size) // out, -((-(o + 1) * size) // out)


def _adaptive_matrix(size: int, out: int, dtype: np.dtype) -> np.ndarray:
    """(out, size) averaging matrix: row o averages its window."""
    start, end = window_bounds(size, out)
    cols = np.arange(size)
    inside = (cols[None, :] >= start[:, None]) & (cols[None, :] < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def along_axis(x: np.ndarray, matrix: np.ndarray, axis: int) -> np.ndarray:
    """`matrix (out, size)` applied along `axis` of `x`: one matrix product, no transposing copy."""
    if axis == x.ndim - 1:
        return np.matmul(x, matrix.T)
    lead, rest = x.shape[:axis], x.shape[axis + 1 :]
    flat = x.reshape(*lead, x.shape[axis], int(np.prod(rest)))
    return np.matmul(matrix, flat).reshape(*lead, matrix.shape[0], *rest)


class _AdaptiveAvgPoolNd(Function):
    reads_inputs = False

    def forward(self, x: np.ndarray, output_size: Ints) -> np.ndarray:
        nd = len(output_size)
        self.matrices = [_adaptive_matrix(n, o, x.dtype) for n, o in zip(x.shape[2:], output_size, strict=True)]
        if all(o == 1 for o in output_size):
            return x.mean(axis=tuple(range(2, 2 + nd)), keepdims=True)
        out = x
        for a, matrix in enumerate(self.matrices):
            out = along_axis(out, matrix, 2 + a)
        return out

    def meta(self, x: MetaArray, output_size: Ints) -> MetaArray:
        return MetaArray((*x.shape[:2], *output_size), x.dtype)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        if all(matrix.shape[0] == 1 for matrix in self.matrices):
            # A global average's gradient is the output's, spread evenly: one fill, no matrix products.
            spread = np.empty((*grad.shape[:2], *(m.shape[1] for m in self.matrices)), dtype=grad.dtype)
            spread[...] = grad * grad.dtype.type(1 / int(np.prod(spread.shape[2:])))
            return (spread,)
        g = grad
        for a, matrix in enumerate(self.matrices):
            g = along_axis(g, matrix.T, 2 + a)
        return (g,)


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    op_name = "adaptive_avg_pool1d"


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """Average over PyTorch's adaptive windows, as two small matrix products: P_h @ x @ P_w^T."""

    op_name = "adaptive_avg_pool2d"


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    op_name = "adaptive_avg_pool3d"


# Windows up to this long are searched tap by tap (a few elementwise passes each); longer ones by one argmax, whose
# cost does not grow with a Python loop over the taps.
_SHORT_WINDOW = 16


def _first_max(windows: np.ndarray, has_nan: bool) -> tuple[np.ndarray, np.ndarray]:
    """The maximum of every window, tap t of each being `windows[t]`, and the tap PyTorch picks: the first
    maximum, or the last NaN where there is one."""
    best = windows.max(axis=0)
    length = windows.shape[0]
    if length <= _SHORT_WINDOW:
        return best, first_tap(list(windows), best)
    by_window = np.moveaxis(windows, 0, -1)
    step = by_window.argmax(axis=-1)
    if has_nan:
        # argmax picks the first NaN; PyTorch's comparison loop keeps the last.
        reversed_nan = np.isnan(by_window[..., ::-1])
        step = np.where(reversed_nan.any(axis=-1), length - 1 - reversed_nan.argmax(axis=-1), step)
    return best, step


def _block_max(x: np.ndarray, output_size: Ints) -> tuple[np.ndarray, np.ndarray]:
    """`adaptive_max` where every axis divides evenly: the windows are the blocks of one reshape, and each block's
    first maximum is one `argmax` over its elements laid out in row-major order."""
    nd = len(output_size)
    size = x.shape[2:]
    kernel = [n // o for n, o in zip(size, output_size, strict=True)]
    split = x.reshape(*x.shape[:2], *(v for o, k in zip(output_size, kernel, strict=True) for v in (o, k)))
    order = (*range(3, 3 + 2 * nd, 2), 0, 1, *range(2, 2 + 2 * nd, 2))  # the taps first, then (N, C, *out)
    blocks = split.transpose(order).reshape(-1, *x.shape[:2], *output_size)
    best, tap = _first_max(blocks, x.dtype.kind == "f" and bool(np.isnan(x).any()))
    offsets = np.unravel_index(tap, kernel)
    flat = np.zeros(best.shape, dtype=np.int64)
    for a in range(nd):
        start = (np.arange(output_size[a]) * kernel[a]).reshape((-1,) + (1,) * (nd - 1 - a))
        flat = flat * size[a] + start + offsets[a]
    return best, flat


def adaptive_max(x: np.ndarray, output_size: Ints) -> tuple[np.ndarray, np.ndarray]:
    """The max of every adaptive window of `x (N, C, *size)` and its flat position in its (N, C) plane: the first
    maximum in row-major order, or the last NaN, as PyTorch's.

    Evenly dividing windows are blocks (`_block_max`). Otherwise the last axis is reduced first, then the one
    before it, ...; along each axis the first maximum (the last NaN) wins, which makes the winner PyTorch's in
    row-major order too.
    """
    if all(n % o == 0 for n, o in zip(x.shape[2:], output_size, strict=True)):
        return _block_max(x, output_size)
    nd = len(output_size)
    size = x.shape[2:]
    has_nan = x.dtype.kind == "f" and bool(np.isnan(x).any())
    values = x
    chosen: list[np.ndarray] = []  # the winning position along each axis reduced so far (outermost first)
    for a in reversed(range(nd)):
        axis = 2 + a
        start, end = window_bounds(size[a], output_size[a])
        # Tap t of every window along this axis, for all t, as one gather onto a new first axis: (taps, out, ...).
        # Shorter windows repeat their last element, which never beats itself.
        index = np.minimum(start[:, None] + np.arange(int((end - start).max())), (end - 1)[:, None])
        windows = np.moveaxis(values, axis, 0).take(index.T, axis=0)
        best, step = _first_max(windows, has_nan)
        best = np.moveaxis(best, 0, axis)
        last = (end - 1).reshape((-1,) + (1,) * (values.ndim - 1))
        winner = np.moveaxis(np.minimum(start.reshape(last.shape) + step, last), 0, axis)
        # The axes reduced before this one chose a position in every row along this axis; keep the winning row's.
        chosen = [winner] + [np.take_along_axis(c, winner, axis=axis) for c in chosen]
        values = best
    flat = np.zeros(values.shape, dtype=np.int64)
    for a in range(nd):
        flat = flat * size[a] + chosen[a]
    return values, flat


class _AdaptiveMaxPoolNd(Function):
    reads_inputs = False

    def forward(self, x: np.ndarray, output_size: Ints) -> np.ndarray:
        best, self.flat = adaptive_max(x, output_size)
        self.shape = x.shape
        return best

    def meta(self, x: MetaArray, output_size: Ints) -> MetaArray:
        return MetaArray((*x.shape[:2], *output_size), x.dtype)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        # Each output's gradient goes to its winner; windows overlap, so one input may receive several.
        return (scatter_to_positions(grad, self.flat, self.shape),)


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    op_name = "adaptive_max_pool1d"


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    op_name = "adaptive_max_pool2d"


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    op_name = "adaptive_max_pool3d"


_AVG: dict[int, type[_AdaptiveAvgPoolNd]] = {1: AdaptiveAvgPool1d, 2: AdaptiveAvgPool2d, 3: AdaptiveAvgPool3d}
_MAX: dict[int, type[_AdaptiveMaxPoolNd]] = {1: AdaptiveMaxPool1d, 2: AdaptiveMaxPool2d, 3: AdaptiveMaxPool3d}


# ---- the checks and calls of the functions and layers -----------------------------------------------------------


def _output_size(where: str, nd: int, x: Tensor, output_size: IntTuple | Sequence[int | None]) -> Ints:
    """`output_size` as nd ints; None in a sequence keeps that axis's input size, as PyTorch."""
    if isinstance(output_size, Sequence) and not isinstance(output_size, str) and len(output_size) == nd:
        output_size = tuple(x.shape[-nd + a] if s is None else s for a, s in enumerate(output_size))
    size = ntuple(output_size, nd, "output_size", where)  # type: ignore[arg-type]
    if min(size) < 1:
        raise ValueError(f"{where}: output_size must be positive, got {size}")
    if min(x.shape[-nd:]) < 1:
        raise ValueError(f"{where}: input of shape {x.shape} has an empty spatial axis")
    return size


def adaptive_pool(
    where: str, nd: int, kind: str, x: Tensor, output_size: IntTuple | Sequence[int | None], return_indices: bool
) -> Tensor | tuple[Tensor, Tensor]:
    """The checks and the call shared by the adaptive poolings (`kind` "avg" or "max")."""
    check_rank(where, x, nd)
    size = _output_size(where, nd, x, output_size)
    batch, added = batched(x, nd)
    out = (_AVG if kind == "avg" else _MAX)[nd].apply(batch, output_size=size)
    out = out.squeeze(0) if added else out
    if not return_indices:
        return out
    if out.is_meta:
        return out, track_outside_apply("max_pool_indices", (x,), Tensor(MetaArray(out.shape, np.int64)))
    # The op keeps its winners only while a graph needs them, so they are found again here (one more pass).
    _, flat = adaptive_max(batch.numpy(), size)
    return out, track_outside_apply("max_pool_indices", (x,), Tensor(flat.reshape(out.shape)))
