"""Loss layers, as PyTorch's: the same constructor arguments (the deprecated `size_average` and `reduce` included,
in their positions), the class weights and `pos_weight` registered as buffers (so they are in the state_dict under
the same names), and the functional forms of lucid.nn.functional doing the work.
"""

from __future__ import annotations

from typing import Any

from lucid.nn.functional import classification as ce
from lucid.nn.functional import loss as F  # noqa: N812 - the conventional spelling
from lucid.nn.module import Module
from lucid.tensor import Tensor, as_tensor


class _Loss(Module):
    """`reduction` resolved from the legacy pair, and checked, at construction."""

    reductions: tuple[str, ...] = F.REDUCTIONS

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__()
        name = type(self).__name__
        self.reduction = F.check_reduction(
            F.legacy_reduction(size_average, reduce, reduction, name), name, self.reductions
        )


class _WeightedLoss(_Loss):
    """A loss with per-class (or per-element) weights, kept in the buffer `weight` (None when not given)."""

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", _optional_tensor(weight, type(self).__name__, "weight"))


def _optional_tensor(value: Any, layer: str, name: str) -> Tensor | None:
    if value is None or isinstance(value, Tensor):
        return value
    try:
        return as_tensor(value)
    except TypeError:
        raise TypeError(f"{layer}: {name} must be a Tensor (or None), got {type(value).__name__}") from None


class L1Loss(_Loss):
    """Mean absolute error, as `torch.nn.L1Loss`.

    >>> nn.L1Loss()(lucid.tensor([1.0, 2.0]), lucid.tensor([0.0, 4.0]))
    tensor(1.5)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002 - PyTorch's argument name
        return F.l1_loss(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error, as `torch.nn.MSELoss`.

    >>> nn.MSELoss()(lucid.tensor([1.0, 2.0]), lucid.tensor([1.0, 4.0]))
    tensor(2.)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.mse_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """Quadratic below `beta`, linear above, as `torch.nn.SmoothL1Loss`.

    >>> nn.SmoothL1Loss(beta=0.5)(lucid.tensor([0.25, 2.0]), lucid.tensor([0.0, 0.0]))
    tensor(0.9062)
    """

    def __init__(
        self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean", beta: float = 1.0
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        if beta < 0:
            raise ValueError(f"SmoothL1Loss: beta must be non-negative, got {beta!r}")
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Quadratic below `delta`, delta-scaled linear above, as `torch.nn.HuberLoss`.

    >>> nn.HuberLoss(delta=2.0)(lucid.tensor([0.5, 3.0]), lucid.tensor([0.0, 0.0]))
    tensor(2.0625)
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        if delta <= 0:
            raise ValueError(f"HuberLoss: delta must be positive, got {delta!r}")
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class KLDivLoss(_Loss):
    """KL divergence of log-probability inputs from the targets, as `torch.nn.KLDivLoss` (reduction may also be
    "batchmean"; "mean", the default, warns as PyTorch does).

    >>> nn.KLDivLoss(reduction="batchmean")(lucid.log(lucid.tensor([[0.5, 0.5]])), lucid.tensor([[0.25, 0.75]]))
    tensor(0.1308)
    """

    reductions = (*F.REDUCTIONS, "batchmean")

    def __init__(
        self,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        log_target: bool = False,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class BCELoss(_WeightedLoss):
    """Binary cross entropy of probabilities, as `torch.nn.BCELoss`.

    >>> nn.BCELoss()(lucid.tensor([0.9, 0.2]), lucid.tensor([1.0, 0.0]))
    tensor(0.1643)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross entropy of sigmoid(logits), computed stably from the logits, as `torch.nn.BCEWithLogitsLoss`;
    `weight` and `pos_weight` are buffers.

    >>> nn.BCEWithLogitsLoss(pos_weight=lucid.tensor([2.0]))(lucid.tensor([[0.0]]), lucid.tensor([[1.0]]))
    tensor(1.3863)
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        pos_weight: Tensor | None = None,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", _optional_tensor(weight, "BCEWithLogitsLoss", "weight"))
        self.register_buffer("pos_weight", _optional_tensor(pos_weight, "BCEWithLogitsLoss", "pos_weight"))

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.binary_cross_entropy_with_logits(
            input, target, self.weight, pos_weight=self.pos_weight, reduction=self.reduction
        )


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of class indices given log-probabilities, as `torch.nn.NLLLoss`.

    >>> nn.NLLLoss()(lucid.log(lucid.tensor([[0.5, 0.5]])), lucid.tensor([1]))
    tensor(0.6931)
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        ignore_index: int = -100,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return ce.nll_loss(input, target, self.weight, ignore_index=self.ignore_index, reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """Cross entropy of logits against class indices or class probabilities, as `torch.nn.CrossEntropyLoss`: class
    weights, ignore_index, label smoothing and (N, C, d1, ...) inputs.

    >>> nn.CrossEntropyLoss(label_smoothing=0.1)(lucid.zeros(2, 4), lucid.tensor([1, 3]))
    tensor(1.3863)
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        ignore_index: int = -100,
        reduce: bool | None = None,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"CrossEntropyLoss: label_smoothing must be between 0 and 1, got {label_smoothing!r}")
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return ce.cross_entropy(
            input,
            target,
            self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )


class MarginRankingLoss(_Loss):
    """max(0, -y (x1 - x2) + margin), as `torch.nn.MarginRankingLoss`.

    >>> nn.MarginRankingLoss()(lucid.tensor([1.0, 1.0]), lucid.tensor([0.0, 0.0]), lucid.tensor([1, -1]))
    tensor(0.5)
    """

    def __init__(
        self, margin: float = 0.0, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean"
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        return F.margin_ranking_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class CosineEmbeddingLoss(_Loss):
    """1 - cos(x1, x2) for target 1, max(0, cos(x1, x2) - margin) for target -1, as `torch.nn.CosineEmbeddingLoss`.

    >>> nn.CosineEmbeddingLoss()(lucid.tensor([[1.0, 0.0]]), lucid.tensor([[1.0, 0.0]]), lucid.tensor([-1]))
    tensor(1.)
    """

    def __init__(
        self, margin: float = 0.0, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean"
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        return F.cosine_embedding_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)
