"""Normalization: batch, layer and group norm.

Layer and group norm are composed from primitives (mean, subtract, square, sqrt, divide) and an
optional affine transform; autograd differentiates the composition. Batch norm in training runs
as one fused op (lucid/autograd/ops/norm.py), the composition's cost mattering on the large
convolutional activations it follows; in evaluation it is one per-channel scale and shift.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lucid.autograd.grad_mode import no_grad
from lucid.autograd.ops import elementwise as ew
from lucid.autograd.ops.norm import BatchNorm, BatchNormEval
from lucid.shape_only import MetaArray
from lucid.tensor import Tensor


def _normalize(x: Tensor, axes: tuple[int, ...], eps: float) -> tuple[Tensor, Tensor, Tensor]:
    """(x - mean) / sqrt(var + eps) over `axes` with the biased variance; also returns mean and var."""
    mean = x.mean(axis=axes, keepdims=True)
    centered = x - mean
    var = (centered * centered).mean(axis=axes, keepdims=True)
    return centered / ew.sqrt(var + eps), mean, var


def _channel_view(t: Tensor, ndim: int) -> Tensor:
    """A per-channel vector (C,) shaped (1, C, 1, ...) to broadcast against an (N, C, ...) input."""
    return t.reshape((1, t.shape[0]) + (1,) * (ndim - 2))


def batch_norm(
    x: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalize each channel of `x (N, C, ...)` by batch statistics (training) or running ones (eval).

    In training the running statistics, when given, are updated in place as
    `running = (1 - momentum) * running + momentum * batch`, with the unbiased batch variance.

    >>> x, running_mean, running_var = lucid.randn(4, 3, 5, 5), lucid.zeros(3), lucid.ones(3)
    >>> y = batch_norm(x, running_mean, running_var, training=True)
    >>> y.numpy().std(axis=(0, 2, 3)).round(4).tolist()
    [1.0, 1.0, 1.0]
    >>> np.allclose(running_mean.numpy(), 0.1 * x.numpy().mean(axis=(0, 2, 3)))
    True
    """
    if x.ndim < 2:
        raise ValueError(f"batch_norm: expected input of shape (N, C, ...), got shape {x.shape}")
    channels = x.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias)):
        if t is not None and t.shape != (channels,):
            raise ValueError(f"batch_norm: {name} must have shape ({channels},) for input {x.shape}, got {t.shape}")
    if training:
        count = x.size // channels
        if count <= 1:
            raise ValueError(
                f"batch_norm: training needs more than one value per channel to compute a variance, got input {x.shape}"
            )
        return _batch_norm_training(x, running_mean, running_var, weight, bias, momentum, eps)
    if running_mean is None or running_var is None:
        raise ValueError("batch_norm: evaluation (training=False) needs running_mean and running_var")
    if running_var.is_meta or running_mean.is_meta:
        # Shape-only statistics: the folded (C,) vectors have their shape and dtype and no values.
        inv_std = neg_mean = Tensor._wrap(MetaArray((channels,), x.dtype))
        scale = inv_std if weight is None else weight * inv_std
        shift = neg_mean * scale
        if bias is not None:
            shift = shift + bias
        return x * _channel_view(scale, x.ndim) + _channel_view(shift, x.ndim)
    # One op: the statistics and the affine fold into a per-channel scale and shift, one pass over x.
    return BatchNormEval.apply(
        x, *_both_or_neither(x, weight, bias), mean=running_mean.data, var=running_var.data, eps=eps
    )


def _both_or_neither(x: Tensor, weight: Tensor | None, bias: Tensor | None) -> tuple[Tensor, ...]:
    """The fused batch-norm ops take weight and bias both or neither; a missing one is a constant (no gradient is
    asked of it), which costs nothing extra: the backward computes both per-channel sums anyway."""
    if weight is None and bias is None:
        return ()
    like = weight if weight is not None else bias
    return (
        weight if weight is not None else Tensor._wrap(np.ones(x.shape[1], dtype=like.dtype)),
        bias if bias is not None else Tensor._wrap(np.zeros(x.shape[1], dtype=like.dtype)),
    )


def _batch_norm_training(
    x: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None,
    bias: Tensor | None,
    momentum: float,
    eps: float,
) -> Tensor:
    """Normalize by batch statistics with the fused op, then fold them into the running statistics."""
    stats: list[np.ndarray] = []
    out = BatchNorm.apply(x, *_both_or_neither(x, weight, bias), eps=eps, stats_out=stats)
    # `stats` stays empty when any input is shape-only (the op ran its shape rule, with no values
    # to average in), and shape-only running statistics have nothing to update.
    if (
        stats
        and running_mean is not None
        and running_var is not None
        and not (running_mean.is_meta or running_var.is_meta)
    ):
        batch_mean, batch_var = stats
        count = x.size // x.shape[1]
        unbiased = batch_var * (count / (count - 1))
        with no_grad():
            running_mean[...] = (1 - momentum) * running_mean.data + momentum * batch_mean
            running_var[...] = (1 - momentum) * running_var.data + momentum * unbiased
    return out


def layer_norm(
    x: Tensor,
    normalized_shape: int | Sequence[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalize over the trailing `normalized_shape` axes, then scale and shift elementwise.

    >>> layer_norm(lucid.randn(2, 5, 8), 8).shape
    (2, 5, 8)
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if len(shape) == 0 or x.shape[x.ndim - len(shape) :] != shape or x.ndim < len(shape):
        raise ValueError(f"layer_norm: expected input whose trailing dimensions are {shape}, got shape {x.shape}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.shape != shape:
            raise ValueError(f"layer_norm: {name} must have shape {shape}, got {t.shape}")
    out, _, _ = _normalize(x, tuple(range(x.ndim - len(shape), x.ndim)), eps)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def group_norm(
    x: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalize each of `num_groups` channel groups of every sample, then apply a per-channel affine.

    >>> group_norm(lucid.randn(2, 6, 4, 4), 3).shape
    (2, 6, 4, 4)
    """
    if x.ndim < 2:
        raise ValueError(f"group_norm: expected input of shape (N, C, ...), got shape {x.shape}")
    channels = x.shape[1]
    if num_groups < 1 or channels % num_groups:
        raise ValueError(f"group_norm: num_groups={num_groups} must divide the {channels} channels of input {x.shape}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.shape != (channels,):
            raise ValueError(f"group_norm: {name} must have shape ({channels},), got {t.shape}")
    grouped = x.reshape(x.shape[0], num_groups, -1)
    out, _, _ = _normalize(grouped, (2,), eps)
    out = out.reshape(x.shape)
    if weight is not None:
        out = out * _channel_view(weight, x.ndim)
    if bias is not None:
        out = out + _channel_view(bias, x.ndim)
    return out
