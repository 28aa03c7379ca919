"""Class losses: nll_loss and cross_entropy, with PyTorch's class weights, ignore_index, label smoothing, class-
probability targets and K-dimensional inputs (N, C, d1, ...), including its weighted-mean denominators.

Both gather the target class's log-probability with one indexing op (its backward scatters into a zero array),
rather than multiplying by a one-hot array of the logits' size.
"""

from __future__ import annotations

import numpy as np

from lucid.autograd.ops import elementwise as ew
from lucid.nn.functional.activation import log_softmax
from lucid.nn.functional.loss import check_reduction, legacy_reduction, reduce_loss
from lucid.shape_only import MetaArray
from lucid.tensor import Tensor, as_tensor


def _class_axis(x: Tensor, where: str) -> int:
    if not isinstance(x, Tensor):
        raise TypeError(f"{where}: input must be a lucid Tensor, got {type(x).__name__}")
    if x.ndim == 0:
        raise ValueError(f"{where}: expected input of shape (C,), (N, C) or (N, C, d1, ...), got a 0-d tensor")
    return 0 if x.ndim == 1 else 1


def _class_weight(weight: Tensor | None, classes: int, like: Tensor, where: str) -> Tensor | None:
    if weight is None:
        return None
    weight = as_tensor(weight, like=like)
    if weight.shape != (classes,):
        raise ValueError(f"{where}: weight must have one entry per class, shape ({classes},), got {weight.shape}")
    return weight


class _Picked:
    """The target class's weighted negative log-probability at each position, and what a mean divides by.

    `loss` has the target's shape (0 at ignored positions); `weights` are the per-position weights (the class
    weight, or 1; 0 where ignored), as a constant array or, when the class weights need a gradient, a tensor.
    """

    def __init__(self, loss: Tensor, weights: np.ndarray | Tensor, valid: np.ndarray) -> None:
        self.loss, self.weights, self.valid = loss, weights, valid

    def total_weight(self) -> Tensor | float:
        if isinstance(self.weights, Tensor):
            return self.weights.sum()
        return float(self.weights.sum(dtype=np.float64))


def _pick(
    log_probs: Tensor, target: Tensor, weight: Tensor | None, ignore_index: int, class_axis: int, where: str
) -> _Picked:
    """Gather -log_probs at each target class (see _Picked)."""
    classes = log_probs.shape[class_axis]
    expected = log_probs.shape[:class_axis] + log_probs.shape[class_axis + 1 :]
    if target.shape != expected:
        raise ValueError(
            f"{where}: class-index target must have shape {expected} for input {log_probs.shape}, got {target.shape}"
        )
    labels = np.asarray(target.data).astype(np.int64, copy=False)
    valid = labels != ignore_index
    if labels.size and valid.any():
        used = labels[valid]
        low, high = int(used.min()), int(used.max())
        if low < 0 or high >= classes:
            bad = low if low < 0 else high
            raise IndexError(f"{where}: target class {bad} is out of range for {classes} classes (0 to {classes - 1})")
    safe = np.where(valid, labels, 0)
    # One index array per axis: the batch and spatial positions as open grids, the class axis from the target.
    grids = list(np.ogrid[tuple(slice(0, size) for size in expected)]) if expected else []
    index = (*grids[:class_axis], safe, *grids[class_axis:])
    picked = log_probs[index]
    if weight is not None and weight.requires_grad:
        weights: np.ndarray | Tensor = weight[safe] * Tensor._wrap(valid.astype(weight.dtype))
        loss = -(picked * weights)
    else:
        if weight is not None:
            weights = np.where(valid, np.asarray(weight.data)[safe], 0).astype(log_probs.dtype)
        else:
            weights = valid.astype(log_probs.dtype)
        # No class weights and nothing ignored: every weight is 1, and the product can be skipped.
        plain = weight is None and bool(valid.all())
        loss = -picked if plain else -(picked * Tensor._wrap(weights))
    return _Picked(loss, weights, valid)


def _weighted_mean(total: Tensor, denominator: Tensor | float) -> Tensor:
    if isinstance(denominator, Tensor):
        return total / denominator
    if not denominator:
        return _nothing_counted(total)
    return total * (1.0 / denominator)


def _nothing_counted(total: Tensor) -> Tensor:
    """A mean over no positions (everything ignored, or an empty batch): NaN, as in PyTorch, whose gradient is 0
    (no position contributed), without NumPy's 0 / 0 warning."""
    return total * 0.0 + float("nan")


def nll_loss(
    input: Tensor,  # noqa: A002 - PyTorch's argument name
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of the target classes given log-probabilities `input` (classes on axis 1, or axis
    0 for one unbatched sample), as `torch.nn.functional.nll_loss`.

    `weight` (C,) weighs each class, and the mean divides by the sum of the weights of the targets; positions
    whose target is `ignore_index` count nowhere.

    >>> nll_loss(lucid.log(lucid.tensor([[0.5, 0.5], [0.9, 0.1]])), lucid.tensor([0, -100]))
    tensor(0.6931)
    """
    where = "nll_loss"
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction, where), where)
    class_axis = _class_axis(input, where)
    target = _index_target(target, where)
    weight = _class_weight(weight, input.shape[class_axis], input, where)
    if target.is_meta:
        return _shape_only(input, target, reduction)
    picked = _pick(input, target, weight, ignore_index, class_axis, where)
    if reduction == "mean":
        return _weighted_mean(picked.loss.sum(), picked.total_weight())
    return reduce_loss(picked.loss, reduction, where)


def _index_target(target: object, where: str) -> Tensor:
    target = as_tensor(target)
    if target.dtype.kind not in "iu":
        raise TypeError(f"{where}: target must hold integer class indices, got dtype {target.dtype}")
    return target


def _shape_only(x: Tensor, target: Tensor, reduction: str) -> Tensor:
    # A shape-only target has no classes to gather: the loss has its shape and no values.
    return Tensor._wrap(MetaArray(target.shape if reduction == "none" else (), x.dtype))


def cross_entropy(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross entropy between logits `input` (classes on axis 1, or axis 0 for one unbatched sample) and `target`,
    as `torch.nn.functional.cross_entropy`.

    `target` holds class indices (the input's shape without the class axis; `weight`, `ignore_index` as in
    nll_loss) or class probabilities (the input's shape; a mean then divides by the number of positions). With
    `label_smoothing` e the target mixes (1 - e) of itself with e spread evenly over the C classes.

    >>> cross_entropy(lucid.zeros(2, 4), lucid.tensor([1, 3]), label_smoothing=0.1)
    tensor(1.3863)
    """
    where = "cross_entropy"
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction, where), where)
    class_axis = _class_axis(input, where)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{where}: label_smoothing must be between 0 and 1, got {label_smoothing!r}")
    classes = input.shape[class_axis]
    weight = _class_weight(weight, classes, input, where)
    target = as_tensor(target)
    log_probs = log_softmax(input, class_axis)
    if target.dtype.kind == "f":
        return _probability_target(log_probs, target, weight, ignore_index, reduction, label_smoothing, class_axis)
    if target.dtype.kind not in "iu":
        raise TypeError(f"{where}: target must hold integer class indices or float probabilities, got {target.dtype}")
    if target.is_meta:
        return _shape_only(input, target, reduction)
    picked = _pick(log_probs, target, weight, ignore_index, class_axis, where)
    if reduction == "mean":
        nll = _weighted_mean(picked.loss.sum(), picked.total_weight())
    else:
        nll = reduce_loss(picked.loss, reduction, where)
    if label_smoothing == 0.0:
        return nll
    # The smoothing term, as PyTorch computes it: -sum over classes of (weighted) log-probabilities at every
    # position that is not ignored, reduced with the same denominator as the nll term.
    weighted = log_probs if weight is None else log_probs * _class_view(weight, log_probs.ndim, class_axis)
    smooth = -weighted.sum(axis=class_axis)
    if not picked.valid.all():
        smooth = smooth * Tensor._wrap(picked.valid.astype(smooth.dtype))
    if reduction == "mean":
        smooth = _weighted_mean(smooth.sum(), picked.total_weight())
    else:
        smooth = reduce_loss(smooth, reduction, where)
    return nll * (1.0 - label_smoothing) + smooth * (label_smoothing / classes)


def _class_view(weight: Tensor, ndim: int, class_axis: int) -> Tensor:
    """Class weights (C,) shaped to broadcast along the class axis of an input of `ndim` dimensions."""
    return weight.reshape((weight.shape[0],) + (1,) * (ndim - class_axis - 1))


def _probability_target(
    log_probs: Tensor,
    target: Tensor,
    weight: Tensor | None,
    ignore_index: int,
    reduction: str,
    label_smoothing: float,
    class_axis: int,
) -> Tensor:
    where = "cross_entropy"
    if ignore_index >= 0:
        raise ValueError(f"{where}: ignore_index ({ignore_index}) cannot be used with class-probability targets")
    if target.shape != log_probs.shape:
        raise ValueError(
            f"{where}: class-probability target must have the input's shape {log_probs.shape}, got {target.shape}"
        )
    if target.dtype != log_probs.dtype:
        target = ew.cast(target, log_probs.dtype)
    classes = log_probs.shape[class_axis]
    if label_smoothing > 0.0:
        target = target * (1.0 - label_smoothing) + label_smoothing / classes
    terms = log_probs * target
    if weight is not None:
        terms = terms * _class_view(weight, log_probs.ndim, class_axis)
    if reduction == "none":
        return -terms.sum(axis=class_axis)
    if reduction == "sum":
        return -terms.sum()
    positions = log_probs.size // classes if classes else 0
    if not positions:
        return _nothing_counted(terms.sum())
    return -terms.sum() * (1.0 / positions)
