"""Unfold and Fold: sliding blocks of an image to columns and back, as `torch.nn.Unfold` and `torch.nn.Fold`."""

from __future__ import annotations

from lucid.autograd.ops.conv import IntPair
from lucid.autograd.ops.fold import folding, unfolding
from lucid.nn.module import Module
from lucid.tensor import Tensor


class Unfold(Module):
    """Every `kernel_size` block of `(N, C, H, W)` input as a column of `(N, C * kh * kw, L)`, as `torch.nn.Unfold`.

    >>> nn.Unfold(2, stride=2)(lucid.randn(1, 3, 4, 6)).shape
    (1, 12, 6)
    """

    def __init__(self, kernel_size: IntPair, dilation: IntPair = 1, padding: IntPair = 0, stride: IntPair = 1) -> None:
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, x: Tensor) -> Tensor:
        return unfolding("Unfold", x, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, stride={self.stride}"


class Fold(Module):
    """Columns `(N, C * kh * kw, L)` summed back into an `(N, C, *output_size)` image, as `torch.nn.Fold`.

    >>> nn.Fold((4, 6), 2, stride=2)(lucid.randn(1, 12, 6)).shape
    (1, 3, 4, 6)
    """

    def __init__(
        self,
        output_size: IntPair,
        kernel_size: IntPair,
        dilation: IntPair = 1,
        padding: IntPair = 0,
        stride: IntPair = 1,
    ) -> None:
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, x: Tensor) -> Tensor:
        return folding("Fold", x, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (
            f"output_size={self.output_size}, kernel_size={self.kernel_size}, dilation={self.dilation}, "
            f"padding={self.padding}, stride={self.stride}"
        )
