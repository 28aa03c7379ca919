"""Fully-connected and shape-only layers: Linear, Bilinear, Identity, Flatten, Unflatten, ChannelShuffle."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from lucid import creation
from lucid.nn import init
from lucid.nn.functional.linear import bilinear, channel_shuffle, linear
from lucid.nn.module import Module
from lucid.nn.parameter import Parameter
from lucid.tensor import Tensor


class Linear(Module):
    """y = x @ weight.T + bias over the last dimension, as `torch.nn.Linear` (same default init).

    >>> nn.Linear(448, 1000)(lucid.randn(2, 448)).shape
    (2, 1000)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype: object = None) -> None:
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(creation.zeros(out_features, in_features, dtype=dtype))
        self.bias = Parameter(creation.zeros(out_features, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # PyTorch's default: kaiming-uniform with a = sqrt(5), i.e. U(-1/sqrt(in), 1/sqrt(in)), for both.
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None and self.in_features > 0:
            bound = 1.0 / math.sqrt(self.in_features)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor):
            raise TypeError(f"Linear: expected a lucid Tensor, got {type(x).__name__}")
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(f"Linear: expected input with last dimension {self.in_features}, got shape {x.shape}")
        return linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Identity(Module):
    """Returns its input; any constructor arguments are ignored (so it can stand in for another layer).

    >>> nn.Identity(54, unused="x")(lucid.ones(2)).tolist()
    [1.0, 1.0]
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, x: Tensor) -> Tensor:
        return x


class Flatten(Module):
    """Merge dimensions `start_dim`..`end_dim` into one, as `torch.nn.Flatten`.

    >>> nn.Flatten()(lucid.zeros(2, 3, 4, 4)).shape
    (2, 48)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor) -> Tensor:
        return x.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Bilinear(Module):
    """y = x1^T A x2 + b, one (in1_features, in2_features) matrix A per output, as `torch.nn.Bilinear` (weight and
    bias start U(-1/sqrt(in1_features), 1/sqrt(in1_features))).

    >>> nn.Bilinear(2, 3, 4)(lucid.randn(5, 2), lucid.randn(5, 3)).shape
    (5, 4)
    """

    def __init__(
        self, in1_features: int, in2_features: int, out_features: int, bias: bool = True, dtype: object = None
    ) -> None:
        super().__init__()
        self.in1_features, self.in2_features, self.out_features = in1_features, in2_features, out_features
        self.weight = Parameter(creation.zeros(out_features, in1_features, in2_features, dtype=dtype))
        self.bias = Parameter(creation.zeros(out_features, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.in1_features) if self.in1_features else 0.0
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        for name, x, size in (("input1", input1, self.in1_features), ("input2", input2, self.in2_features)):
            if not isinstance(x, Tensor):
                raise TypeError(f"Bilinear: {name} must be a lucid Tensor, got {type(x).__name__}")
            if x.ndim == 0 or x.shape[-1] != size:
                raise ValueError(f"Bilinear: expected {name} with last dimension {size}, got shape {x.shape}")
        return bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )


class Unflatten(Module):
    """Split dimension `dim` into `unflattened_size` (one entry may be -1), as `torch.nn.Unflatten`.

    >>> nn.Unflatten(1, (2, -1))(lucid.zeros(3, 6, 2)).shape
    (3, 2, 3, 2)
    """

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        if isinstance(dim, bool) or not isinstance(dim, int):
            raise TypeError(f"Unflatten: dim must be an int, got {dim!r}")
        if not isinstance(unflattened_size, (tuple, list)) or not all(
            isinstance(s, int) and not isinstance(s, bool) for s in unflattened_size
        ):
            raise TypeError(f"Unflatten: unflattened_size must be a tuple or list of ints, got {unflattened_size!r}")
        self.dim, self.unflattened_size = dim, unflattened_size

    def forward(self, x: Tensor) -> Tensor:
        if not -x.ndim <= self.dim < x.ndim:
            raise ValueError(f"Unflatten: dim {self.dim} is out of range for input of shape {x.shape}")
        axis = self.dim % x.ndim
        sizes = tuple(self.unflattened_size)
        known = math.prod(s for s in sizes if s != -1)
        fits = x.shape[axis] % known == 0 if -1 in sizes and known else x.shape[axis] == known
        if not fits or sizes.count(-1) > 1:
            raise ValueError(
                f"Unflatten: dimension {self.dim} of size {x.shape[axis]} (input {x.shape}) cannot be split "
                f"into {sizes}"
            )
        return x.reshape(*x.shape[:axis], *sizes, *x.shape[axis + 1 :])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class ChannelShuffle(Module):
    """Interleave the channels of `groups` groups of `(N, C, *)` input (ShuffleNet), as `torch.nn.ChannelShuffle`.

    >>> nn.ChannelShuffle(2)(lucid.arange(4.0).reshape(1, 4, 1)).flatten().tolist()
    [0.0, 2.0, 1.0, 3.0]
    """

    def __init__(self, groups: int) -> None:
        super().__init__()
        if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1:
            raise ValueError(f"ChannelShuffle: groups must be a positive int, got {groups!r}")
        self.groups = groups

    def forward(self, x: Tensor) -> Tensor:
        return channel_shuffle(x, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
