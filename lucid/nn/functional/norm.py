"""Normalization: batch, instance, layer, group, RMS and local response norm.

Layer and group norm are composed from primitives (mean, subtract, square, sqrt, divide) and an
optional affine transform; autograd differentiates the composition. Batch norm in training runs
as one fused op (lucid/autograd/ops/norm.py), the composition's cost mattering on the large
convolutional activations it follows; in evaluation it is one per-channel scale and shift. Instance norm
is the same fused op on the input seen as one batch of N * C channels (PyTorch's own reduction); RMS and local
response norm are compositions.
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


def _tiled(t: Tensor | None, times: int) -> Tensor | None:
    """A per-channel (C,) tensor repeated for each of `times` samples: (times * C,), differentiably."""
    if t is None:
        return None
    return t.unsqueeze(0).broadcast_to((times, t.shape[0])).reshape(times * t.shape[0])


def instance_norm(
    x: Tensor,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalize each channel of each sample of `x (N, C, ...)` by its own mean and variance, as
    `torch.nn.functional.instance_norm`.

    With `use_input_stats=False` the running statistics are used instead; with it and running statistics given,
    they are updated in place by the batch average of the per-sample statistics (unbiased variance), as PyTorch.

    >>> y = instance_norm(lucid.randn(2, 3, 16) * 5 + 2).numpy()
    >>> bool(np.allclose(y.mean(axis=2), 0, atol=1e-5)), bool(np.allclose(y.std(axis=2), 1, atol=1e-3))
    (True, True)
    """
    where = "instance_norm"
    if not isinstance(x, Tensor) or x.ndim < 2:
        got = x.shape if isinstance(x, Tensor) else type(x).__name__
        raise ValueError(f"{where}: expected input of shape (N, C, ...), got {got}")
    n, channels = x.shape[:2]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias)):
        if t is not None and t.shape != (channels,):
            raise ValueError(f"{where}: {name} must have shape ({channels},) for input {x.shape}, got {t.shape}")
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise ValueError(f"{where}: use_input_stats=False needs running_mean and running_var")
        return batch_norm(x, running_mean, running_var, weight, bias, False, momentum, eps)
    spatial = x.size // (n * channels) if n * channels else 0
    if spatial <= 1:
        raise ValueError(
            f"{where}: expected more than 1 spatial element per channel when training, got input {x.shape}"
        )
    # PyTorch's own reduction: the samples' channels become the channels of one (1, N * C, L) batch, so each is
    # normalized on its own by the fused batch-norm op, and the affine parameters repeat once per sample.
    folded = x.reshape(1, n * channels, spatial)
    stats: list[np.ndarray] = []
    affine = _both_or_neither(folded, _tiled(weight, n), _tiled(bias, n))
    out = BatchNorm.apply(folded, *affine, eps=eps, stats_out=stats).reshape(x.shape)
    if stats and running_mean is not None and running_var is not None:
        if not (running_mean.is_meta or running_var.is_meta):
            sample_mean, sample_var = (s.reshape(n, channels) for s in stats)
            unbiased = sample_var * (spatial / (spatial - 1))
            with no_grad():
                running_mean[...] = (1 - momentum) * running_mean.data + momentum * sample_mean.mean(axis=0)
                running_var[...] = (1 - momentum) * running_var.data + momentum * unbiased.mean(axis=0)
    return out


def _trailing_shape(x: Tensor, normalized_shape: int | Sequence[int], where: str) -> tuple[int, ...]:
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if not shape or x.ndim < len(shape) or x.shape[x.ndim - len(shape) :] != shape:
        raise ValueError(f"{where}: expected input whose trailing dimensions are {shape}, got shape {x.shape}")
    return shape


def rms_norm(
    x: Tensor, normalized_shape: int | Sequence[int], weight: Tensor | None = None, eps: float | None = None
) -> Tensor:
    """x / sqrt(mean(x^2) + eps) over the trailing `normalized_shape` axes, times `weight`, as
    `torch.nn.functional.rms_norm`; `eps=None` is the machine epsilon of x's dtype, PyTorch's default.

    >>> rms_norm(lucid.tensor([[3.0, 4.0]]), 2)
    tensor([[0.8485, 1.1314]])
    """
    shape = _trailing_shape(x, normalized_shape, "rms_norm")
    if weight is not None and weight.shape != shape:
        raise ValueError(f"rms_norm: weight must have shape {shape}, got {weight.shape}")
    if eps is None:
        eps = float(np.finfo(x.dtype if x.dtype.kind == "f" else np.float32).eps)
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    out = x / ew.sqrt((x * x).mean(axis=axes, keepdims=True) + eps)
    return out if weight is None else out * weight


def local_response_norm(x: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> Tensor:
    """x / (k + alpha * mean of x^2 over `size` neighbouring channels)^beta, as
    `torch.nn.functional.local_response_norm` (the window is zero-padded and always divided by `size`).

    >>> local_response_norm(lucid.ones(1, 3, 2), size=2, alpha=1.0, k=1.0)[0, :, 0]
    tensor([0.7378, 0.5946, 0.5946])
    """
    if not isinstance(x, Tensor) or x.ndim < 3:
        got = x.shape if isinstance(x, Tensor) else type(x).__name__
        raise ValueError(f"local_response_norm: expected input of shape (N, C, *) with 3 or more dimensions, got {got}")
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"local_response_norm: size must be a positive int, got {size!r}")
    if x.size == 0:
        return x
    channels = x.shape[1]
    widths = [(0, 0)] * x.ndim
    widths[1] = (size // 2, (size - 1) // 2)
    padded = (x * x).pad(widths)
    # One shifted slice per window tap: `size` adds over the (N, C, ...) input.
    window = padded[:, 0:channels]
    for tap in range(1, size):
        window = window + padded[:, tap : tap + channels]
    return x / (window * (alpha / size) + k) ** beta
