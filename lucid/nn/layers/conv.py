"""Convolution layers."""

from __future__ import annotations

import math

from lucid import creation
from lucid.autograd.ops.conv import IntPair, conv2d, pair
from lucid.nn import init
from lucid.nn.layers._checks import IMAGE, check_input
from lucid.nn.module import Module
from lucid.nn.parameter import Parameter
from lucid.tensor import Tensor


class Conv2d(Module):
    """2-D convolution over `(N, C, H, W)` (or unbatched `(C, H, W)`) input, as `torch.nn.Conv2d`.

    Weight `(out_channels, in_channels // groups, kh, kw)` and bias `(out_channels,)` start
    from PyTorch's default: kaiming-uniform with a = sqrt(5), bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)).

    >>> conv = nn.Conv2d(3, 24, 3, stride=2, padding=1)
    >>> conv(lucid.randn(1, 3, 224, 224)).shape
    (1, 24, 112, 112)
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: IntPair,
        stride: IntPair = 1,
        padding: IntPair | str = 0,
        dilation: IntPair = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        dtype: object = None,
    ) -> None:
        super().__init__()
        where = "Conv2d"
        if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1:
            raise ValueError(f"{where}: groups must be a positive int, got {groups!r}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(
                f"{where}: in_channels ({in_channels}) and out_channels ({out_channels}) must both be "
                f"divisible by groups ({groups})"
            )
        if padding_mode != "zeros":
            raise ValueError(f"{where}: only padding_mode='zeros' is supported, got {padding_mode!r}")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = pair(kernel_size, "kernel_size", where)
        self.stride = pair(stride, "stride", where)
        self.dilation = pair(dilation, "dilation", where)
        self.padding = self._resolve_padding(padding, where)
        self.padding_mode = padding_mode
        self.weight = Parameter(creation.zeros(out_channels, in_channels // groups, *self.kernel_size, dtype=dtype))
        self.bias = Parameter(creation.zeros(out_channels, dtype=dtype)) if bias else None
        self.reset_parameters()

    def _resolve_padding(self, padding: IntPair | str, where: str) -> tuple[int, int]:
        if padding == "valid":
            return (0, 0)
        if padding == "same":
            if self.stride != (1, 1):
                raise ValueError(f"{where}: padding='same' needs stride 1, got stride={self.stride}")
            spans = [d * (k - 1) for d, k in zip(self.dilation, self.kernel_size, strict=True)]
            if any(s % 2 for s in spans):
                raise ValueError(
                    f"{where}: padding='same' with kernel_size={self.kernel_size}, dilation={self.dilation} "
                    "would need uneven padding; pad the input explicitly instead"
                )
            return (spans[0] // 2, spans[1] // 2)
        if isinstance(padding, str):
            raise ValueError(f"{where}: padding must be an int, a pair, 'valid' or 'same', got {padding!r}")
        return pair(padding, "padding", where)

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in:
                bound = 1.0 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        check_input("Conv2d", x, IMAGE, self.in_channels)
        return conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self) -> str:
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text
