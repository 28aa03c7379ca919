"""Activation layers: thin modules over lucid.nn.functional's activations."""

from __future__ import annotations

import warnings

from lucid.nn.functional import activation as F  # noqa: N812 - the conventional spelling
from lucid.nn.module import Module
from lucid.tensor import Tensor


class ReLU(Module):
    """max(x, 0), as `torch.nn.ReLU`. `inplace` is accepted for compatibility; the result is always new.

    >>> nn.ReLU()(lucid.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class GELU(Module):
    """Gaussian error linear unit, exact (`approximate="none"`) or tanh-approximated, as `torch.nn.GELU`.

    >>> nn.GELU()(lucid.tensor([1.0]))
    tensor([0.8413])
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return F.gelu(x, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """x * sigmoid(x), as `torch.nn.SiLU`.

    >>> nn.SiLU()(lucid.tensor([1.0]))
    tensor([0.7311])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        return F.silu(x)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Sigmoid(Module):
    """1 / (1 + exp(-x)), as `torch.nn.Sigmoid`.

    >>> nn.Sigmoid()(lucid.tensor([0.0]))
    tensor([0.5])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.sigmoid(x)


class Tanh(Module):
    """Hyperbolic tangent, as `torch.nn.Tanh`.

    >>> nn.Tanh()(lucid.tensor([0.0]))
    tensor([0.])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.tanh(x)


class Softmax(Module):
    """Softmax along `dim`, as `torch.nn.Softmax`.

    >>> nn.Softmax(dim=-1)(lucid.tensor([[1.0, 1.0]]))
    tensor([[0.5, 0.5]])
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        dim = self.dim
        if dim is None:
            # PyTorch's legacy implicit choice, with its warning: axis 0 for 0-, 1- and 3-D input, else 1.
            warnings.warn("Softmax: implicit dimension choice is deprecated; pass dim=", stacklevel=2)
            dim = 0 if x.ndim in (0, 1, 3) else 1
        return F.softmax(x, axis=dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
