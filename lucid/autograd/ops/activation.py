"""Fused activations: one op where the composition would make many full passes over a large array.

GELU is in every EfficientFormer MLP on the model's largest activations. Composed from primitives
(scale, erf, add, two multiplies) it costs five forward and about ten backward passes, each
allocating an array of the activation's size; fused, the forward is one blocked kernel that returns x * Phi(x)
and Phi(x) (lucid/_kernels/gelu.py) and the backward seven in-place passes over each block. bench/infer_l1.py and
bench/train_l1.py show the gain; the composition is kept as the reference in tests/autograd/test_grad_activation.py.
"""

from __future__ import annotations

import math

import numpy as np

from lucid._kernels.gelu import gelu_forward
from lucid._kernels.threads import for_each_block
from lucid.autograd.ops.elementwise import _Elementwise
from lucid.tensor import Tensor

_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


class Gelu(_Elementwise):
    """x * Phi(x), Phi the standard normal CDF: 0.5 * (1 + erf(x / sqrt(2)))."""

    def forward(self, a: np.ndarray) -> np.ndarray:
        out, cdf = gelu_forward(a)
        self.a, self.cdf = a, cdf  # backward needs Phi(x); keeping it saves a second evaluation
        return out

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        # d/dx x Phi(x) = Phi(x) + x phi(x), phi(x) = exp(-x^2 / 2) / sqrt(2 pi): seven passes, each over a
        # block rather than the whole activation, and the blocks shared among lucid's threads.
        a, cdf = self.a.reshape(-1), self.cdf.reshape(-1)
        g = np.ascontiguousarray(np.broadcast_to(grad, self.a.shape)).reshape(-1)
        out = np.empty(a.shape, dtype=np.result_type(a, g))
        scale = np.asarray(_INV_SQRT_2PI, dtype=out.dtype)

        def run(start: int, stop: int) -> None:
            x, local = a[start:stop], out[start:stop]
            np.multiply(x, x, out=local)
            local *= -0.5
            np.exp(local, out=local)
            local *= x
            local *= scale
            local += cdf[start:stop]
            local *= g[start:stop]

        for_each_block(run, a.size)
        return (out.reshape(self.a.shape),)


def gelu(x: Tensor) -> Tensor:
    """Exact GELU as one op. `gelu(lucid.tensor([1.0]))` gives `[0.8413]`."""
    return Gelu.apply(x)
