"""Loss layers: CrossEntropyLoss and MSELoss."""

from __future__ import annotations

from lucid.nn.functional.loss import cross_entropy, mse_loss
from lucid.nn.module import Module
from lucid.tensor import Tensor

_REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(layer: str, reduction: str) -> str:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{layer}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    return reduction


class CrossEntropyLoss(Module):
    """Cross entropy of logits against class indices or class probabilities, as `torch.nn.CrossEntropyLoss`
    (without class weights or ignore_index).

    >>> nn.CrossEntropyLoss(label_smoothing=0.1)(lucid.randn(4, 10), lucid.tensor([1, 0, 9, 3]))
    tensor(2.5225)
    """

    def __init__(self, *, reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__()
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"CrossEntropyLoss: label_smoothing must be between 0 and 1, got {label_smoothing!r}")
        self.reduction = _check_reduction("CrossEntropyLoss", reduction)
        self.label_smoothing = label_smoothing

    def forward(self, x: Tensor, target: Tensor) -> Tensor:
        return cross_entropy(x, target, reduction=self.reduction, label_smoothing=self.label_smoothing)


class MSELoss(Module):
    """Mean squared error, as `torch.nn.MSELoss`.

    >>> nn.MSELoss()(lucid.tensor([1.0, 2.0]), lucid.tensor([1.0, 4.0]))
    tensor(2.)
    """

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = _check_reduction("MSELoss", reduction)

    def forward(self, x: Tensor, target: Tensor) -> Tensor:
        return mse_loss(x, target, reduction=self.reduction)
