"""Fused activations: one op where the composition would make many full passes over a large array.

GELU is in every EfficientFormer MLP on the model's largest activations. Composed from primitives
(scale, erf, add, two multiplies) it costs five forward and about ten backward passes, each
allocating an array of the activation's size; fused it is erf plus three in-place passes forward
and four backward. bench/infer_l1.py and bench/train_l1.py show the gain; the composition is kept
as the reference in tests/autograd/test_grad_activation.py.
"""

from __future__ import annotations

import math

import numpy as np

from lucid._kernels.special import erf as _erf_array
from lucid.autograd.ops.elementwise import _Elementwise
from lucid.tensor import Tensor

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


class Gelu(_Elementwise):
    """x * Phi(x), Phi the standard normal CDF: 0.5 * (1 + erf(x / sqrt(2)))."""

    def forward(self, a: np.ndarray) -> np.ndarray:
        cdf = _erf_array(a * np.asarray(_SQRT_HALF, dtype=a.dtype))
        cdf += 1
        cdf *= 0.5
        self.a, self.cdf = a, cdf  # backward needs Phi(x); keeping it saves a second erf
        return a * cdf

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        # d/dx x Phi(x) = Phi(x) + x phi(x), phi(x) = exp(-x^2 / 2) / sqrt(2 pi).
        a = self.a
        local = a * a
        local *= -0.5
        np.exp(local, out=local)
        local *= a
        local *= np.asarray(_INV_SQRT_2PI, dtype=local.dtype)
        local += self.cdf
        local *= grad
        return (local,)


def gelu(x: Tensor) -> Tensor:
    """Exact GELU as one op. `gelu(lucid.tensor([1.0]))` gives `[0.8413]`."""
    return Gelu.apply(x)
