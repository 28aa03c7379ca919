"""Normalization, composed from primitives: mean, subtract, square, sqrt, divide.

Each function normalizes over its own axes and then applies an optional per-channel (or
per-element) affine transform; autograd differentiates the composition.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lucid.autograd.grad_mode import no_grad
from lucid.autograd.ops import elementwise as ew
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
    axes = (0, *range(2, x.ndim))
    if training:
        count = x.size // channels
        if count <= 1:
            raise ValueError(
                f"batch_norm: training needs more than one value per channel to compute a variance, got input {x.shape}"
            )
        out, mean, var = _normalize(x, axes, eps)
        # Shape-only statistics (or a shape-only batch) have no values to average in.
        if running_mean is not None and running_var is not None and not (mean.is_meta or running_mean.is_meta):
            with no_grad():
                batch_mean = mean.data.reshape(channels)
                unbiased = var.data.reshape(channels) * (count / (count - 1))
                running_mean[...] = (1 - momentum) * running_mean.data + momentum * batch_mean
                running_var[...] = (1 - momentum) * running_var.data + momentum * unbiased
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: evaluation (training=False) needs running_mean and running_var")
        # Fold the statistics and the affine into one per-channel scale and shift on (C,) vectors,
        # so the full-size input is passed over twice instead of four times.
        if running_var.is_meta or running_mean.is_meta:
            # Shape-only statistics: the folded (C,) vectors have their shape and dtype and no values.
            inv_std = neg_mean = Tensor._wrap(MetaArray((channels,), x.dtype))
        else:
            inv_std = Tensor._wrap((1.0 / np.sqrt(running_var.data + eps)).astype(x.dtype))
            neg_mean = Tensor._wrap(-running_mean.data.astype(x.dtype, copy=False))
        scale = inv_std if weight is None else weight * inv_std
        shift = neg_mean * scale
        if bias is not None:
            shift = shift + bias
        return x * _channel_view(scale, x.ndim) + _channel_view(shift, x.ndim)
    if weight is not None:
        out = out * _channel_view(weight, x.ndim)
    if bias is not None:
        out = out + _channel_view(bias, x.ndim)
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
