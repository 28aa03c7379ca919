"""Convolution layers: Conv1d/2d/3d and ConvTranspose1d/2d/3d, with PyTorch's arguments, parameters and repr."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import ClassVar

from lucid import creation
from lucid.autograd.ops.conv import LAYOUTS, Ints, IntTuple, convolution, ntuple, same_padding
from lucid.autograd.ops.conv_transpose import transposed_convolution, transposed_size
from lucid.autograd.ops.padding import pad
from lucid.nn import init
from lucid.nn.layers._checks import check_input
from lucid.nn.module import Module
from lucid.nn.parameter import Parameter
from lucid.tensor import Tensor

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """What every convolution layer shares: hyper-parameters as tuples, weight and bias, init and repr."""

    _nd: ClassVar[int] = 2
    _transposed: ClassVar[bool] = False

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: IntTuple,
        stride: IntTuple,
        padding: IntTuple | str,
        dilation: IntTuple,
        output_padding: IntTuple,
        groups: int,
        bias: bool,
        padding_mode: str,
        dtype: object,
    ) -> None:
        super().__init__()
        where, nd = type(self).__name__, self._nd
        if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1:
            raise ValueError(f"{where}: groups must be a positive int, got {groups!r}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(
                f"{where}: in_channels ({in_channels}) and out_channels ({out_channels}) must both be "
                f"divisible by groups ({groups})"
            )
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{where}: padding_mode must be one of {_PADDING_MODES}, got {padding_mode!r}")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = ntuple(kernel_size, nd, "kernel_size", where)
        self.stride = ntuple(stride, nd, "stride", where)
        self.dilation = ntuple(dilation, nd, "dilation", where)
        self.output_padding = ntuple(output_padding, nd, "output_padding", where)
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(f"{where}: padding must be an int, a tuple, 'valid' or 'same', got {padding!r}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{where}: padding='same' needs stride 1, got stride={self.stride}")
            self.padding: Ints | str = padding
        else:
            self.padding = ntuple(padding, nd, "padding", where)
        self.padding_mode = padding_mode
        shape = (in_channels, out_channels // groups) if self._transposed else (out_channels, in_channels // groups)
        self.weight = Parameter(creation.zeros(*shape, *self.kernel_size, dtype=dtype))
        self.bias = Parameter(creation.zeros(out_channels, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # PyTorch's default: kaiming-uniform with a = sqrt(5), bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in:
                bound = 1.0 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        nd = self._nd
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * nd:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * nd:
            text += f", dilation={self.dilation}"
        if self.output_padding != (0,) * nd:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class _Conv(_ConvNd):
    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: IntTuple,
        stride: IntTuple = 1,
        padding: IntTuple | str = 0,
        dilation: IntTuple = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        dtype: object = None,
    ) -> None:
        args = (kernel_size, stride, padding, dilation, 0, groups, bias, padding_mode, dtype)
        super().__init__(in_channels, out_channels, *args)

    def _border(self) -> list[int]:
        """The F.pad spec (last axis first) of this layer's padding, for the padding modes other than zeros."""
        if self.padding == "same":
            left, right = same_padding(self.kernel_size, self.dilation)
        elif self.padding == "valid":
            left = right = (0,) * self._nd
        else:
            left = right = self.padding  # type: ignore[assignment]
        return [v for a in reversed(range(self._nd)) for v in (left[a], right[a])]

    def forward(self, x: Tensor) -> Tensor:
        where = type(self).__name__
        check_input(where, x, LAYOUTS[self._nd], self.in_channels)
        padding: IntTuple | str = self.padding
        if self.padding_mode != "zeros":
            x = pad(x, self._border(), mode=self.padding_mode)
            padding = 0
        args = (self.stride, padding, self.dilation, self.groups)
        return convolution(where, self._nd, x, self.weight, self.bias, *args)


class Conv1d(_Conv):
    """1-D convolution over `(N, C, L)` (or unbatched `(C, L)`) input, as `torch.nn.Conv1d`.

    >>> nn.Conv1d(4, 8, 3, padding=1, padding_mode="circular")(lucid.randn(2, 4, 16)).shape
    (2, 8, 16)
    """

    _nd = 1


class Conv2d(_Conv):
    """2-D convolution over `(N, C, H, W)` (or unbatched `(C, H, W)`) input, as `torch.nn.Conv2d`.

    Weight `(out_channels, in_channels // groups, kh, kw)` and bias `(out_channels,)` start
    from PyTorch's default: kaiming-uniform with a = sqrt(5), bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)).

    >>> conv = nn.Conv2d(3, 24, 3, stride=2, padding=1)
    >>> conv(lucid.randn(1, 3, 224, 224)).shape
    (1, 24, 112, 112)
    """

    _nd = 2


class Conv3d(_Conv):
    """3-D convolution over `(N, C, D, H, W)` (or unbatched `(C, D, H, W)`) input, as `torch.nn.Conv3d`.

    >>> nn.Conv3d(2, 4, (1, 3, 3), padding=(0, 1, 1))(lucid.randn(1, 2, 5, 8, 8)).shape
    (1, 4, 5, 8, 8)
    """

    _nd = 3


class _ConvTranspose(_ConvNd):
    _transposed = True

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: IntTuple,
        stride: IntTuple = 1,
        padding: IntTuple = 0,
        output_padding: IntTuple = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: IntTuple = 1,
        padding_mode: str = "zeros",
        dtype: object = None,
    ) -> None:
        where = type(self).__name__
        if padding_mode != "zeros":
            raise ValueError(f'{where}: only padding_mode="zeros" is supported, got {padding_mode!r}')
        if isinstance(padding, str):
            raise ValueError(f"{where}: padding must be an int or a tuple of ints, got {padding!r}")
        args = (kernel_size, stride, padding, dilation, output_padding, groups, bias, padding_mode, dtype)
        super().__init__(in_channels, out_channels, *args)

    def _output_padding(self, x: Tensor, output_size: Sequence[int] | None) -> Ints:
        """output_padding, or the one that gives `output_size` (spatial sizes, or with the N and C axes too)."""
        if output_size is None:
            return self.output_padding
        where, nd = type(self).__name__, self._nd
        wanted = tuple(output_size)
        if len(wanted) in (nd + 1, nd + 2) and len(wanted) == x.ndim:
            wanted = wanted[-nd:]
        if len(wanted) != nd:
            raise ValueError(
                f"{where}: output_size {tuple(output_size)} must give {nd} spatial sizes (or the whole output "
                f"shape) for input of shape {x.shape}"
            )
        smallest = tuple(
            transposed_size(n, k, s, p, 0, d)
            for n, k, s, p, d in zip(
                x.shape[-nd:], self.kernel_size, self.stride, self.padding, self.dilation, strict=True
            )
        )
        if any(not lo <= w < lo + s for w, lo, s in zip(wanted, smallest, self.stride, strict=True)):
            largest = tuple(lo + s - 1 for lo, s in zip(smallest, self.stride, strict=True))
            raise ValueError(
                f"{where}: output_size {wanted} is out of reach for input of shape {x.shape}: each size must lie "
                f"between {smallest} and {largest}"
            )
        return tuple(w - lo for w, lo in zip(wanted, smallest, strict=True))

    def forward(self, x: Tensor, output_size: Sequence[int] | None = None) -> Tensor:
        where = type(self).__name__
        check_input(where, x, LAYOUTS[self._nd], self.in_channels)
        output_padding = self._output_padding(x, output_size)
        args = (self.stride, self.padding, output_padding, self.groups, self.dilation)
        return transposed_convolution(where, self._nd, x, self.weight, self.bias, *args)  # type: ignore[arg-type]


class ConvTranspose1d(_ConvTranspose):
    """1-D transposed convolution (the input gradient of Conv1d), as `torch.nn.ConvTranspose1d`.

    >>> nn.ConvTranspose1d(8, 4, 4, stride=2, padding=1)(lucid.randn(2, 8, 10)).shape
    (2, 4, 20)
    """

    _nd = 1


class ConvTranspose2d(_ConvTranspose):
    """2-D transposed convolution (the input gradient of Conv2d), as `torch.nn.ConvTranspose2d`; `forward` takes
    PyTorch's `output_size` to pick among the sizes a strided layer can produce.

    >>> up = nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1)
    >>> up(lucid.randn(1, 16, 7, 7)).shape, up(lucid.randn(1, 16, 7, 7), output_size=(14, 14)).shape
    ((1, 8, 13, 13), (1, 8, 14, 14))
    """

    _nd = 2


class ConvTranspose3d(_ConvTranspose):
    """3-D transposed convolution (the input gradient of Conv3d), as `torch.nn.ConvTranspose3d`.

    >>> nn.ConvTranspose3d(4, 2, 2, stride=2)(lucid.randn(1, 4, 3, 4, 5)).shape
    (1, 2, 6, 8, 10)
    """

    _nd = 3
