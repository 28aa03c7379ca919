"""Regression, binary and ranking losses, PyTorch's `torch.nn.functional` spellings: mse, l1, smooth L1, Huber,
KL divergence, binary cross entropy (on probabilities and on logits), margin ranking and cosine embedding.

Each is composed from elementwise ops and reductions, except the elementwise terms of binary cross entropy on
probabilities, smooth L1 and Huber, which are single ops (lucid/autograd/ops/loss.py says why). Class losses
(nll_loss, cross_entropy) are in lucid/nn/functional/classification.py. `size_average` and `reduce` are PyTorch's
deprecated spellings of `reduction`, accepted with its warning.
"""

from __future__ import annotations

import warnings

import numpy as np

from lucid.autograd.ops import activation as fused
from lucid.autograd.ops import elementwise as ew
from lucid.autograd.ops.loss import binary_cross_entropy_terms, smooth_l1
from lucid.tensor import Tensor, as_tensor

REDUCTIONS = ("mean", "sum", "none")


def legacy_reduction(size_average: bool | None, reduce: bool | None, reduction: str, where: str) -> str:
    """`reduction`, or the one PyTorch's deprecated `size_average` / `reduce` pair stands for (with its warning)."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    chosen = ("mean" if size_average else "sum") if reduce else "none"
    warnings.warn(
        f"{where}: size_average and reduce are deprecated; use reduction={chosen!r}", UserWarning, stacklevel=3
    )
    return chosen


def check_reduction(reduction: str, where: str, allowed: tuple[str, ...] = REDUCTIONS) -> str:
    if reduction not in allowed:
        raise ValueError(f"{where}: reduction must be one of {allowed}, got {reduction!r}")
    return reduction


def reduce_loss(loss: Tensor, reduction: str, where: str) -> Tensor:
    """The elementwise `loss` averaged, summed or kept, as `reduction` says."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{where}: reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _input(x: object, where: str, name: str = "input") -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{where}: {name} must be a lucid Tensor, got {type(x).__name__}")
    return x


def _same_shape_target(x: Tensor, target: object, where: str) -> Tensor:
    target = as_tensor(target, like=x)
    if target.shape != x.shape:
        raise ValueError(f"{where}: input shape {x.shape} and target shape {target.shape} must match")
    return ew.cast(target, x.dtype) if target.dtype.kind != "f" and x.dtype.kind == "f" else target


def _weighted(loss: Tensor, weight: Tensor | None, reduction: str, where: str, mean_by_weight: bool) -> Tensor:
    """Reduce `loss`, first multiplied by a per-element `weight` (of the input's shape) when given.

    PyTorch divides a weighted mean by the sum of the weights for l1 and mse, but by the element count for Huber:
    `mean_by_weight` says which.
    """
    if weight is None:
        return reduce_loss(loss, reduction, where)
    weight = as_tensor(weight, like=loss)
    if weight.shape != loss.shape:
        raise ValueError(f"{where}: weight must have the input's shape {loss.shape}, got {weight.shape}")
    loss = loss * weight
    if reduction == "mean" and mean_by_weight:
        return loss.sum() / weight.sum()
    return reduce_loss(loss, reduction, where)


def mse_loss(
    input: Tensor,  # noqa: A002 - PyTorch's argument name
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Mean squared error (or its sum, or the elementwise squares with reduction="none"), as
    `torch.nn.functional.mse_loss`; a per-element `weight` makes the mean sum(w * d^2) / sum(w).

    >>> mse_loss(lucid.tensor([1.0, 2.0]), lucid.tensor([1.0, 4.0]))
    tensor(2.)
    """
    where = "mse_loss"
    reduction = legacy_reduction(size_average, reduce, reduction, where)
    diff = _input(input, where) - _same_shape_target(input, target, where)
    return _weighted(diff * diff, weight, reduction, where, mean_by_weight=True)


def l1_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Mean absolute error, as `torch.nn.functional.l1_loss`; a per-element `weight` makes the mean
    sum(w * |d|) / sum(w).

    >>> l1_loss(lucid.tensor([1.0, 2.0]), lucid.tensor([0.0, 4.0]))
    tensor(1.5)
    """
    where = "l1_loss"
    reduction = legacy_reduction(size_average, reduce, reduction, where)
    diff = _input(input, where) - _same_shape_target(input, target, where)
    return _weighted(ew.abs(diff), weight, reduction, where, mean_by_weight=True)


def smooth_l1_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """0.5 d^2 / beta where |d| < beta, else |d| - beta / 2 (plain L1 for beta = 0), as
    `torch.nn.functional.smooth_l1_loss`.

    >>> smooth_l1_loss(lucid.tensor([0.5, 3.0]), lucid.tensor([0.0, 0.0]), reduction="none")
    tensor([0.125, 2.5  ])
    """
    where = "smooth_l1_loss"
    reduction = legacy_reduction(size_average, reduce, reduction, where)
    if beta < 0:
        raise ValueError(f"{where}: beta must be non-negative, got {beta!r}")
    x = _input(input, where)
    target = _same_shape_target(x, target, where)
    if beta == 0:
        return reduce_loss(ew.abs(x - target), reduction, where)  # PyTorch's plain L1 (the formula divides by 0)
    return reduce_loss(smooth_l1(x, target, beta), reduction, where)


def huber_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: Tensor | None = None,
) -> Tensor:
    """0.5 d^2 where |d| < delta, else delta * (|d| - delta / 2), as `torch.nn.functional.huber_loss`.

    >>> huber_loss(lucid.tensor([0.5, 3.0]), lucid.tensor([0.0, 0.0]), reduction="none", delta=2.0)
    tensor([0.125, 4.   ])
    """
    where = "huber_loss"
    if delta <= 0:
        raise ValueError(f"{where}: delta must be positive, got {delta!r}")
    x = _input(input, where)
    loss = smooth_l1(x, _same_shape_target(x, target, where), delta, huber=True)
    return _weighted(loss, weight, reduction, where, mean_by_weight=False)


def kl_div(
    input: Tensor,  # noqa: A002
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """KL divergence target * (log(target) - input) for log-probabilities `input` (0 where target is 0), as
    `torch.nn.functional.kl_div`; with `log_target` the target is given as log-probabilities too.

    reduction="batchmean" divides the sum by the batch size (the mathematical KL divergence); "mean", the default,
    divides by the element count and warns, as in PyTorch.

    >>> kl_div(lucid.log(lucid.tensor([[0.5, 0.5]])), lucid.tensor([[0.25, 0.75]]), reduction="batchmean")
    tensor(0.1308)
    """
    where = "kl_div"
    legacy = size_average is not None or reduce is not None
    reduction = legacy_reduction(size_average, reduce, reduction, where)
    check_reduction(reduction, where, (*REDUCTIONS, "batchmean"))
    if reduction == "mean" and not legacy:
        warnings.warn(
            "kl_div: reduction='mean' divides the total loss by the number of elements, not the batch size; "
            "reduction='batchmean' gives the KL divergence",
            UserWarning,
            stacklevel=2,
        )
    x = _input(input, where)
    target = _same_shape_target(x, target, where)
    if log_target:
        loss = ew.exp(target) * (target - x)
    else:
        # xlogy: t log t is 0 at t = 0, where log alone would give 0 * -inf = NaN.
        positive = target > 0
        loss = target * ew.log(ew.where(positive, target, 1.0)) - target * x
    if reduction == "batchmean":
        return loss.sum() / x.shape[0] if x.ndim else loss.sum()
    return reduce_loss(loss, reduction, where)


def binary_cross_entropy(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """-w (t log x + (1 - t) log(1 - x)) for probabilities x in [0, 1], each log clamped at -100, as
    `torch.nn.functional.binary_cross_entropy`; `weight` broadcasts against the target.

    >>> binary_cross_entropy(lucid.tensor([0.9, 0.2]), lucid.tensor([1.0, 0.0]))
    tensor(0.1643)
    """
    where = "binary_cross_entropy"
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction, where), where)
    x = _input(input, where)
    target = _same_shape_target(x, target, where)
    if not x.is_meta and x.size and (x.data.min() < 0 or x.data.max() > 1):
        raise ValueError(
            f"{where}: every input must be a probability between 0 and 1, got values from {x.data.min():.6g} to "
            f"{x.data.max():.6g}; for logits use binary_cross_entropy_with_logits"
        )
    loss = binary_cross_entropy_terms(x, target)
    if weight is not None:
        weight = as_tensor(weight, like=x)
        _check_broadcasts(weight, loss.shape, "weight", where)
        loss = loss * weight
    return reduce_loss(loss, reduction, where)


def binary_cross_entropy_with_logits(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """Binary cross entropy of sigmoid(input) against `target`, computed from the logits without overflow, as
    `torch.nn.functional.binary_cross_entropy_with_logits`: (1 - t) x + (1 + (p - 1) t) softplus(-x), times
    `weight`; `pos_weight` (p, broadcast over the last axis) weighs the positive terms.

    >>> binary_cross_entropy_with_logits(lucid.tensor([2.0, -1.0]), lucid.tensor([1.0, 0.0]))
    tensor(0.2201)
    """
    where = "binary_cross_entropy_with_logits"
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction, where), where)
    x = _input(input, where)
    target = _same_shape_target(x, target, where)
    # softplus(-x) = log(1 + exp(-x)) = -log(sigmoid(x)), stable for either sign (no threshold: exact everywhere).
    negative_log_sigmoid = fused.softplus(-x, 1.0, float("inf"))
    if pos_weight is not None:
        pos_weight = as_tensor(pos_weight, like=x)
        _check_broadcasts(pos_weight, x.shape, "pos_weight", where)
        negative_log_sigmoid = negative_log_sigmoid * ((pos_weight - 1.0) * target + 1.0)
    loss = (1.0 - target) * x + negative_log_sigmoid
    if weight is not None:
        weight = as_tensor(weight, like=x)
        _check_broadcasts(weight, x.shape, "weight", where)
        loss = loss * weight
    return reduce_loss(loss, reduction, where)


def _check_broadcasts(t: Tensor, shape: tuple[int, ...], name: str, where: str) -> None:
    try:
        fits = np.broadcast_shapes(t.shape, shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"{where}: {name} of shape {t.shape} does not broadcast to the input's shape {shape}")


def _sign_target(target: object, like: Tensor) -> Tensor:
    target = as_tensor(target, like=like)
    return ew.cast(target, like.dtype) if target.dtype != like.dtype else target


def margin_ranking_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0.0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """max(0, -y (x1 - x2) + margin) for targets y of 1 (x1 should rank higher) or -1, as
    `torch.nn.functional.margin_ranking_loss`.

    >>> margin_ranking_loss(lucid.tensor([1.0, 1.0]), lucid.tensor([0.0, 0.0]), lucid.tensor([1, -1]))
    tensor(0.5)
    """
    where = "margin_ranking_loss"
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction, where), where)
    x1, x2 = _input(input1, where, "input1"), _input(input2, where, "input2")
    y = _sign_target(target, x1)
    if not x1.ndim == x2.ndim == y.ndim:
        raise ValueError(
            f"{where}: input1, input2 and target must have the same number of dimensions, got shapes {x1.shape}, "
            f"{x2.shape} and {y.shape}"
        )
    return reduce_loss(ew.relu(-y * (x1 - x2) + margin), reduction, where)


def cosine_embedding_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0.0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """1 - cos(x1, x2) for target 1, max(0, cos(x1, x2) - margin) for target -1, over the last axis of (N, D) or (D,)
    inputs, as `torch.nn.functional.cosine_embedding_loss`.

    >>> cosine_embedding_loss(lucid.tensor([[1.0, 0.0]]), lucid.tensor([[0.0, 1.0]]), lucid.tensor([1]))
    tensor(1.)
    """
    where = "cosine_embedding_loss"
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction, where), where)
    x1, x2 = _input(input1, where, "input1"), _input(input2, where, "input2")
    y = _sign_target(target, x1)
    if x1.shape != x2.shape or x1.ndim not in (1, 2) or y.shape != x1.shape[:-1]:
        raise ValueError(
            f"{where}: expected inputs of one shape (N, D) with a target (N,), or (D,) with a 0-d target; got "
            f"{x1.shape}, {x2.shape} and target {y.shape}"
        )
    # PyTorch's cosine: the 1e-12 keeps a zero vector from dividing by zero.
    dot = (x1 * x2).sum(axis=-1)
    norms = ew.sqrt(((x1 * x1).sum(axis=-1) + 1e-12) * ((x2 * x2).sum(axis=-1) + 1e-12))
    cos = dot / norms
    loss = ew.where(y == 1, 1.0 - cos, 0.0) + ew.where(y == -1, ew.relu(cos - margin), 0.0)
    return reduce_loss(loss, reduction, where)
