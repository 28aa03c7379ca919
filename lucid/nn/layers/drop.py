"""Regularization layers that are the identity in eval mode: Dropout (elementwise, per channel, alpha) and
DropPath."""

from __future__ import annotations

from lucid.nn.functional.drop import alpha_dropout, drop_path, dropout, dropout1d, dropout2d, dropout3d
from lucid.nn.module import Module
from lucid.tensor import Tensor


class _DropoutNd(Module):
    """`p` and `inplace` as PyTorch's dropout layers take them (`inplace` is accepted; results are new tensors)."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
            raise ValueError(f"{type(self).__name__}: p must be a probability between 0 and 1, got {p!r}")
        self.p, self.inplace = float(p), inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero elements with probability `p` while training (scaling the rest by 1/(1-p)), as `torch.nn.Dropout`.

    >>> nn.Dropout(0.1).eval()(lucid.ones(3)).tolist()
    [1.0, 1.0, 1.0]
    """

    def forward(self, x: Tensor) -> Tensor:
        return dropout(x, self.p, self.training)


class Dropout1d(_DropoutNd):
    """Zero whole channels of `(N, C, L)` or `(C, L)` input while training, as `torch.nn.Dropout1d`.

    >>> nn.Dropout1d(0.5)(lucid.ones(2, 4, 3)).shape
    (2, 4, 3)
    """

    def forward(self, x: Tensor) -> Tensor:
        return dropout1d(x, self.p, self.training)


class Dropout2d(_DropoutNd):
    """Zero whole channels of `(N, C, H, W)` input while training, as `torch.nn.Dropout2d`.

    >>> nn.Dropout2d(0.5)(lucid.ones(2, 4, 3, 3)).shape
    (2, 4, 3, 3)
    """

    def forward(self, x: Tensor) -> Tensor:
        return dropout2d(x, self.p, self.training)


class Dropout3d(_DropoutNd):
    """Zero whole channels of `(N, C, D, H, W)` or `(C, D, H, W)` input while training, as `torch.nn.Dropout3d`.

    >>> nn.Dropout3d(0.5)(lucid.ones(1, 4, 2, 3, 3)).shape
    (1, 4, 2, 3, 3)
    """

    def forward(self, x: Tensor) -> Tensor:
        return dropout3d(x, self.p, self.training)


class AlphaDropout(_DropoutNd):
    """Dropout that keeps zero mean and unit variance (for SELU networks), as `torch.nn.AlphaDropout`.

    >>> nn.AlphaDropout(0.2).eval()(lucid.ones(3)).tolist()
    [1.0, 1.0, 1.0]
    """

    def forward(self, x: Tensor) -> Tensor:
        return alpha_dropout(x, self.p, self.training)


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
