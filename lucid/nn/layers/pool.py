"""Pooling layers, 1-, 2- and 3-d: AvgPool, MaxPool, AdaptiveAvgPool, AdaptiveMaxPool, as PyTorch's.

Each stores its arguments as PyTorch's class does (AvgPool1d as 1-tuples, the others as given), so that repr and
attribute reads match; errors name the layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from lucid.autograd.ops.conv import LAYOUTS, IntTuple, ntuple
from lucid.autograd.ops.pool import avg_pool, max_pool
from lucid.autograd.ops.pool_adaptive import adaptive_pool
from lucid.nn.layers._checks import check_input
from lucid.nn.module import Module
from lucid.tensor import Tensor

OutputSize = IntTuple | Sequence[int | None]


class _AvgPoolNd(Module):
    _nd: ClassVar[int] = 2

    def __init__(
        self,
        kernel_size: IntTuple,
        stride: IntTuple | None = None,
        padding: IntTuple = 0,
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
        where = type(self).__name__
        check_input(where, x, LAYOUTS[self._nd])
        args = (self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)
        return avg_pool(where, self._nd, x, *args, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPoolNd):
    """Average pooling over `(N, C, L)` (or `(C, L)`), as `torch.nn.AvgPool1d` (stride defaults to kernel_size).

    >>> nn.AvgPool1d(3, stride=2, padding=1)(lucid.randn(2, 4, 9)).shape
    (2, 4, 5)
    """

    _nd = 1

    def __init__(
        self,
        kernel_size: IntTuple,
        stride: IntTuple | None = None,
        padding: IntTuple = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)
        # PyTorch keeps AvgPool1d's sizes as 1-tuples (and shows them so).
        where = "AvgPool1d"
        self.kernel_size = ntuple(kernel_size, 1, "kernel_size", where)
        self.stride = ntuple(stride if stride is not None else kernel_size, 1, "stride", where)
        self.padding = ntuple(padding, 1, "padding", where)


class AvgPool2d(_AvgPoolNd):
    """Average pooling, as `torch.nn.AvgPool2d` (stride defaults to kernel_size).

    >>> nn.AvgPool2d(3, 1, 1, count_include_pad=False)(lucid.randn(1, 48, 56, 56)).shape
    (1, 48, 56, 56)
    """

    _nd = 2


class AvgPool3d(_AvgPoolNd):
    """Average pooling over `(N, C, D, H, W)` (or `(C, D, H, W)`), as `torch.nn.AvgPool3d`.

    >>> nn.AvgPool3d((1, 2, 2))(lucid.randn(1, 3, 4, 8, 8)).shape
    (1, 3, 4, 4, 4)
    """

    _nd = 3


class _MaxPoolNd(Module):
    _nd: ClassVar[int] = 2

    def __init__(
        self,
        kernel_size: IntTuple,
        stride: IntTuple | None = None,
        padding: IntTuple = 0,
        dilation: IntTuple = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation, self.ceil_mode = padding, dilation, ceil_mode
        self.return_indices = return_indices

    def forward(self, x: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        where = type(self).__name__
        check_input(where, x, LAYOUTS[self._nd])
        args = (self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode, self.return_indices)
        return max_pool(where, self._nd, x, *args)

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class MaxPool1d(_MaxPoolNd):
    """Max pooling over `(N, C, L)` (or `(C, L)`), as `torch.nn.MaxPool1d`; `return_indices=True` also returns
    each maximum's position along L.

    >>> nn.MaxPool1d(2)(lucid.randn(2, 4, 9)).shape
    (2, 4, 4)
    """

    _nd = 1


class MaxPool2d(_MaxPoolNd):
    """Max pooling, as `torch.nn.MaxPool2d` (stride defaults to kernel_size); `return_indices=True` also returns
    each maximum's flat position h * W + w in its plane.

    >>> nn.MaxPool2d(2)(lucid.randn(1, 3, 8, 8)).shape
    (1, 3, 4, 4)
    """

    _nd = 2


class MaxPool3d(_MaxPoolNd):
    """Max pooling over `(N, C, D, H, W)` (or `(C, D, H, W)`), as `torch.nn.MaxPool3d`.

    >>> nn.MaxPool3d(2, ceil_mode=True)(lucid.randn(1, 2, 5, 5, 5)).shape
    (1, 2, 3, 3, 3)
    """

    _nd = 3


class _AdaptivePoolNd(Module):
    _nd: ClassVar[int] = 2
    _kind: ClassVar[str] = "avg"

    def __init__(self, output_size: OutputSize) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        where = type(self).__name__
        check_input(where, x, LAYOUTS[self._nd])
        return_indices = getattr(self, "return_indices", False)
        return adaptive_pool(where, self._nd, self._kind, x, self.output_size, return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptivePoolNd):
    """Average pooling of `(N, C, L)` to `output_size` windows whatever L, as `torch.nn.AdaptiveAvgPool1d`.

    >>> nn.AdaptiveAvgPool1d(4)(lucid.randn(2, 3, 10)).shape
    (2, 3, 4)
    """

    _nd = 1


class AdaptiveAvgPool2d(_AdaptivePoolNd):
    """Average pooling to a fixed output grid whatever the input size, as `torch.nn.AdaptiveAvgPool2d`.

    >>> nn.AdaptiveAvgPool2d(1)(lucid.randn(2, 448, 7, 7)).shape
    (2, 448, 1, 1)
    """

    _nd = 2


class AdaptiveAvgPool3d(_AdaptivePoolNd):
    """Average pooling of `(N, C, D, H, W)` to a fixed grid, as `torch.nn.AdaptiveAvgPool3d` (None keeps an axis).

    >>> nn.AdaptiveAvgPool3d((None, 2, 2))(lucid.randn(1, 3, 4, 7, 7)).shape
    (1, 3, 4, 2, 2)
    """

    _nd = 3


class _AdaptiveMaxPoolNd(_AdaptivePoolNd):
    _kind = "max"

    def __init__(self, output_size: OutputSize, return_indices: bool = False) -> None:
        super().__init__(output_size)
        self.return_indices = return_indices


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Max pooling of `(N, C, L)` to `output_size` windows whatever L, as `torch.nn.AdaptiveMaxPool1d`.

    >>> nn.AdaptiveMaxPool1d(4)(lucid.randn(2, 3, 10)).shape
    (2, 3, 4)
    """

    _nd = 1


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Max pooling to a fixed output grid whatever the input size, as `torch.nn.AdaptiveMaxPool2d`.

    >>> nn.AdaptiveMaxPool2d((2, 3), return_indices=True)(lucid.randn(1, 3, 7, 9))[1].shape
    (1, 3, 2, 3)
    """

    _nd = 2


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """Max pooling of `(N, C, D, H, W)` to a fixed grid whatever the input size, as `torch.nn.AdaptiveMaxPool3d`.

    >>> nn.AdaptiveMaxPool3d(1)(lucid.randn(1, 3, 4, 7, 7)).shape
    (1, 3, 1, 1, 1)
    """

    _nd = 3
