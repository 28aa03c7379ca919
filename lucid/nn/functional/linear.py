"""The affine map of a fully-connected layer."""

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
