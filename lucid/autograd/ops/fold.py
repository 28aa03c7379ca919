"""`unfold` (im2col) and `fold` (col2im) of 2-D images, as PyTorch's `F.unfold` and `F.fold`: the two halves
of the convolution machinery in conv.py, exposed. Each is the other's adjoint, so each op's backward is the other's
forward.

They only move (fold: and sum) values and count 0 MACs in lucid-viz, like the shape ops: the products of a
convolution written with them are the MatMul that follows.
"""

from __future__ import annotations

import numpy as np

from lucid.autograd.function import Function
from lucid.autograd.ops.conv import IntPair, Ints, col2im, out_size, pair, taps
from lucid.shape_only import MetaArray
from lucid.tensor import Tensor


def _blocks(size: Ints, kernel: Ints, stride: Ints, padding: Ints, dilation: Ints) -> Ints:
    return tuple(map(out_size, size, kernel, stride, padding, dilation))


class Im2Col(Function):
    """(N, C, H, W) -> (N, C * kh * kw, L): every sliding block's values, one column per block."""

    op_name = "unfold"
    reads_inputs = False

    def forward(self, x: np.ndarray, kernel: Ints, dilation: Ints, padding: Ints, stride: Ints) -> np.ndarray:
        n, c = x.shape[:2]
        self.size = x.shape[2:]
        self.blocks = _blocks(self.size, kernel, stride, padding, dilation)
        self.geometry = (kernel, dilation, padding, stride)
        view = taps(x, kernel, stride, padding, dilation, self.blocks)
        return view.reshape(n, c * int(np.prod(kernel)), int(np.prod(self.blocks)))

    def meta(self, x: MetaArray, kernel: Ints, dilation: Ints, padding: Ints, stride: Ints) -> MetaArray:
        length = int(np.prod(_blocks(x.shape[2:], kernel, stride, padding, dilation)))
        return MetaArray((x.shape[0], x.shape[1] * int(np.prod(kernel)), length), x.dtype)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        kernel, dilation, padding, stride = self.geometry
        n = grad.shape[0]
        cols = grad.reshape(n, -1, *kernel, *self.blocks)
        return (col2im(cols, self.size, stride, padding, dilation),)


class Col2Im(Function):
    """(N, C * kh * kw, L) -> (N, C, *output_size): each column's values summed back onto the block it came from."""

    op_name = "fold"
    reads_inputs = False

    def forward(
        self, cols: np.ndarray, output_size: Ints, kernel: Ints, dilation: Ints, padding: Ints, stride: Ints
    ) -> np.ndarray:
        n, ck = cols.shape[:2]
        self.geometry = (kernel, dilation, padding, stride, _blocks(output_size, kernel, stride, padding, dilation))
        blocks = self.geometry[-1]
        return col2im(
            cols.reshape(n, ck // int(np.prod(kernel)), *kernel, *blocks), output_size, stride, padding, dilation
        )

    def meta(
        self, cols: MetaArray, output_size: Ints, kernel: Ints, dilation: Ints, padding: Ints, stride: Ints
    ) -> MetaArray:
        return MetaArray((cols.shape[0], cols.shape[1] // int(np.prod(kernel)), *output_size), cols.dtype)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        kernel, dilation, padding, stride, blocks = self.geometry
        n, c = grad.shape[:2]
        view = taps(grad, kernel, stride, padding, dilation, blocks)
        return (view.reshape(n, c * int(np.prod(kernel)), int(np.prod(blocks))),)


# ---- functional spellings ---------------------------------------------------------------------------------------


def _hyper(where: str, kernel_size: IntPair, dilation: IntPair, padding: IntPair, stride: IntPair) -> tuple[Ints, ...]:
    kernel, dil = pair(kernel_size, "kernel_size", where), pair(dilation, "dilation", where)
    pad, step = pair(padding, "padding", where), pair(stride, "stride", where)
    if min(kernel) < 1 or min(dil) < 1 or min(step) < 1 or min(pad) < 0:
        raise ValueError(
            f"{where}: kernel_size, dilation and stride must be >= 1 and padding >= 0, got kernel_size={kernel}, "
            f"dilation={dil}, stride={step}, padding={pad}"
        )
    return kernel, dil, pad, step


def unfolding(
    where: str, x: Tensor, kernel_size: IntPair, dilation: IntPair, padding: IntPair, stride: IntPair
) -> Tensor:
    """`unfold` with its errors naming `where` (the function or the layer)."""
    if not isinstance(x, Tensor) or x.ndim not in (3, 4):
        shape = x.shape if isinstance(x, Tensor) else type(x).__name__
        raise ValueError(f"{where}: expected input of shape (N, C, H, W) or (C, H, W), got {shape}")
    kernel, dil, pad, step = _hyper(where, kernel_size, dilation, padding, stride)
    blocks = _blocks(x.shape[-2:], kernel, step, pad, dil)
    if min(blocks) < 1:
        raise ValueError(
            f"{where}: input {x.shape} padded by {pad} is smaller than the dilated kernel "
            f"{tuple(d * (k - 1) + 1 for k, d in zip(kernel, dil, strict=True))}"
        )
    batch = x if x.ndim == 4 else x.unsqueeze(0)
    out = Im2Col.apply(batch, kernel=kernel, dilation=dil, padding=pad, stride=step)
    return out if x.ndim == 4 else out.squeeze(0)


def folding(
    where: str,
    x: Tensor,
    output_size: IntPair,
    kernel_size: IntPair,
    dilation: IntPair,
    padding: IntPair,
    stride: IntPair,
) -> Tensor:
    """`fold` with its errors naming `where` (the function or the layer)."""
    if not isinstance(x, Tensor) or x.ndim not in (2, 3):
        shape = x.shape if isinstance(x, Tensor) else type(x).__name__
        raise ValueError(f"{where}: expected input of shape (N, C * kh * kw, L) or (C * kh * kw, L), got {shape}")
    size = pair(output_size, "output_size", where)
    kernel, dil, pad, step = _hyper(where, kernel_size, dilation, padding, stride)
    taps_per_block = kernel[0] * kernel[1]
    blocks = _blocks(size, kernel, step, pad, dil)
    if x.shape[-2] % taps_per_block:
        raise ValueError(
            f"{where}: input {x.shape} must have a multiple of kernel_size {kernel} = {taps_per_block} "
            "values per column"
        )
    if min(blocks) < 1 or x.shape[-1] != blocks[0] * blocks[1]:
        raise ValueError(
            f"{where}: output_size {size} with kernel_size {kernel}, dilation {dil}, padding {pad} and stride {step} "
            f"has {max(0, blocks[0]) * max(0, blocks[1])} blocks, but input {x.shape} has {x.shape[-1]} columns"
        )
    batch = x if x.ndim == 3 else x.unsqueeze(0)
    out = Col2Im.apply(batch, output_size=size, kernel=kernel, dilation=dil, padding=pad, stride=step)
    return out if x.ndim == 3 else out.squeeze(0)


def unfold(x: Tensor, kernel_size: IntPair, dilation: IntPair = 1, padding: IntPair = 0, stride: IntPair = 1) -> Tensor:
    """The sliding `kernel_size` blocks of `x (N, C, H, W)` as columns `(N, C * kh * kw, L)`, as PyTorch's
    `F.unfold` (an unbatched `(C, H, W)` gives `(C * kh * kw, L)`).

    >>> unfold(lucid.randn(2, 3, 5, 5), 3, padding=1).shape
    (2, 27, 25)
    """
    return unfolding("unfold", x, kernel_size, dilation, padding, stride)


def fold(
    x: Tensor,
    output_size: IntPair,
    kernel_size: IntPair,
    dilation: IntPair = 1,
    padding: IntPair = 0,
    stride: IntPair = 1,
) -> Tensor:
    """Sum columns `(N, C * kh * kw, L)` back into an image `(N, C, *output_size)`, overlapping blocks adding up,
    as PyTorch's `F.fold` (the adjoint of `unfold`; an unbatched `(C * kh * kw, L)` gives `(C, *output_size)`).

    >>> fold(unfold(lucid.ones(1, 1, 3, 3), 2), (3, 3), 2).numpy()[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]], dtype=float32)
    """
    return folding("fold", x, output_size, kernel_size, dilation, padding, stride)
