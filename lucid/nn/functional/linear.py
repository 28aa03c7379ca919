"""Affine maps (linear, bilinear) and channel_shuffle, a layout change between grouped convolutions."""

from __future__ import annotations

from lucid.tensor import Tensor


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x @ weight.T + bias, for `x (..., in_features)` and `weight (out_features, in_features)`.

    >>> linear(lucid.randn(2, 3), lucid.randn(4, 3)).shape
    (2, 4)
    """
    if weight.ndim != 2:
        raise ValueError(f"linear: weight must have shape (out_features, in_features), got {weight.shape}")
    if x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear: expected input with last dimension {weight.shape[1]}, got shape {x.shape}")
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ValueError(f"linear: bias must have shape ({weight.shape[0]},), got {bias.shape}")
    if x.ndim > 2:
        # One 2-D GEMM instead of a stack of small ones, and the weight gradient is then a
        # single product rather than a batch of products summed by the engine.
        out = (x.reshape(-1, x.shape[-1]) @ weight.T).reshape(*x.shape[:-1], weight.shape[0])
    else:
        out = x @ weight.T
    return out if bias is None else out + bias


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y_o = x1^T A_o x2 + b_o for `x1 (..., in1)`, `x2 (..., in2)` and `weight (out, in1, in2)`, as
    `torch.nn.functional.bilinear`.

    >>> bilinear(lucid.randn(5, 2), lucid.randn(5, 3), lucid.randn(4, 2, 3)).shape
    (5, 4)
    """
    where = "bilinear"
    if weight.ndim != 3:
        raise ValueError(
            f"{where}: weight must have shape (out_features, in1_features, in2_features), got {weight.shape}"
        )
    out_features, in1, in2 = weight.shape
    if input1.ndim == 0 or input1.shape[-1] != in1 or input2.ndim == 0 or input2.shape[-1] != in2:
        raise ValueError(
            f"{where}: expected inputs with last dimensions {in1} and {in2} for weight {weight.shape}, got shapes "
            f"{input1.shape} and {input2.shape}"
        )
    if input1.shape[:-1] != input2.shape[:-1]:
        raise ValueError(f"{where}: the inputs' leading dimensions must match, got {input1.shape} and {input2.shape}")
    if bias is not None and bias.shape != (out_features,):
        raise ValueError(f"{where}: bias must have shape ({out_features},), got {bias.shape}")
    lead = input1.shape[:-1]
    x1, x2 = input1.reshape(-1, in1), input2.reshape(-1, in2)
    # One GEMM against the weight seen as (out * in1, in2), then each output's in1 terms weighted by x1 and summed.
    projected = (x2 @ weight.reshape(out_features * in1, in2).T).reshape(-1, out_features, in1)
    out = (projected * x1.unsqueeze(1)).sum(axis=-1)
    if bias is not None:
        out = out + bias
    return out.reshape(*lead, out_features)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:  # noqa: A002 - PyTorch's argument name
    """Interleave the channels of `groups` groups (ShuffleNet): channel g * (C / groups) + k moves to
    k * groups + g, for `(N, C, *)` input, as `torch.nn.functional.channel_shuffle`.

    >>> channel_shuffle(lucid.arange(6.0).reshape(1, 6, 1), 2).flatten().tolist()
    [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    """
    where = "channel_shuffle"
    if not isinstance(input, Tensor) or input.ndim < 3:
        got = input.shape if isinstance(input, Tensor) else type(input).__name__
        raise ValueError(f"{where}: expected input of shape (N, C, *) with 3 or more dimensions, got {got}")
    if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1:
        raise ValueError(f"{where}: groups must be a positive int, got {groups!r}")
    n, channels = input.shape[:2]
    if channels % groups:
        raise ValueError(
            f"{where}: the {channels} channels of input {input.shape} are not divisible by groups={groups}"
        )
    rest = input.shape[2:]
    grouped = input.reshape(n, groups, channels // groups, *rest)
    return grouped.swapaxes(1, 2).reshape(input.shape)
