"""Elementwise loss terms as single ops: where a composition of primitives is wrong at the edges (binary cross
entropy) or slow (smooth L1 and Huber, see SmoothL1).

Binary cross entropy on probabilities: composed as -(t * log(x) + (1 - t) * log(1 - x)) with the logs clamped at
-100, as PyTorch clamps them, its gradient is NaN wherever x is exactly 0 or 1 (the clamp passes no gradient, and
log's backward then divides 0 by 0). Float32 sigmoids give exactly 1 for logits above about 17, so a saturated
classifier would stop training on NaN. PyTorch differentiates the loss itself: (x - t) / max(x (1 - x), 1e-12),
finite everywhere; so does this op.
"""

from __future__ import annotations

import numpy as np

from lucid.autograd.ops.elementwise import _Elementwise
from lucid.tensor import Tensor

_LOG_FLOOR = -100.0  # PyTorch's clamp of log(x) and log(1 - x)
_EPSILON = 1e-12  # PyTorch's floor of x (1 - x) in the gradient


class BinaryCrossEntropy(_Elementwise):
    """-(t * log(x) + (1 - t) * log(1 - x)) elementwise, each log clamped at -100, for probabilities `x` and
    targets `t` (broadcast together).

    >>> BinaryCrossEntropy.apply(lucid.tensor([0.5, 1.0]), lucid.tensor([1.0, 0.0]))
    tensor([  0.6931, 100.    ])
    """

    op_name = "binary_cross_entropy"

    def forward(self, x: np.ndarray, t: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):  # log(0) is -inf before the clamp, as intended
            log_x = np.maximum(np.log(x), _LOG_FLOOR)
            log_rest = np.maximum(np.log1p(-x), _LOG_FLOOR)
        self.x, self.t = x, t
        out = log_x - log_rest
        out *= t
        out += log_rest
        np.negative(out, out=out)
        return out.astype(np.result_type(x, t), copy=False)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        x, t = self.x, self.t
        grad_x = grad_t = None
        if self.parents[0].requires_grad:
            floor = np.asarray(_EPSILON, dtype=x.dtype)
            grad_x = grad * (x - t) / np.maximum(x * (1 - x), floor)
        if self.parents[1].requires_grad:
            # PyTorch differentiates the target through the unclamped logs: +-inf at x = 0 or 1, kept as it is.
            with np.errstate(divide="ignore", invalid="ignore"):
                grad_t = grad * (np.log1p(-x) - np.log(x))
        return grad_x, grad_t


class SmoothL1(_Elementwise):
    """The elementwise smooth L1 (or, with `huber`, Huber) loss of input `x` and target `t`, broadcast together.

    With c = min(|d|, beta) for d = x - t, smooth L1 is c (|d| - c / 2) / beta: 0.5 d^2 / beta below beta and
    |d| - beta / 2 above, with no select; Huber with delta = beta is the same without the division. The slope is
    clip(d, -beta, beta) (/ beta). Composed (subtract, abs, compare, square, where, ...) it cost 3x PyTorch's time.
    """

    op_name = "smooth_l1_loss"

    def forward(self, x: np.ndarray, t: np.ndarray, beta: float, huber: bool) -> np.ndarray:
        d = x - t
        size = np.abs(d)
        c = np.minimum(size, beta)
        size -= 0.5 * c
        size *= c
        if not huber:
            size /= beta
        self.d, self.beta, self.huber = d, beta, huber
        return size

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        slope = np.clip(self.d, -self.beta, self.beta)
        if not self.huber:
            slope /= self.beta
        slope *= grad
        return (slope if self.parents[0].requires_grad else None), (-slope if self.parents[1].requires_grad else None)


def binary_cross_entropy_terms(x: Tensor, t: Tensor) -> Tensor:
    """The elementwise terms of binary cross entropy as one op (see the module docstring)."""
    return BinaryCrossEntropy.apply(x, t)


def smooth_l1(x: Tensor, t: Tensor, beta: float, huber: bool = False) -> Tensor:
    """Elementwise smooth L1 (or Huber, delta = beta) of `x` and `t` as one op; beta must be positive."""
    return SmoothL1.apply(x, t, beta=beta, huber=huber)
