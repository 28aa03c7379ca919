"""Losses, composed from log_softmax, elementwise ops and reductions."""

from __future__ import annotations

import numpy as np

from lucid.nn.functional.activation import log_softmax
from lucid.tensor import Tensor, as_tensor

_REDUCTIONS = ("mean", "sum", "none")


def _reduce(loss: Tensor, reduction: str, where: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{where}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def cross_entropy(
    x: Tensor,
    target: Tensor,
    *,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross entropy between logits `x` (classes on axis 1, or axis 0 for one unbatched sample) and `target`.

    `target` holds class indices (shape of `x` without the class axis) or class probabilities
    (same shape as `x`). With `label_smoothing` e, the target becomes (1 - e) * target + e / C.

    >>> cross_entropy(lucid.randn(4, 10), lucid.tensor([1, 0, 9, 3]), label_smoothing=0.1)
    tensor(2.5225)
    """
    where = "cross_entropy"
    target = as_tensor(target)
    if x.ndim == 0:
        raise ValueError(f"{where}: expected logits of shape (C,), (N, C) or (N, C, d1, ...), got a 0-d tensor")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{where}: label_smoothing must be between 0 and 1, got {label_smoothing!r}")
    class_axis = 0 if x.ndim == 1 else 1
    classes = x.shape[class_axis]
    if target.dtype.kind in "iu":
        expected = x.shape[:class_axis] + x.shape[class_axis + 1 :]
        if target.shape != expected:
            raise ValueError(
                f"{where}: class-index target must have shape {expected} for logits {x.shape}, got {target.shape}"
            )
        labels = target.data
        if labels.size and (labels.min() < 0 or labels.max() >= classes):
            bad = int(labels.min()) if labels.min() < 0 else int(labels.max())
            raise IndexError(f"{where}: target class {bad} is out of range for {classes} classes")
        # One-hot along the class axis, built in NumPy: the target carries no gradient.
        onehot = np.expand_dims(labels, class_axis) == np.arange(classes).reshape(
            (classes,) + (1,) * (x.ndim - class_axis - 1)
        )
        probs = Tensor._wrap(onehot.astype(x.dtype))
    elif target.dtype.kind == "f":
        if target.shape != x.shape:
            raise ValueError(f"{where}: probability target must have the logits' shape {x.shape}, got {target.shape}")
        probs = target
    else:
        raise TypeError(f"{where}: target must hold integer class indices or float probabilities, got {target.dtype}")
    if label_smoothing > 0.0:
        probs = probs * (1.0 - label_smoothing) + label_smoothing / classes
    loss = -(probs * log_softmax(x, axis=class_axis)).sum(axis=class_axis)
    return _reduce(loss, reduction, where)


def mse_loss(x: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean squared error (or its sum, or the elementwise squares with reduction="none").

    >>> mse_loss(lucid.tensor([1.0, 2.0]), lucid.tensor([1.0, 4.0]))
    tensor(2.)
    """
    target = as_tensor(target, like=x)
    if target.shape != x.shape:
        raise ValueError(f"mse_loss: input shape {x.shape} and target shape {target.shape} must match")
    diff = x - target
    return _reduce(diff * diff, reduction, "mse_loss")
