"""Regularization layers that are the identity in eval mode: Dropout and DropPath."""

from __future__ import annotations

from lucid.nn.functional.drop import drop_path, dropout
from lucid.nn.module import Module
from lucid.tensor import Tensor


class Dropout(Module):
    """Zero elements with probability `p` while training (scaling the rest by 1/(1-p)), as `torch.nn.Dropout`.

    >>> nn.Dropout(0.1).eval()(lucid.ones(3)).tolist()
    [1.0, 1.0, 1.0]
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be a probability between 0 and 1, got {p!r}")
        self.p, self.inplace = float(p), inplace

    def forward(self, x: Tensor) -> Tensor:
        return dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class DropPath(Module):
    """Stochastic depth (as timm's `DropPath`): drop each sample's residual branch with `drop_prob`.

    >>> nn.DropPath(0.1).eval()(lucid.ones(2, 3)).shape
    (2, 3)
    """

    def __init__(self, drop_prob: float = 0.0, scale_by_keep: bool = True) -> None:
        super().__init__()
        if isinstance(drop_prob, bool) or not isinstance(drop_prob, (int, float)) or not 0.0 <= drop_prob <= 1.0:
            raise ValueError(f"DropPath: drop_prob must be a probability between 0 and 1, got {drop_prob!r}")
        self.drop_prob, self.scale_by_keep = float(drop_prob), scale_by_keep

    def forward(self, x: Tensor) -> Tensor:
        return drop_path(x, self.drop_prob, self.training, self.scale_by_keep)

    def extra_repr(self) -> str:
        return f"drop_prob={round(self.drop_prob, 3):0.3f}"
