"""Dropout and stochastic depth: multiply by a random mask drawn from lucid.random.generator()."""

from __future__ import annotations

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


def dropout(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
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
    keep = _random.generator().random(x.shape) < 1.0 - p
    return x * Tensor._wrap((keep * (1.0 / (1.0 - p))).astype(x.dtype))


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
