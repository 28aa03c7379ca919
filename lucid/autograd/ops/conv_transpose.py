"""Transposed (fractionally strided) convolutions, 1-, 2- and 3-d, on the convolution's own machinery.

A transposed convolution is the input gradient of a convolution: its forward is one GEMM (weight^T @ x, one
column per input pixel) and a col2im; its backward is a convolution of the output gradient (im2col + GEMM),
with the weight gradient the same product as a convolution's. No loop over pixels; col2im loops over taps.
"""

from __future__ import annotations

import numpy as np

from lucid.autograd.function import Function
from lucid.autograd.ops.conv import (
    Ints,
    IntTuple,
    batched,
    check_geometry,
    check_rank,
    check_weight,
    col2im,
    ntuple,
    taps,
    weight_grad,
)
from lucid.shape_only import MetaArray
from lucid.tensor import Tensor


def transposed_size(size: int, kernel: int, stride: int, padding: int, output_padding: int, dilation: int) -> int:
    """Output length of a transposed convolution along one axis, as PyTorch."""
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


class _ConvTransposeNd(Function):
    """`x (N, C_in, *size)` through `w (C_in, C_out / groups, *kernel)`, plus an optional bias `(C_out,)`."""

    def forward(
        self,
        x: np.ndarray,
        w: np.ndarray,
        *bias: np.ndarray,
        stride: Ints,
        padding: Ints,
        output_padding: Ints,
        dilation: Ints,
        groups: int,
    ) -> np.ndarray:
        n, c_in = x.shape[:2]
        size, kernel = x.shape[2:], w.shape[2:]
        c_out = w.shape[1] * groups
        out = tuple(map(transposed_size, size, kernel, stride, padding, output_padding, dilation))
        self.geometry = (x.shape, w.shape, stride, padding, dilation, groups, out)
        self.x = x.reshape(n, groups, c_in // groups, -1)
        self.w = w.reshape(groups, c_in // groups, -1)
        cols = np.matmul(self.w.transpose(0, 2, 1), self.x)  # (N, G, C_out/G * K, L_in)
        self.pointwise = all(k == 1 for k in kernel) and all(s == 1 for s in stride) and not any(padding)
        if self.pointwise and not any(output_padding):
            result = cols.reshape(n, c_out, *out)
        else:
            result = col2im(cols.reshape(n, c_out, *kernel, *size), out, stride, padding, dilation)
        if bias:
            result = result + bias[0].reshape(1, c_out, *(1,) * len(out))
        return result

    def meta(
        self,
        x: MetaArray,
        w: MetaArray,
        *bias: MetaArray,
        stride: Ints,
        padding: Ints,
        output_padding: Ints,
        dilation: Ints,
        groups: int,
    ) -> MetaArray:
        out = tuple(map(transposed_size, x.shape[2:], w.shape[2:], stride, padding, output_padding, dilation))
        return MetaArray((x.shape[0], w.shape[1] * groups, *out), np.result_type(x.dtype, w.dtype))

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        x_shape, w_shape, stride, padding, dilation, groups, _ = self.geometry
        n, size, kernel = x_shape[0], x_shape[2:], w_shape[2:]
        # The output gradient read through the kernel's taps, at the input's positions: a convolution's im2col.
        view = taps(grad, kernel, stride, padding, dilation, size)
        g_cols = view.reshape(n, groups, -1, int(np.prod(size)))  # (N, G, C_out/G * K, L_in)
        grads: list[np.ndarray | None] = [None, None]
        if self.parents[0].requires_grad:
            grads[0] = np.matmul(self.w, g_cols).reshape(x_shape)
        if self.parents[1].requires_grad:
            grads[1] = weight_grad(self.x, g_cols).reshape(w_shape)
        if len(self.parents) == 3:
            grads.append(grad.sum(axis=(0, *range(2, grad.ndim))) if self.parents[2].requires_grad else None)
        return tuple(grads)


class ConvTranspose1d(_ConvTransposeNd):
    op_name = "conv_transpose1d"


class ConvTranspose2d(_ConvTransposeNd):
    op_name = "conv_transpose2d"


class ConvTranspose3d(_ConvTransposeNd):
    op_name = "conv_transpose3d"


_OPS: dict[int, type[_ConvTransposeNd]] = {1: ConvTranspose1d, 2: ConvTranspose2d, 3: ConvTranspose3d}


def transposed_convolution(
    where: str,
    nd: int,
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    stride: IntTuple,
    padding: IntTuple,
    output_padding: IntTuple,
    groups: int,
    dilation: IntTuple,
) -> Tensor:
    """The checks and the call shared by conv_transpose1d, 2d and 3d."""
    check_rank(where, x, nd)
    stride_, dilation_ = ntuple(stride, nd, "stride", where), ntuple(dilation, nd, "dilation", where)
    if isinstance(padding, str):
        raise ValueError(f"{where}: padding must be an int or a tuple of ints (no 'same' or 'valid'), got {padding!r}")
    padding_ = ntuple(padding, nd, "padding", where)
    output_padding_ = ntuple(output_padding, nd, "output_padding", where)
    check_geometry(where, stride_, padding_, dilation_)
    check_weight(where, weight, bias, nd, groups, transposed=True)
    for op, s, d in zip(output_padding_, stride_, dilation_, strict=True):
        if op < 0 or (op >= s and op >= d):
            raise ValueError(
                f"{where}: output_padding {output_padding_} must be >= 0 and smaller than either the stride "
                f"{stride_} or the dilation {dilation_}"
            )
    if x.shape[-nd - 1] != weight.shape[0]:
        raise ValueError(
            f"{where}: weight {weight.shape} expects input with {weight.shape[0]} channels, got shape {x.shape}"
        )
    kernel = weight.shape[2:]
    out = tuple(map(transposed_size, x.shape[-nd:], kernel, stride_, padding_, output_padding_, dilation_))
    if min(out) < 1:
        raise ValueError(
            f"{where}: input {x.shape} with kernel {kernel}, stride {stride_} and padding {padding_} gives a "
            f"non-positive output size {out}"
        )
    batch, added = batched(x, nd)
    inputs = (batch, weight) if bias is None else (batch, weight, bias)
    result = _OPS[nd].apply(
        *inputs,
        stride=stride_,
        padding=padding_,
        output_padding=output_padding_,
        dilation=dilation_,
        groups=int(groups),
    )
    return result.squeeze(0) if added else result


def conv_transpose1d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntTuple = 1,
    padding: IntTuple = 0,
    output_padding: IntTuple = 0,
    groups: int = 1,
    dilation: IntTuple = 1,
) -> Tensor:
    """1-D transposed convolution of `x (N, C_in, L)` with `weight (C_in, C_out/groups, k)`, as PyTorch.

    >>> conv_transpose1d(lucid.randn(2, 4, 5), lucid.randn(4, 3, 3), stride=2).shape
    (2, 3, 11)
    """
    return transposed_convolution(
        "conv_transpose1d", 1, x, weight, bias, stride, padding, output_padding, groups, dilation
    )


def conv_transpose2d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntTuple = 1,
    padding: IntTuple = 0,
    output_padding: IntTuple = 0,
    groups: int = 1,
    dilation: IntTuple = 1,
) -> Tensor:
    """2-D transposed convolution of `x (N, C_in, H, W)` with `weight (C_in, C_out/groups, kh, kw)`, as PyTorch.

    >>> conv_transpose2d(lucid.randn(1, 8, 16, 16), lucid.randn(8, 4, 4, 4), stride=2, padding=1).shape
    (1, 4, 32, 32)
    """
    return transposed_convolution(
        "conv_transpose2d", 2, x, weight, bias, stride, padding, output_padding, groups, dilation
    )


def conv_transpose3d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntTuple = 1,
    padding: IntTuple = 0,
    output_padding: IntTuple = 0,
    groups: int = 1,
    dilation: IntTuple = 1,
) -> Tensor:
    """3-D transposed convolution of `x (N, C_in, D, H, W)` with `weight (C_in, C_out/groups, kd, kh, kw)`.

    >>> conv_transpose3d(lucid.randn(1, 2, 3, 4, 4), lucid.randn(2, 2, 2, 2, 2), stride=2).shape
    (1, 2, 6, 8, 8)
    """
    return transposed_convolution(
        "conv_transpose3d", 3, x, weight, bias, stride, padding, output_padding, groups, dilation
    )
