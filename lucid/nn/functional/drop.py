"""Dropout, channel dropout, alpha dropout and stochastic depth: multiply by a random mask drawn from
lucid.random.generator() (alpha dropout then adds a shift). Identity when not training."""

from __future__ import annotations

import math
import warnings

import numpy as np

from lucid import random as _random
from lucid.shape_only import MetaArray
from lucid.tensor import Tensor


def _check_p(p: float, where: str) -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
        raise ValueError(f"{where}: probability must be between 0 and 1, got {p!r}")
    return float(p)


def _meta_mask(shape: tuple[int, ...], x: Tensor) -> Tensor:
    # A shape-only input gets a shape-only mask: the same multiply runs, nothing is drawn or allocated.
    return Tensor._wrap(MetaArray(shape, x.dtype))


def dropout(x: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability `p` and scale the rest by 1 / (1 - p); identity when not training.

    >>> y = dropout(lucid.ones(4, 4), p=0.5)
    >>> np.unique(y.numpy()).tolist()  # entries are 0 or 2
    [0.0, 2.0]
    """
    p = _check_p(p, "dropout")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    if x.is_meta:
        return x * _meta_mask(x.shape, x)
    return x * _scaled_mask(x.shape, p, x.dtype)


def _scaled_mask(shape: tuple[int, ...], p: float, dtype: np.dtype) -> Tensor:
    """1 / (1 - p) where kept (probability 1 - p), 0 where dropped."""
    keep = _random.generator().random(shape) < 1.0 - p
    return Tensor._wrap((keep * (1.0 / (1.0 - p))).astype(dtype))


def _feature_dropout(x: Tensor, p: float, training: bool) -> Tensor:
    """Zero whole channels: one draw per (sample, channel) of an (N, C, ...) input, broadcast over the rest."""
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    shape = x.shape[:2] + (1,) * (x.ndim - 2)
    if x.is_meta:
        return x * _meta_mask(shape, x)
    return x * _scaled_mask(shape, p, x.dtype)


def _channel_dropout(x: Tensor, p: float, training: bool, where: str, spatial: int) -> Tensor:
    """Channel dropout of an input with `spatial` trailing axes, batched or not: (N, C, *) or (C, *)."""
    p = _check_p(p, where)
    if not isinstance(x, Tensor):
        raise TypeError(f"{where}: expected a lucid Tensor, got {type(x).__name__}")
    if x.ndim not in (spatial + 1, spatial + 2):
        layouts = {1: "(N, C, L) or (C, L)", 2: "(N, C, H, W) or (C, H, W)", 3: "(N, C, D, H, W) or (C, D, H, W)"}
        raise ValueError(f"{where}: expected input of shape {layouts[spatial]}, got shape {x.shape}")
    if x.ndim == spatial + 1:
        return _feature_dropout(x.unsqueeze(0), p, training).squeeze(0)
    return _feature_dropout(x, p, training)


def dropout1d(x: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of `(N, C, L)` (or `(C, L)`) input with probability `p`, scaling the rest by
    1 / (1 - p), as `torch.nn.functional.dropout1d`.

    >>> y = dropout1d(lucid.ones(2, 8, 5), 0.5)
    >>> bool((y.numpy() == y.numpy()[:, :, :1]).all())  # each channel kept or dropped whole
    True
    """
    return _channel_dropout(x, p, training, "dropout1d", 1)


def dropout2d(x: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of `(N, C, H, W)` input with probability `p`, scaling the rest by 1 / (1 - p), as
    `torch.nn.functional.dropout2d`.

    A 3-d input is taken as `(N, C, L)`, as PyTorch still does, with its warning (use dropout1d for that).

    >>> y = dropout2d(lucid.ones(2, 8, 3, 3), 0.5)
    >>> bool((y.numpy() == y.numpy()[:, :, :1, :1]).all())
    True
    """
    p = _check_p(p, "dropout2d")
    if not isinstance(x, Tensor):
        raise TypeError(f"dropout2d: expected a lucid Tensor, got {type(x).__name__}")
    if x.ndim == 3:
        warnings.warn(
            "dropout2d: a 3-d input is taken as (N, C, L) and its channels dropped as dropout1d would, as in "
            "PyTorch; use dropout1d for that, or add a batch axis for one (C, H, W) image",
            UserWarning,
            stacklevel=2,
        )
    elif x.ndim != 4:
        raise ValueError(f"dropout2d: expected input of shape (N, C, H, W), got shape {x.shape}")
    return _feature_dropout(x, p, training)


def dropout3d(x: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of `(N, C, D, H, W)` (or `(C, D, H, W)`) input with probability `p`, as
    `torch.nn.functional.dropout3d`.

    >>> dropout3d(lucid.ones(2, 4, 2, 3, 3), 0.5, training=False).shape
    (2, 4, 2, 3, 3)
    """
    return _channel_dropout(x, p, training, "dropout3d", 3)


# SELU's negative saturation value, -scale * alpha: where alpha dropout sets the dropped units.
_ALPHA_PRIME = 1.7580993408473766


def alpha_dropout(x: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Dropout for SELU networks, as `torch.nn.functional.alpha_dropout`: dropped units are set to SELU's
    saturation value and the result is affinely rescaled, so zero mean and unit variance are kept.

    >>> y = alpha_dropout(lucid.randn(100_000), 0.2, training=True)
    >>> abs(float(y.numpy().mean())) < 0.02, abs(float(y.numpy().std()) - 1) < 0.02
    (True, True)
    """
    p = _check_p(p, "alpha_dropout")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    # Kept: a * x + a * alpha' * p; dropped: a * (-alpha') + a * alpha' * p, with a restoring the variance.
    a = 1.0 / math.sqrt((_ALPHA_PRIME * _ALPHA_PRIME * p + 1.0) * (1.0 - p))
    if x.is_meta:
        mask = _meta_mask(x.shape, x)
        return x * mask + mask
    keep = _random.generator().random(x.shape) < 1.0 - p
    scale = Tensor._wrap((keep * a).astype(x.dtype))
    shift = Tensor._wrap(((keep - 1.0) * (_ALPHA_PRIME * a) + _ALPHA_PRIME * a * p).astype(x.dtype))
    return x * scale + shift


def drop_path(x: Tensor, drop_prob: float = 0.0, training: bool = False, scale_by_keep: bool = True) -> Tensor:
    """Stochastic depth: drop the whole residual branch of each sample with probability `drop_prob`.

    Kept samples are scaled by 1 / (1 - drop_prob) when `scale_by_keep`, so the expectation is unchanged.

    >>> y = drop_path(lucid.ones(8, 3, 4, 4), 0.25, training=True)
    >>> bool((y.numpy() == y.numpy()[:, :1, :1, :1]).all())  # one value per sample
    True
    >>> [round(float(v), 4) for v in y.numpy()[:, 0, 0, 0]]  # 0 (dropped) or 4/3 (kept)
    [1.3333, 1.3333, 1.3333, 1.3333, 0.0, 0.0, 1.3333, 1.3333]
    """
    drop_prob = _check_p(drop_prob, "drop_path")
    if not training or drop_prob == 0.0:
        return x
    if x.ndim == 0:
        raise ValueError("drop_path: expected an input with a batch dimension, got a 0-d tensor")
    keep_prob = 1.0 - drop_prob
    shape = (x.shape[0],) + (1,) * (x.ndim - 1)
    if x.is_meta:
        return x * _meta_mask(shape, x)
    mask = (_random.generator().random(shape) < keep_prob).astype(np.float64)
    if keep_prob > 0.0 and scale_by_keep:
        mask /= keep_prob
    return x * Tensor._wrap(mask.astype(x.dtype))
