"""Elementwise loss terms that a composition of primitives gets wrong at the edges.

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


def binary_cross_entropy_terms(x: Tensor, t: Tensor) -> Tensor:
    """The elementwise terms of binary cross entropy as one op (see the module docstring)."""
    return BinaryCrossEntropy.apply(x, t)
