"""Pooling layers: AvgPool2d, MaxPool2d, AdaptiveAvgPool2d."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from lucid.autograd.ops.conv import IntPair
from lucid.autograd.ops.pool import adaptive_avg_pool2d, avg_pool2d, max_pool2d
from lucid.nn.layers._checks import IMAGE, check_input
from lucid.nn.module import Module
from lucid.tensor import Tensor


def _batched(layer: str, x: Tensor, pool: Callable[[Tensor], Tensor]) -> Tensor:
    """Check the layout in the layer's name, then pool (an unbatched (C, H, W) image is accepted, as in PyTorch)."""
    check_input(layer, x, IMAGE)
    return pool(x)


class AvgPool2d(Module):
    """Average pooling, as `torch.nn.AvgPool2d` (stride defaults to kernel_size).

    >>> nn.AvgPool2d(3, 1, 1, count_include_pad=False)(lucid.randn(1, 48, 56, 56)).shape
    (1, 48, 56, 56)
    """

    def __init__(
        self,
        kernel_size: IntPair,
        stride: IntPair | None = None,
        padding: IntPair = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, x: Tensor) -> Tensor:
        return _batched(
            "AvgPool2d",
            x,
            lambda t: avg_pool2d(
                t,
                self.kernel_size,
                self.stride,
                self.padding,
                self.ceil_mode,
                self.count_include_pad,
                self.divisor_override,
            ),
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(Module):
    """Max pooling, as `torch.nn.MaxPool2d` (stride defaults to kernel_size; no return_indices).

    >>> nn.MaxPool2d(2)(lucid.randn(1, 3, 8, 8)).shape
    (1, 3, 4, 4)
    """

    def __init__(
        self,
        kernel_size: IntPair,
        stride: IntPair | None = None,
        padding: IntPair = 0,
        dilation: IntPair = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        if return_indices:
            raise ValueError("MaxPool2d: return_indices=True is not supported; use return_indices=False")
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation, self.ceil_mode = padding, dilation, ceil_mode
        self.return_indices = return_indices

    def forward(self, x: Tensor) -> Tensor:
        return _batched(
            "MaxPool2d",
            x,
            lambda t: max_pool2d(t, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode),
        )

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output grid whatever the input size, as `torch.nn.AdaptiveAvgPool2d`.

    >>> nn.AdaptiveAvgPool2d(1)(lucid.randn(2, 448, 7, 7)).shape
    (2, 448, 1, 1)
    """

    def __init__(self, output_size: IntPair | Sequence[int | None]) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return _batched("AdaptiveAvgPool2d", x, lambda t: adaptive_avg_pool2d(t, self.output_size))

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
