"""Activations, composed from elementwise primitives (no backward of their own)."""

from __future__ import annotations

import math

from lucid._dims import dim_aliases
from lucid.autograd.ops import activation as fused
from lucid.autograd.ops import elementwise as ew
from lucid.autograd.ops.reduce import normalize_axes
from lucid.tensor import Tensor

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def relu(x: Tensor) -> Tensor:
    """max(x, 0). `relu(lucid.tensor([-1.0, 2.0]))` gives `[0., 2.]`."""
    return ew.relu(x)


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit: x * Phi(x), exactly (`"none"`) or with the tanh formula (`"tanh"`).

    >>> gelu(lucid.tensor([1.0]))
    tensor([0.8413])
    """
    if approximate == "none":
        # One fused op (lucid/autograd/ops/activation.py): the composition x * 0.5 * (1 + erf(x / sqrt 2))
        # made ~15 full passes over the model's largest activations in a training step.
        return fused.gelu(x)
    if approximate == "tanh":
        inner = (x + 0.044715 * (x * x * x)) * _SQRT_2_OVER_PI
        return x * 0.5 * (1.0 + ew.tanh(inner))
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def silu(x: Tensor) -> Tensor:
    """x * sigmoid(x) (also called swish). `silu(lucid.tensor([1.0]))` gives `[0.7311]`."""
    return x * ew.sigmoid(x)


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + exp(-x)). `sigmoid(lucid.tensor([0.0]))` gives `[0.5]`."""
    return ew.sigmoid(x)


def tanh(x: Tensor) -> Tensor:
    """Hyperbolic tangent. `tanh(lucid.tensor([0.0]))` gives `[0.]`."""
    return ew.tanh(x)


def _shifted(x: Tensor, axis: int) -> tuple[Tensor, int]:
    (ax,) = normalize_axes(axis, x.ndim, x.shape)
    # Subtracting the max keeps exp() from overflowing; it is a constant shift, so it is
    # detached (softmax is invariant to it and its gradient would cancel anyway).
    return x - x.detach().max(axis=ax, keepdims=True), ax


@dim_aliases
def softmax(x: Tensor, axis: int = -1) -> Tensor:
    """exp(x) / sum(exp(x)) along `axis` (PyTorch's `dim=` too).

    >>> softmax(lucid.tensor([1.0, 1.0]))
    tensor([0.5, 0.5])
    """
    shifted, ax = _shifted(x, axis)
    e = ew.exp(shifted)
    return e / e.sum(axis=ax, keepdims=True)


@dim_aliases
def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    """log(softmax(x)) along `axis`, computed without forming softmax (stable for large |x|).

    >>> log_softmax(lucid.tensor([0.0, 0.0]))
    tensor([-0.6931, -0.6931])
    """
    shifted, ax = _shifted(x, axis)
    return shifted - ew.log(ew.exp(shifted).sum(axis=ax, keepdims=True))
