"""Window pooling, 1-, 2- and 3-d: average and max, with PyTorch's output sizes, divisors and ceil_mode.

Windows are visited as strided slices, one per kernel tap (no loop over pixels); backward adds each tap's
gradient back through the same slices. The number of spatial axes is the length of the `kernel` option, so
AvgPool1d/2d/3d (and MaxPool1d/2d/3d) are one op under three names. Adaptive pooling is in pool_adaptive.py.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from lucid.autograd.function import Function, track_outside_apply
from lucid.autograd.ops.conv import IntPair, Ints, IntTuple, batched, check_rank, ntuple
from lucid.shape_only import MetaArray
from lucid.tensor import Tensor


def pool_out_size(size: int, kernel: int, stride: int, padding: int, dilation: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output length, including its ceil_mode rule: the last window must start
    inside the input or the left padding, never wholly in the right overhang."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (-(-span // stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def _tap(start: int, stride: int, count: int) -> slice:
    return slice(start, start + stride * (count - 1) + 1, stride)


def _on(axis: int, index: slice) -> tuple[slice, ...]:
    """An index taking `index` along `axis` and everything along the axes before it."""
    return (slice(None),) * axis + (index,)


def _divisors(size: int, out: int, kernel: int, stride: int, padding: int, count_include_pad: bool) -> np.ndarray:
    """Per-window element count along one axis (the n-d divisor is the outer product)."""
    start = np.arange(out) * stride - padding
    end = np.minimum(start + kernel, size + padding)  # the padded area counts; the ceil overhang does not
    if count_include_pad:
        return end - start
    return np.minimum(end, size) - np.maximum(start, 0)


def _out_sizes(size: Ints, kernel: Ints, stride: Ints, padding: Ints, dilation: Ints, ceil_mode: bool) -> Ints:
    return tuple(map(pool_out_size, size, kernel, stride, padding, dilation, (ceil_mode,) * len(size)))


def _padded(x: np.ndarray, kernel: Ints, stride: Ints, padding: Ints, dilation: Ints, out: Ints, fill: float):
    """`x` padded on the left by `padding` and on the right far enough for every window, ceil_mode's last
    one included; returns the array (unpadded when no side needs padding)."""
    geometry = zip(x.shape[2:], kernel, stride, padding, dilation, out, strict=True)
    right = [max(p, (o - 1) * s + d * (k - 1) + 1 - n - p) for n, k, s, p, d, o in geometry]
    if not any(padding) and not any(right):
        return x
    return np.pad(x, ((0, 0), (0, 0), *zip(padding, right, strict=True)), constant_values=fill)


def _pooled(x: MetaArray, kernel: Ints, stride: Ints, padding: Ints, dilation: Ints, ceil_mode: bool) -> MetaArray:
    """The shape rule shared by average and max pooling (the output sizes their forwards compute)."""
    return MetaArray((*x.shape[:2], *_out_sizes(x.shape[2:], kernel, stride, padding, dilation, ceil_mode)), x.dtype)


class _AvgPoolNd(Function):
    reads_inputs = False

    def forward(
        self,
        x: np.ndarray,
        kernel: Ints,
        stride: Ints,
        padding: Ints,
        ceil_mode: bool,
        count_include_pad: bool,
        divisor_override: int | None,
    ) -> np.ndarray:
        nd = len(kernel)
        size = x.shape[2:]
        ones = (1,) * nd
        out = _out_sizes(size, kernel, stride, padding, ones, ceil_mode)
        # Right padding also covers a ceil_mode window hanging past the padded input (it reads zeros).
        xp = _padded(x, kernel, stride, padding, ones, out, 0)
        # A box sum is separable: sum the k taps along one axis at a time (sum of k, not product of k, adds).
        total = xp
        for a in range(nd):
            axis = 2 + a
            acc = total[_on(axis, _tap(0, stride[a], out[a]))].copy()
            for i in range(1, kernel[a]):
                acc += total[_on(axis, _tap(i, stride[a], out[a]))]
            total = acc
        if divisor_override is not None:
            divisor = np.full(out, float(divisor_override))
        else:
            divisor = np.ones(out)
            for a in range(nd):
                along = _divisors(size[a], out[a], kernel[a], stride[a], padding[a], count_include_pad)
                divisor = divisor * along.reshape((-1,) + (1,) * (nd - 1 - a))
        self.scale = (1.0 / divisor).astype(x.dtype)
        self.geometry = (size, xp.shape, kernel, stride, padding, out)
        return total * self.scale

    def meta(
        self,
        x: MetaArray,
        kernel: Ints,
        stride: Ints,
        padding: Ints,
        ceil_mode: bool,
        count_include_pad: bool,
        divisor_override: int | None,
    ) -> MetaArray:
        return _pooled(x, kernel, stride, padding, (1,) * len(kernel), ceil_mode)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        size, padded_shape, kernel, stride, padding, out = self.geometry
        g = grad * self.scale
        # Undo the separable sums in reverse order: each spreads one axis back to its padded length.
        for a in reversed(range(len(kernel))):
            axis = 2 + a
            spread = np.zeros((*g.shape[:axis], padded_shape[axis], *g.shape[axis + 1 :]), dtype=grad.dtype)
            for i in range(kernel[a]):
                spread[_on(axis, _tap(i, stride[a], out[a]))] += g
            g = spread
        return (g[(slice(None), slice(None), *(slice(p, p + n) for p, n in zip(padding, size, strict=True)))],)


class AvgPool1d(_AvgPoolNd):
    op_name = "avg_pool1d"


class AvgPool2d(_AvgPoolNd):
    op_name = "avg_pool2d"


class AvgPool3d(_AvgPoolNd):
    op_name = "avg_pool3d"


def max_windows(
    x: np.ndarray, kernel: Ints, stride: Ints, padding: Ints, dilation: Ints, ceil_mode: bool
) -> tuple[np.ndarray, np.ndarray, tuple[int, ...], Ints]:
    """The max of every window of `x (N, C, *size)`, the winning tap's number (row-major over the kernel; the
    first maximum wins, NaN propagates, as PyTorch), the padded shape and the output size."""
    out = _out_sizes(x.shape[2:], kernel, stride, padding, dilation, ceil_mode)
    # Padding never wins a max: it is -inf (every window holds at least one real element).
    low = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    xp = _padded(x, kernel, stride, padding, dilation, out, low)
    whole = (slice(None), slice(None))
    best = xp[whole + tuple(_tap(0, s, o) for s, o in zip(stride, out, strict=True))].copy()
    winner = np.zeros(best.shape, dtype=np.int32)
    for number, tap in enumerate(itertools.product(*(range(k) for k in kernel))):
        if number == 0:
            continue
        view = xp[whole + tuple(_tap(t * d, s, o) for t, d, s, o in zip(tap, dilation, stride, out, strict=True))]
        # Strictly greater keeps the first maximum; NaN propagates as in PyTorch.
        take = (view > best) | np.isnan(view)
        np.copyto(best, view, where=take)
        winner[take] = number
    return best, winner, xp.shape, out


class _MaxPoolNd(Function):
    """Max over each window; the gradient goes to the first maximum of the window, as PyTorch."""

    reads_inputs = False

    def forward(
        self, x: np.ndarray, kernel: Ints, stride: Ints, padding: Ints, dilation: Ints, ceil_mode: bool
    ) -> np.ndarray:
        best, self.winner, padded_shape, out = max_windows(x, kernel, stride, padding, dilation, ceil_mode)
        self.geometry = (x.shape[2:], padded_shape, kernel, stride, padding, dilation, out)
        return best

    def meta(
        self, x: MetaArray, kernel: Ints, stride: Ints, padding: Ints, dilation: Ints, ceil_mode: bool
    ) -> MetaArray:
        return _pooled(x, kernel, stride, padding, dilation, ceil_mode)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        size, padded_shape, kernel, stride, padding, dilation, out = self.geometry
        gxp = np.zeros(padded_shape, dtype=grad.dtype)
        zero = np.zeros((), dtype=grad.dtype)
        whole = (slice(None), slice(None))
        for number, tap in enumerate(itertools.product(*(range(k) for k in kernel))):
            region = tuple(_tap(t * d, s, o) for t, d, s, o in zip(tap, dilation, stride, out, strict=True))
            gxp[whole + region] += np.where(self.winner == number, grad, zero)
        return (gxp[whole + tuple(slice(p, p + n) for p, n in zip(padding, size, strict=True))],)


class MaxPool1d(_MaxPoolNd):
    op_name = "max_pool1d"


class MaxPool2d(_MaxPoolNd):
    op_name = "max_pool2d"


class MaxPool3d(_MaxPoolNd):
    op_name = "max_pool3d"


_AVG: dict[int, type[_AvgPoolNd]] = {1: AvgPool1d, 2: AvgPool2d, 3: AvgPool3d}
_MAX: dict[int, type[_MaxPoolNd]] = {1: MaxPool1d, 2: MaxPool2d, 3: MaxPool3d}


# ---- functional spellings ---------------------------------------------------------------------------------------


def run_batched(x: Tensor, nd: int, op: type[Function], **options: object) -> Tensor:
    """Run a pooling op on (N, C, *size); an unbatched (C, *size) input gets a batch axis of 1 and loses it again."""
    batch, added = batched(x, nd)
    out = op.apply(batch, **options)
    return out.squeeze(0) if added else out


def _window_args(
    where: str, nd: int, kernel_size: IntTuple, stride: IntTuple | None, padding: IntTuple, dilation: IntTuple = 1
) -> tuple[Ints, Ints, Ints, Ints]:
    kernel = ntuple(kernel_size, nd, "kernel_size", where)
    no_stride = stride is None or (isinstance(stride, Sequence) and len(stride) == 0)
    step = kernel if no_stride else ntuple(stride, nd, "stride", where)  # type: ignore[arg-type]
    pad, dil = ntuple(padding, nd, "padding", where), ntuple(dilation, nd, "dilation", where)
    if min(kernel) < 1 or min(step) < 1 or min(dil) < 1 or min(pad) < 0:
        raise ValueError(
            f"{where}: kernel_size, stride and dilation must be >= 1 and padding >= 0, got kernel_size={kernel}, "
            f"stride={step}, dilation={dil}, padding={pad}"
        )
    for p, k, d in zip(pad, kernel, dil, strict=True):
        if 2 * p > d * (k - 1) + 1:
            raise ValueError(f"{where}: padding {pad} must be at most half of the (dilated) kernel size {kernel}")
    return kernel, step, pad, dil


def _check_output(where: str, x: Tensor, out: Ints) -> None:
    if min(out) < 1:
        raise ValueError(f"{where}: input of shape {x.shape} is too small for the window; output would be {out}")


def avg_pool(
    where: str,
    nd: int,
    x: Tensor,
    kernel_size: IntTuple,
    stride: IntTuple | None,
    padding: IntTuple,
    ceil_mode: bool,
    count_include_pad: bool,
    divisor_override: int | None,
) -> Tensor:
    """The checks and the call shared by avg_pool1d, 2d and 3d."""
    check_rank(where, x, nd)
    kernel, step, pad, _ = _window_args(where, nd, kernel_size, stride, padding)
    integer = isinstance(divisor_override, (int, np.integer)) and not isinstance(divisor_override, bool)
    if divisor_override is not None and (not integer or divisor_override <= 0):
        raise ValueError(f"{where}: divisor_override must be a positive int, got {divisor_override!r}")
    _check_output(where, x, _out_sizes(x.shape[-nd:], kernel, step, pad, (1,) * nd, bool(ceil_mode)))
    options = {"kernel": kernel, "stride": step, "padding": pad, "ceil_mode": bool(ceil_mode)}
    options |= {"count_include_pad": bool(count_include_pad), "divisor_override": divisor_override}
    return run_batched(x, nd, _AVG[nd], **options)


def max_pool(
    where: str,
    nd: int,
    x: Tensor,
    kernel_size: IntTuple,
    stride: IntTuple | None,
    padding: IntTuple,
    dilation: IntTuple,
    ceil_mode: bool,
    return_indices: bool,
) -> Tensor | tuple[Tensor, Tensor]:
    """The checks and the call shared by max_pool1d, 2d and 3d."""
    check_rank(where, x, nd)
    kernel, step, pad, dil = _window_args(where, nd, kernel_size, stride, padding, dilation)
    _check_output(where, x, _out_sizes(x.shape[-nd:], kernel, step, pad, dil, bool(ceil_mode)))
    options = {"kernel": kernel, "stride": step, "padding": pad, "dilation": dil, "ceil_mode": bool(ceil_mode)}
    out = run_batched(x, nd, _MAX[nd], **options)
    if not return_indices:
        return out
    if out.is_meta:
        return out, track_outside_apply("max_pool_indices", (x,), Tensor(MetaArray(out.shape, np.int64)))
    # The op keeps its winners only while a graph needs them, so they are found again here (one more pass).
    batch, _ = batched(x, nd)
    _, winner, _, size_out = max_windows(batch.numpy(), kernel, step, pad, dil, bool(ceil_mode))
    taps = np.unravel_index(winner, kernel)
    flat = np.zeros(winner.shape, dtype=np.int64)
    for a in range(nd):
        position = np.arange(size_out[a]).reshape((-1,) + (1,) * (nd - 1 - a)) * step[a] - pad[a]
        flat = flat * x.shape[-nd + a] + position + taps[a] * dil[a]
    indices = Tensor(flat.reshape(out.shape))
    return out, track_outside_apply("max_pool_indices", (x,), indices)


def avg_pool1d(
    x: Tensor,
    kernel_size: IntTuple,
    stride: IntTuple | None = None,
    padding: IntTuple = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """Average over `kernel_size` windows of `x (N, C, L)` (stride defaults to the kernel size), as PyTorch.

    >>> avg_pool1d(lucid.tensor([[[1.0, 2.0, 3.0, 4.0]]]), 2)
    tensor([[[1.5, 3.5]]])
    """
    return avg_pool("avg_pool1d", 1, x, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(
    x: Tensor,
    kernel_size: IntPair,
    stride: IntPair | None = None,
    padding: IntPair = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Average over `kernel_size` windows (stride defaults to the kernel size), as PyTorch's `avg_pool2d`.

    >>> avg_pool2d(lucid.randn(1, 2, 6, 6), 3, stride=1, padding=1, count_include_pad=False).shape
    (1, 2, 6, 6)
    """
    args = (kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
    return avg_pool("avg_pool2d", 2, x, *args)


def avg_pool3d(
    x: Tensor,
    kernel_size: IntTuple,
    stride: IntTuple | None = None,
    padding: IntTuple = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Average over `kernel_size` windows of `x (N, C, D, H, W)` (stride defaults to the kernel size), as PyTorch.

    >>> avg_pool3d(lucid.randn(1, 2, 4, 6, 6), (2, 3, 3)).shape
    (1, 2, 2, 2, 2)
    """
    args = (kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
    return avg_pool("avg_pool3d", 3, x, *args)


def max_pool1d(
    x: Tensor,
    kernel_size: IntTuple,
    stride: IntTuple | None = None,
    padding: IntTuple = 0,
    dilation: IntTuple = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum over `kernel_size` windows of `x (N, C, L)`, as PyTorch's `max_pool1d`; with `return_indices`, also
    each maximum's position along L.

    >>> max_pool1d(lucid.tensor([[[1.0, 5.0, 3.0, 2.0]]]), 2, return_indices=True)[1].tolist()
    [[[1, 2]]]
    """
    return max_pool("max_pool1d", 1, x, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(
    x: Tensor,
    kernel_size: IntPair,
    stride: IntPair | None = None,
    padding: IntPair = 0,
    dilation: IntPair = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum over `kernel_size` windows (stride defaults to the kernel size), as PyTorch's `max_pool2d`; with
    `return_indices`, also each maximum's flat position h * W + w in its plane.

    >>> max_pool2d(lucid.randn(1, 2, 8, 8), 2).shape
    (1, 2, 4, 4)
    """
    return max_pool("max_pool2d", 2, x, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool3d(
    x: Tensor,
    kernel_size: IntTuple,
    stride: IntTuple | None = None,
    padding: IntTuple = 0,
    dilation: IntTuple = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum over `kernel_size` windows of `x (N, C, D, H, W)`, as PyTorch's `max_pool3d`.

    >>> max_pool3d(lucid.randn(1, 2, 4, 6, 6), 2, stride=2, padding=1).shape
    (1, 2, 3, 4, 4)
    """
    return max_pool("max_pool3d", 3, x, kernel_size, stride, padding, dilation, ceil_mode, return_indices)
