"""2-D convolution as im2col (a strided view, copied once) followed by one batched GEMM.

No Python loop runs over pixels: the forward pass is one `as_strided` view and one `matmul`;
the input gradient (col2im) is `kh * kw` strided additions, one per kernel tap. A 1x1,
stride-1, unpadded convolution skips im2col entirely and is a plain matrix product.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.lib.stride_tricks import as_strided

from lucid.autograd.function import Function
from lucid.shape_only import MetaArray
from lucid.tensor import Tensor

IntPair = int | Sequence[int]


def out_size(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """Output length of a convolution along one axis (floor division, as PyTorch)."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


class Conv2d(Function):
    """`x (N, C, H, W)` convolved with `w (O, C / groups, kh, kw)`, plus an optional bias `(O,)`."""

    def forward(
        self,
        x: np.ndarray,
        w: np.ndarray,
        *bias: np.ndarray,
        stride: tuple[int, int],
        padding: tuple[int, int],
        dilation: tuple[int, int],
        groups: int,
    ) -> np.ndarray:
        n, c, h, wd = x.shape
        o, cg, kh, kw = w.shape
        (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
        ho, wo = out_size(h, kh, sh, ph, dh), out_size(wd, kw, sw, pw, dw)
        self.geometry = (x.shape, w.shape, stride, padding, dilation, groups, ho, wo)
        self.pointwise = kh == kw == 1 and stride == (1, 1) and padding == (0, 0)
        if self.pointwise:
            # A 1x1 kernel reads each pixel once: the input already is the column matrix.
            cols = x.reshape(n, groups, cg, h * wd)
        else:
            if ph or pw:
                x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
            s0, s1, s2, s3 = x.strides
            # (N, C, kh, kw, Ho, Wo): every kernel tap's view of the input, without copying yet.
            taps = as_strided(x, (n, c, kh, kw, ho, wo), (s0, s1, s2 * dh, s3 * dw, s2 * sh, s3 * sw), writeable=False)
            cols = taps.reshape(n, groups, cg * kh * kw, ho * wo)  # the one im2col copy
        self.cols = cols
        self.w = w.reshape(groups, o // groups, cg * kh * kw)
        out = np.matmul(self.w, cols).reshape(n, o, ho, wo)
        if bias:
            out += bias[0].reshape(1, o, 1, 1)
        return out

    def meta(
        self,
        x: MetaArray,
        w: MetaArray,
        *bias: MetaArray,
        stride: tuple[int, int],
        padding: tuple[int, int],
        dilation: tuple[int, int],
        groups: int,
    ) -> MetaArray:
        (n, _, h, wd), (o, _, kh, kw) = x.shape, w.shape
        ho = out_size(h, kh, stride[0], padding[0], dilation[0])
        wo = out_size(wd, kw, stride[1], padding[1], dilation[1])
        return MetaArray((n, o, ho, wo), np.result_type(x.dtype, w.dtype))

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        x_shape, w_shape, stride, padding, dilation, groups, ho, wo = self.geometry
        n, c = x_shape[:2]
        o, _, kh, kw = w_shape
        g = grad.reshape(n, groups, o // groups, ho * wo)
        grads: list[np.ndarray | None] = [None, None]
        if self.parents[0].requires_grad:
            grad_cols = np.matmul(self.w.transpose(0, 2, 1), g)  # (N, G, K, L)
            if self.pointwise:
                grads[0] = grad_cols.reshape(x_shape)
            else:
                grads[0] = _col2im(grad_cols.reshape(n, c, kh, kw, ho, wo), x_shape, stride, padding, dilation)
        if self.parents[1].requires_grad:
            grads[1] = _weight_grad(g, self.cols).reshape(w_shape)
        if len(self.parents) == 3:
            grads.append(grad.sum(axis=(0, 2, 3)) if self.parents[2].requires_grad else None)
        return tuple(grads)


# Below this many output pixels, one GEMM over the whole batch beats one GEMM per sample for the weight gradient:
# each per-sample product has an inner size of only Ho * Wo (L1's 7x7 stage: 3.9 ms against 7.1 ms; at 14x14
# they are even, and above it the per-sample products win by skipping two transposing copies).
_SMALL_OUTPUT = 128


def _weight_grad(g: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """dL/dW for every group, (G, O/G, K), from g (N, G, O/G, L) and the column matrix cols (N, G, K, L)."""
    n, groups, og, length = g.shape
    if length >= _SMALL_OUTPUT:
        return np.matmul(g, cols.transpose(0, 1, 3, 2)).sum(axis=0)
    # Contract over the batch and the pixels at once: (G, O/G, N*L) @ (G, N*L, K).
    g_flat = g.transpose(1, 2, 0, 3).reshape(groups, og, n * length)
    cols_flat = cols.transpose(1, 0, 3, 2).reshape(groups, n * length, cols.shape[2])
    return np.matmul(g_flat, cols_flat)


def _col2im(
    grad_cols: np.ndarray,
    x_shape: tuple[int, ...],
    stride: tuple[int, int],
    padding: tuple[int, int],
    dilation: tuple[int, int],
) -> np.ndarray:
    """Sum each tap's gradient back onto the input positions it read: one strided add per tap."""
    n, c, h, w = x_shape
    _, _, kh, kw, ho, wo = grad_cols.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    padded = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=grad_cols.dtype)
    for i in range(kh):
        rows = slice(i * dh, i * dh + sh * (ho - 1) + 1, sh)
        for j in range(kw):
            padded[:, :, rows, j * dw : j * dw + sw * (wo - 1) + 1 : sw] += grad_cols[:, :, i, j]
    return padded[:, :, ph : ph + h, pw : pw + w]


def pair(value: IntPair, name: str, where: str) -> tuple[int, int]:
    """Accept `3` or `(3, 3)` for a 2-D hyper-parameter; a clear error otherwise."""
    items = (value, value) if isinstance(value, (int, np.integer)) and not isinstance(value, bool) else value
    try:
        a, b = items  # type: ignore[misc]
    except (TypeError, ValueError):
        raise TypeError(f"{where}: {name} must be an int or a pair of ints, got {value!r}") from None
    for v in (a, b):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"{where}: {name} must be an int or a pair of ints, got {value!r}")
    return int(a), int(b)


def conv2d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntPair = 1,
    padding: IntPair = 0,
    dilation: IntPair = 1,
    groups: int = 1,
) -> Tensor:
    """2-D convolution (cross-correlation, as PyTorch) of `x (N, C, H, W)` with `weight (O, C/groups, kh, kw)`.

    >>> conv2d(lucid.randn(1, 3, 8, 8), lucid.randn(4, 3, 3, 3), padding=1).shape
    (1, 4, 8, 8)
    """
    where = "conv2d"
    stride_, padding_, dilation_ = (
        pair(stride, "stride", where),
        pair(padding, "padding", where),
        pair(dilation, "dilation", where),
    )
    if min(stride_) < 1 or min(dilation_) < 1 or min(padding_) < 0:
        raise ValueError(
            f"{where}: stride and dilation must be >= 1 and padding >= 0, got stride={stride_}, "
            f"dilation={dilation_}, padding={padding_}"
        )
    if weight.ndim != 4:
        raise ValueError(
            f"{where}: weight must have shape (out_channels, in_channels/groups, kh, kw), got {weight.shape}"
        )
    if x.ndim not in (3, 4):
        raise ValueError(f"{where}: expected input of shape (N, C, H, W) or (C, H, W), got shape {x.shape}")
    o, cg, kh, kw = weight.shape
    if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1 or o % groups:
        raise ValueError(f"{where}: groups={groups!r} must be a positive int dividing out_channels={o}")
    if x.shape[-3] != cg * groups:
        raise ValueError(
            f"{where}: weight {weight.shape} with groups={groups} expects input with {cg * groups} channels, "
            f"got shape {x.shape}"
        )
    ho = out_size(x.shape[-2], kh, stride_[0], padding_[0], dilation_[0])
    wo = out_size(x.shape[-1], kw, stride_[1], padding_[1], dilation_[1])
    if ho < 1 or wo < 1:
        raise ValueError(
            f"{where}: input {x.shape} padded by {padding_} is smaller than the dilated kernel "
            f"{(dilation_[0] * (kh - 1) + 1, dilation_[1] * (kw - 1) + 1)}"
        )
    if bias is not None and bias.shape != (o,):
        raise ValueError(f"{where}: bias must have shape ({o},), got {bias.shape}")
    # An unbatched (C, H, W) image is run as a batch of one, as PyTorch does.
    batch = x if x.ndim == 4 else x.unsqueeze(0)
    inputs = (batch, weight) if bias is None else (batch, weight, bias)
    out = Conv2d.apply(*inputs, stride=stride_, padding=padding_, dilation=dilation_, groups=groups)
    return out if x.ndim == 4 else out.squeeze(0)
