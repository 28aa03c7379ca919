"""2-D pooling: average, max and adaptive average, with PyTorch's output sizes and divisors.

Windows are visited as strided slices, one per kernel tap (no loop over pixels); backward
adds each tap's gradient back through the same slices.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lucid.autograd.function import Function
from lucid.autograd.ops.conv import IntPair, pair
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


def _divisors(size: int, out: int, kernel: int, stride: int, padding: int, count_include_pad: bool) -> np.ndarray:
    """Per-window element count along one axis (the 2-D divisor is the outer product)."""
    start = np.arange(out) * stride - padding
    end = np.minimum(start + kernel, size + padding)  # the padded area counts; the ceil overhang does not
    if count_include_pad:
        return end - start
    return np.minimum(end, size) - np.maximum(start, 0)


def _pooled(
    x: MetaArray,
    kernel: tuple[int, int],
    stride: tuple[int, int],
    padding: tuple[int, int],
    dilation: tuple[int, int],
    ceil_mode: bool,
) -> MetaArray:
    """The shape rule shared by average and max pooling (the output sizes their forwards compute)."""
    h, w = x.shape[2:]
    ho = pool_out_size(h, kernel[0], stride[0], padding[0], dilation[0], ceil_mode)
    wo = pool_out_size(w, kernel[1], stride[1], padding[1], dilation[1], ceil_mode)
    return MetaArray((*x.shape[:2], ho, wo), x.dtype)


class AvgPool2d(Function):
    op_name = "avg_pool2d"
    reads_inputs = False

    def forward(
        self,
        x: np.ndarray,
        kernel: tuple[int, int],
        stride: tuple[int, int],
        padding: tuple[int, int],
        ceil_mode: bool,
        count_include_pad: bool,
        divisor_override: int | None,
    ) -> np.ndarray:
        h, w = x.shape[2:]
        (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
        ho = pool_out_size(h, kh, sh, ph, 1, ceil_mode)
        wo = pool_out_size(w, kw, sw, pw, 1, ceil_mode)
        # Right padding also covers a ceil_mode window hanging past the padded input (it reads zeros).
        rh, rw = max(ph, (ho - 1) * sh + kh - h - ph), max(pw, (wo - 1) * sw + kw - w - pw)
        xp = np.pad(x, ((0, 0), (0, 0), (ph, rh), (pw, rw))) if ph or pw or rh or rw else x
        # A box sum is separable: sum the kh rows of each window, then the kw columns (kh + kw adds, not kh * kw).
        rows = xp[:, :, _tap(0, sh, ho), :].copy()
        for i in range(1, kh):
            rows += xp[:, :, _tap(i, sh, ho), :]
        out = rows[:, :, :, _tap(0, sw, wo)].copy()
        for j in range(1, kw):
            out += rows[:, :, :, _tap(j, sw, wo)]
        if divisor_override is not None:
            divisor = np.full((ho, wo), float(divisor_override))
        else:
            dh = _divisors(h, ho, kh, sh, ph, count_include_pad)
            dw = _divisors(w, wo, kw, sw, pw, count_include_pad)
            divisor = np.outer(dh, dw)
        self.scale = (1.0 / divisor).astype(x.dtype)
        self.geometry = (x.shape, xp.shape, kernel, stride, padding, ho, wo)
        return out * self.scale

    def meta(
        self,
        x: MetaArray,
        kernel: tuple[int, int],
        stride: tuple[int, int],
        padding: tuple[int, int],
        ceil_mode: bool,
        count_include_pad: bool,
        divisor_override: int | None,
    ) -> MetaArray:
        return _pooled(x, kernel, stride, padding, (1, 1), ceil_mode)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        (n, c, h, w), padded_shape, (kh, kw), (sh, sw), (ph, pw), ho, wo = self.geometry
        g = grad * self.scale
        rows = np.zeros((n, c, ho, padded_shape[3]), dtype=grad.dtype)
        for j in range(kw):
            rows[:, :, :, _tap(j, sw, wo)] += g
        gxp = np.zeros(padded_shape, dtype=grad.dtype)
        for i in range(kh):
            gxp[:, :, _tap(i, sh, ho), :] += rows
        return (gxp[:, :, ph : ph + h, pw : pw + w],)


class MaxPool2d(Function):
    """Max over each window; the gradient goes to the first maximum of the window, as PyTorch."""

    op_name = "max_pool2d"

    reads_inputs = False

    def forward(
        self,
        x: np.ndarray,
        kernel: tuple[int, int],
        stride: tuple[int, int],
        padding: tuple[int, int],
        dilation: tuple[int, int],
        ceil_mode: bool,
    ) -> np.ndarray:
        h, w = x.shape[2:]
        (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
        ho = pool_out_size(h, kh, sh, ph, dh, ceil_mode)
        wo = pool_out_size(w, kw, sw, pw, dw, ceil_mode)
        rh = max(ph, (ho - 1) * sh + dh * (kh - 1) + 1 - h - ph)
        rw = max(pw, (wo - 1) * sw + dw * (kw - 1) + 1 - w - pw)
        # Padding never wins a max: it is -inf (every window holds at least one real element).
        low = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
        xp = np.pad(x, ((0, 0), (0, 0), (ph, rh), (pw, rw)), constant_values=low) if ph or pw or rh or rw else x
        best = xp[:, :, _tap(0, sh, ho), _tap(0, sw, wo)].copy()
        winner = np.zeros(best.shape, dtype=np.int32)
        for i in range(kh):
            for j in range(kw):
                if i == j == 0:
                    continue
                tap = xp[:, :, _tap(i * dh, sh, ho), _tap(j * dw, sw, wo)]
                # Strictly greater keeps the first maximum; NaN propagates as in PyTorch.
                take = (tap > best) | np.isnan(tap)
                np.copyto(best, tap, where=take)
                winner[take] = i * kw + j
        self.winner = winner
        self.geometry = ((h, w), xp.shape, kernel, stride, padding, dilation, ho, wo)
        return best

    def meta(
        self,
        x: MetaArray,
        kernel: tuple[int, int],
        stride: tuple[int, int],
        padding: tuple[int, int],
        dilation: tuple[int, int],
        ceil_mode: bool,
    ) -> MetaArray:
        return _pooled(x, kernel, stride, padding, dilation, ceil_mode)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        (h, w), padded_shape, (kh, kw), (sh, sw), (ph, pw), (dh, dw), ho, wo = self.geometry
        gxp = np.zeros(padded_shape, dtype=grad.dtype)
        zero = np.zeros((), dtype=grad.dtype)
        for i in range(kh):
            for j in range(kw):
                gxp[:, :, _tap(i * dh, sh, ho), _tap(j * dw, sw, wo)] += np.where(self.winner == i * kw + j, grad, zero)
        return (gxp[:, :, ph : ph + h, pw : pw + w],)


def _adaptive_matrix(size: int, out: int, dtype: np.dtype) -> np.ndarray:
    """(out, size) averaging matrix: row o averages [floor(o*size/out), ceil((o+1)*size/out))."""
    o = np.arange(out)
    start = (o * size) // out
    end = -((-(o + 1) * size) // out)
    cols = np.arange(size)
    inside = (cols[None, :] >= start[:, None]) & (cols[None, :] < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


class AdaptiveAvgPool2d(Function):
    """Average over PyTorch's adaptive windows, as two small matrix products: P_h @ x @ P_w^T."""

    op_name = "adaptive_avg_pool2d"

    reads_inputs = False

    def forward(self, x: np.ndarray, output_size: tuple[int, int]) -> np.ndarray:
        h, w = x.shape[2:]
        self.ph = _adaptive_matrix(h, output_size[0], x.dtype)
        self.pw = _adaptive_matrix(w, output_size[1], x.dtype)
        if output_size == (1, 1):
            return x.mean(axis=(2, 3), keepdims=True)
        return np.matmul(self.ph, np.matmul(x, self.pw.T))

    def meta(self, x: MetaArray, output_size: tuple[int, int]) -> MetaArray:
        return MetaArray((*x.shape[:2], *output_size), x.dtype)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        return (np.matmul(self.ph.T, np.matmul(grad, self.pw)),)


# ---- functional spellings --------------------------------------------------------------


def _check_input(x: Tensor, where: str) -> None:
    if x.ndim not in (3, 4):
        raise ValueError(f"{where}: expected input of shape (N, C, H, W) or (C, H, W), got shape {x.shape}")


def _batched(x: Tensor, op: type[Function], **options: object) -> Tensor:
    """Run a pooling op on (N, C, H, W); an unbatched (C, H, W) image gets a batch axis of 1 and loses it again."""
    if x.ndim == 4:
        return op.apply(x, **options)
    return op.apply(x.unsqueeze(0), **options).squeeze(0)


def _window_args(
    where: str, kernel_size: IntPair, stride: IntPair | None, padding: IntPair, dilation: IntPair = 1
) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int], tuple[int, int]]:
    kernel = pair(kernel_size, "kernel_size", where)
    step = (
        kernel
        if stride is None or (isinstance(stride, Sequence) and len(stride) == 0)
        else pair(stride, "stride", where)
    )
    pad, dil = pair(padding, "padding", where), pair(dilation, "dilation", where)
    if min(kernel) < 1 or min(step) < 1 or min(dil) < 1 or min(pad) < 0:
        raise ValueError(
            f"{where}: kernel_size, stride and dilation must be >= 1 and padding >= 0, got kernel_size={kernel}, "
            f"stride={step}, dilation={dil}, padding={pad}"
        )
    for p, k, d in zip(pad, kernel, dil, strict=True):
        if 2 * p > d * (k - 1) + 1:
            raise ValueError(f"{where}: padding {pad} must be at most half of the (dilated) kernel size {kernel}")
    return kernel, step, pad, dil


def _check_output(where: str, x: Tensor, out: tuple[int, int]) -> None:
    if min(out) < 1:
        raise ValueError(f"{where}: input of shape {x.shape} is too small for the window; output would be {out}")


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
    where = "avg_pool2d"
    _check_input(x, where)
    kernel, step, pad, _ = _window_args(where, kernel_size, stride, padding)
    if divisor_override is not None and (isinstance(divisor_override, bool) or divisor_override <= 0):
        raise ValueError(f"{where}: divisor_override must be a positive int, got {divisor_override!r}")
    out = tuple(pool_out_size(x.shape[-2 + a], kernel[a], step[a], pad[a], 1, ceil_mode) for a in (0, 1))
    _check_output(where, x, out)  # type: ignore[arg-type]
    return _batched(
        x,
        AvgPool2d,
        kernel=kernel,
        stride=step,
        padding=pad,
        ceil_mode=bool(ceil_mode),
        count_include_pad=bool(count_include_pad),
        divisor_override=divisor_override,
    )


def max_pool2d(
    x: Tensor,
    kernel_size: IntPair,
    stride: IntPair | None = None,
    padding: IntPair = 0,
    dilation: IntPair = 1,
    ceil_mode: bool = False,
) -> Tensor:
    """Maximum over `kernel_size` windows (stride defaults to the kernel size), as PyTorch's `max_pool2d`.

    >>> max_pool2d(lucid.randn(1, 2, 8, 8), 2).shape
    (1, 2, 4, 4)
    """
    where = "max_pool2d"
    _check_input(x, where)
    kernel, step, pad, dil = _window_args(where, kernel_size, stride, padding, dilation)
    out = tuple(pool_out_size(x.shape[-2 + a], kernel[a], step[a], pad[a], dil[a], ceil_mode) for a in (0, 1))
    _check_output(where, x, out)  # type: ignore[arg-type]
    return _batched(x, MaxPool2d, kernel=kernel, stride=step, padding=pad, dilation=dil, ceil_mode=bool(ceil_mode))


def adaptive_avg_pool2d(x: Tensor, output_size: IntPair | Sequence[int | None]) -> Tensor:
    """Average into an `output_size` grid whatever the input size (None keeps that axis), as PyTorch.

    >>> adaptive_avg_pool2d(lucid.randn(1, 2, 7, 7), 1).shape
    (1, 2, 1, 1)
    """
    where = "adaptive_avg_pool2d"
    _check_input(x, where)
    if isinstance(output_size, Sequence) and len(output_size) == 2:
        output_size = tuple(x.shape[-2 + a] if s is None else s for a, s in enumerate(output_size))
    size = pair(output_size, "output_size", where)  # type: ignore[arg-type]
    if min(size) < 1:
        raise ValueError(f"{where}: output_size must be positive, got {size}")
    return _batched(x, AdaptiveAvgPool2d, output_size=size)
