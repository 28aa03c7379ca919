"""Adaptive pooling, 1-, 2- and 3-d: average or max into a fixed output grid whatever the input size.

PyTorch's window `o` along an axis of length `size` pooled to `out` covers [floor(o * size / out),
ceil((o + 1) * size / out)): windows may differ in length by one and may overlap. Both ops work one axis at a
time: the average is a small matrix product per axis, the max a running comparison over the longest window's
taps per axis (with the winners' positions kept for backward and `return_indices`). No loop over pixels.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lucid.autograd.function import Function, track_outside_apply
from lucid.autograd.ops.conv import Ints, IntTuple, batched, check_rank, ntuple
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


def _along(x: np.ndarray, matrix: np.ndarray, axis: int) -> np.ndarray:
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
            out = _along(out, matrix, 2 + a)
        return out

    def meta(self, x: MetaArray, output_size: Ints) -> MetaArray:
        return MetaArray((*x.shape[:2], *output_size), x.dtype)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        g = grad
        for a, matrix in enumerate(self.matrices):
            g = _along(g, matrix.T, 2 + a)
        return (g,)


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    op_name = "adaptive_avg_pool1d"


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """Average over PyTorch's adaptive windows, as two small matrix products: P_h @ x @ P_w^T."""

    op_name = "adaptive_avg_pool2d"


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    op_name = "adaptive_avg_pool3d"


def adaptive_max(x: np.ndarray, output_size: Ints) -> tuple[np.ndarray, np.ndarray]:
    """The max of every adaptive window of `x (N, C, *size)` and its flat position in its (N, C) plane.

    Reduces the last axis first, then the one before it, ... Along each axis the first maximum wins and NaN
    propagates, so the winner is the first maximum in row-major order, as PyTorch's.
    """
    nd = len(output_size)
    size = x.shape[2:]
    values = x
    chosen: list[np.ndarray] = []  # the winning position along each axis reduced so far (outermost first)
    for a in reversed(range(nd)):
        axis = 2 + a
        start, end = window_bounds(size[a], output_size[a])
        shape = (-1,) + (1,) * (nd - 1 - a)
        best = values.take(start, axis=axis)
        winner = np.broadcast_to(start.reshape(shape), best.shape).copy()
        for t in range(1, int((end - start).max())):
            # A window shorter than the longest repeats its last element: it never beats itself.
            index = np.minimum(start + t, end - 1)
            candidate = values.take(index, axis=axis)
            take = (candidate > best) | np.isnan(candidate)
            np.copyto(best, candidate, where=take)
            np.copyto(winner, np.broadcast_to(index.reshape(shape), best.shape), where=take)
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
        n, c = self.shape[:2]
        plane = int(np.prod(self.shape[2:]))
        # Each output's gradient goes to its winner; windows overlap, so one input may receive several.
        where = self.flat.reshape(n * c, -1) + (np.arange(n * c) * plane)[:, None]
        sums = np.bincount(where.ravel(), weights=grad.reshape(-1), minlength=n * c * plane)
        return (sums.reshape(self.shape).astype(grad.dtype, copy=False),)


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    op_name = "adaptive_max_pool1d"


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    op_name = "adaptive_max_pool2d"


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    op_name = "adaptive_max_pool3d"


_AVG: dict[int, type[_AdaptiveAvgPoolNd]] = {1: AdaptiveAvgPool1d, 2: AdaptiveAvgPool2d, 3: AdaptiveAvgPool3d}
_MAX: dict[int, type[_AdaptiveMaxPoolNd]] = {1: AdaptiveMaxPool1d, 2: AdaptiveMaxPool2d, 3: AdaptiveMaxPool3d}


# ---- functional spellings ---------------------------------------------------------------------------------------


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


def adaptive_avg_pool1d(x: Tensor, output_size: IntTuple) -> Tensor:
    """Average `x (N, C, L)` into `output_size` windows whatever L, as PyTorch.

    >>> adaptive_avg_pool1d(lucid.tensor([[[1.0, 2.0, 3.0, 4.0, 5.0]]]), 2)
    tensor([[[2., 4.]]])
    """
    return adaptive_pool("adaptive_avg_pool1d", 1, "avg", x, output_size, False)  # type: ignore[return-value]


def adaptive_avg_pool2d(x: Tensor, output_size: IntTuple | Sequence[int | None]) -> Tensor:
    """Average into an `output_size` grid whatever the input size (None keeps that axis), as PyTorch.

    >>> adaptive_avg_pool2d(lucid.randn(1, 2, 7, 7), 1).shape
    (1, 2, 1, 1)
    """
    return adaptive_pool("adaptive_avg_pool2d", 2, "avg", x, output_size, False)  # type: ignore[return-value]


def adaptive_avg_pool3d(x: Tensor, output_size: IntTuple | Sequence[int | None]) -> Tensor:
    """Average `x (N, C, D, H, W)` into an `output_size` grid (None keeps that axis), as PyTorch.

    >>> adaptive_avg_pool3d(lucid.randn(1, 2, 5, 7, 7), (1, None, 3)).shape
    (1, 2, 1, 7, 3)
    """
    return adaptive_pool("adaptive_avg_pool3d", 3, "avg", x, output_size, False)  # type: ignore[return-value]


def adaptive_max_pool1d(
    x: Tensor, output_size: IntTuple, return_indices: bool = False
) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum of `x (N, C, L)` over `output_size` windows whatever L, as PyTorch (with `return_indices`, also
    each maximum's position along L).

    >>> adaptive_max_pool1d(lucid.tensor([[[1.0, 5.0, 3.0, 2.0, 4.0]]]), 2, return_indices=True)[1].tolist()
    [[[1, 4]]]
    """
    return adaptive_pool("adaptive_max_pool1d", 1, "max", x, output_size, return_indices)


def adaptive_max_pool2d(
    x: Tensor, output_size: IntTuple | Sequence[int | None], return_indices: bool = False
) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum over an `output_size` grid of windows whatever the input size (None keeps that axis), as PyTorch;
    with `return_indices`, also each maximum's flat position h * W + w in its plane.

    >>> adaptive_max_pool2d(lucid.randn(2, 3, 7, 9), (2, 4)).shape
    (2, 3, 2, 4)
    """
    return adaptive_pool("adaptive_max_pool2d", 2, "max", x, output_size, return_indices)


def adaptive_max_pool3d(
    x: Tensor, output_size: IntTuple | Sequence[int | None], return_indices: bool = False
) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum of `x (N, C, D, H, W)` over an `output_size` grid of windows (None keeps that axis), as PyTorch.

    >>> adaptive_max_pool3d(lucid.randn(1, 2, 5, 6, 7), 2).shape
    (1, 2, 2, 2, 2)
    """
    return adaptive_pool("adaptive_max_pool3d", 3, "max", x, output_size, return_indices)
