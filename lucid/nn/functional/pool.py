"""Pooling functions, 1-, 2- and 3-d, as PyTorch's `F.avg_pool*`, `F.max_pool*`, `F.adaptive_avg_pool*` and
`F.adaptive_max_pool*`. The ops and their shared checks are in lucid/autograd/ops/pool.py and pool_adaptive.py.
"""

from __future__ import annotations

from collections.abc import Sequence

from lucid.autograd.ops.conv import IntPair, IntTuple
from lucid.autograd.ops.pool import avg_pool, max_pool
from lucid.autograd.ops.pool_adaptive import adaptive_pool
from lucid.tensor import Tensor


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
