"""Window pooling, 1-, 2- and 3-d: average and max, with PyTorch's output sizes, divisors and ceil_mode.

Windows are visited as strided slices, one per kernel tap (no loop over pixels); backward adds each tap's
gradient back through the same slices. The number of spatial axes is the length of the `kernel` option, so
AvgPool1d/2d/3d (and MaxPool1d/2d/3d) are one op under three names. Adaptive pooling is in pool_adaptive.py,
the public functions (`avg_pool2d`, ...) in lucid/nn/functional/pool.py.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from lucid.autograd.function import Function, track_outside_apply
from lucid.autograd.ops.conv import Ints, IntTuple, batched, check_rank, ntuple
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


def _kernel_taps(kernel: Ints) -> list[tuple[int, ...]]:
    return list(itertools.product(*(range(k) for k in kernel)))


def _window(tap: tuple[int, ...], dilation: Ints, stride: Ints, out: Ints) -> tuple[slice, ...]:
    """The index of one tap's view: that tap of every window."""
    taps = (_tap(t * d, s, o) for t, d, s, o in zip(tap, dilation, stride, out, strict=True))
    return (slice(None), slice(None), *taps)


def _max_padded(x: np.ndarray, kernel: Ints, stride: Ints, padding: Ints, dilation: Ints, out: Ints) -> np.ndarray:
    # Padding never wins a max: it is -inf (every window holds at least one real element).
    low = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    return _padded(x, kernel, stride, padding, dilation, out, low)


def max_windows(
    x: np.ndarray, kernel: Ints, stride: Ints, padding: Ints, dilation: Ints, ceil_mode: bool
) -> tuple[np.ndarray, np.ndarray, Ints]:
    """The max of every window of `x (N, C, *size)` (NaN propagates, as in PyTorch), the padded input it was read
    from, and the output size: one `np.maximum` per kernel tap."""
    out = _out_sizes(x.shape[2:], kernel, stride, padding, dilation, ceil_mode)
    xp = _max_padded(x, kernel, stride, padding, dilation, out)
    best = None
    for tap in _kernel_taps(kernel):
        view = xp[_window(tap, dilation, stride, out)]
        best = view.copy() if best is None else np.maximum(best, view, out=best)
    return best, xp, out  # type: ignore[return-value]


def first_tap(views: Sequence[np.ndarray], best: np.ndarray) -> np.ndarray:
    """Which of the `views` (one per tap, in row-major tap order) first holds `best`, their elementwise maximum,
    or holds its last NaN where `best` is NaN: PyTorch's pick. Counted with elementwise passes only (the taps
    before the first match), which beat masked writes several times over."""
    missing = views[0] != best
    step = missing.astype(np.int64)
    for view in views[1:]:
        missing &= view != best
        step += missing
    if best.dtype.kind == "f":
        nan = np.isnan(best)
        if nan.any():
            # A NaN never equals itself: count instead the taps after the last NaN.
            after = ~np.isnan(views[-1])
            later = after.astype(np.int64)
            for view in views[-2::-1]:
                after &= ~np.isnan(view)
                later += after
            step = np.where(nan, len(views) - 1 - later, step)
    return step


def max_positions(xp: np.ndarray, best: np.ndarray, kernel: Ints, stride: Ints, dilation: Ints) -> np.ndarray:
    """For every window, the flat position in its (N, C) plane of `xp` of the maximum PyTorch picks: the first in
    row-major order, or the last NaN where the window holds NaN."""
    nd, out = len(kernel), best.shape[2:]
    steps = [int(np.prod(xp.shape[3 + a :])) for a in range(nd)]  # element strides within one plane
    taps = _kernel_taps(kernel)
    offsets = np.array([sum(t * d * s for t, d, s in zip(tap, dilation, steps, strict=True)) for tap in taps])
    position = offsets[first_tap([xp[_window(tap, dilation, stride, out)] for tap in taps], best)]
    for a in range(nd):
        position += (np.arange(out[a]) * (stride[a] * steps[a])).reshape((-1,) + (1,) * (nd - 1 - a))
    return position


def scatter_to_positions(grad: np.ndarray, position: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """An array of `shape` (N, C, *size) holding each of grad's values added at its flat position in its plane
    (positions may repeat: overlapping windows can pick the same element)."""
    planes, plane = shape[0] * shape[1], int(np.prod(shape[2:]))
    where = position.reshape(planes, -1) + (np.arange(planes) * plane)[:, None]
    sums = np.bincount(where.ravel(), weights=grad.reshape(-1), minlength=planes * plane)
    return sums.reshape(shape).astype(grad.dtype, copy=False)


class _MaxPoolNd(Function):
    """Max over each window; the gradient goes to the maximum PyTorch picks (see `max_positions`), found in
    backward, so that a forward without a graph makes no more than one pass per tap."""

    def forward(
        self, x: np.ndarray, kernel: Ints, stride: Ints, padding: Ints, dilation: Ints, ceil_mode: bool
    ) -> np.ndarray:
        best, self.xp, _ = max_windows(x, kernel, stride, padding, dilation, ceil_mode)
        # Backward compares against the maxima; a copy of its own leaves the output free to be changed in place, as
        # PyTorch's is (its max pooling keeps indices, not the output).
        self.best = best.copy()
        self.geometry = (x.shape[2:], kernel, stride, padding, dilation)
        return best

    def meta(
        self, x: MetaArray, kernel: Ints, stride: Ints, padding: Ints, dilation: Ints, ceil_mode: bool
    ) -> MetaArray:
        return _pooled(x, kernel, stride, padding, dilation, ceil_mode)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        size, kernel, stride, padding, dilation = self.geometry
        position = max_positions(self.xp, self.best, kernel, stride, dilation)
        gxp = scatter_to_positions(grad, position, self.xp.shape)
        return (gxp[(slice(None), slice(None), *(slice(p, p + n) for p, n in zip(padding, size, strict=True)))],)


class MaxPool1d(_MaxPoolNd):
    op_name = "max_pool1d"


class MaxPool2d(_MaxPoolNd):
    op_name = "max_pool2d"


class MaxPool3d(_MaxPoolNd):
    op_name = "max_pool3d"


_AVG: dict[int, type[_AvgPoolNd]] = {1: AvgPool1d, 2: AvgPool2d, 3: AvgPool3d}
_MAX: dict[int, type[_MaxPoolNd]] = {1: MaxPool1d, 2: MaxPool2d, 3: MaxPool3d}


# ---- the checks and calls of the functions and layers -----------------------------------------------------------


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
    # The op finds its winners only in backward, so they are found here (two passes per tap more).
    batch, _ = batched(x, nd)
    best = batched(out, nd)[0].numpy()
    xp = _max_padded(batch.numpy(), kernel, step, pad, dil, best.shape[2:])
    padded = np.unravel_index(max_positions(xp, best, kernel, step, dil), xp.shape[2:])
    flat = np.zeros(best.shape, dtype=np.int64)
    for a in range(nd):
        flat = flat * x.shape[-nd + a] + (padded[a] - pad[a])
    indices = Tensor(flat.reshape(out.shape))
    return out, track_outside_apply("max_pool_indices", (x,), indices)
