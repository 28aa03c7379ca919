"""Fused activations: one op where the composition would make many full passes over a large array, or would be
wrong at a point the composition cannot see (a clamp's bounds, log(1 + e^x) near 0).

GELU is in every EfficientFormer MLP on the model's largest activations. Composed from primitives
(scale, erf, add, two multiplies) it costs five forward and about ten backward passes, each
allocating an array of the activation's size; fused, the forward is one blocked kernel that returns x * Phi(x)
and Phi(x) (lucid/_kernels/gelu.py) and the backward seven in-place passes over each block. bench/infer_l1.py and
bench/train_l1.py show the gain; the composition is kept as the reference in tests/autograd/test_grad_activation.py.

Hardtanh, Softplus and Elu each stand for a family of PyTorch activations (relu6, hardsigmoid and hardswish are
built on Hardtanh; mish and the logits losses on Softplus; selu and celu are Elu's options). bench/layers.py
has the figures that decided each one.
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


class Hardtanh(_Elementwise):
    """x clamped to [min_val, max_val]; the gradient passes strictly inside the bounds only, as PyTorch's hardtanh
    (and clamp) give it: a clip with inclusive bounds would pass it at relu6's 0, which a ReLU before it makes
    common."""

    def forward(self, a: np.ndarray, min_val: float, max_val: float) -> np.ndarray:
        self.a, self.min_val, self.max_val = a, min_val, max_val
        return np.clip(a, min_val, max_val)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        inside = self.a > self.min_val
        inside &= self.a < self.max_val
        return (np.where(inside, grad, np.zeros((), dtype=grad.dtype)),)


class Softplus(_Elementwise):
    """log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold, as PyTorch's softplus.

    NumPy's logaddexp(0, z) evaluates log(1 + e^z) without overflow and without losing e^z when it is tiny (a
    composition of exp, add and log returns 0 there). The slope is sigmoid(z), read back from the output as
    exp(z - beta * out), which is never above 1, so nothing overflows either way.
    """

    saves_output = True

    def forward(self, a: np.ndarray, beta: float, threshold: float) -> np.ndarray:
        z = a * beta if beta != 1 else a
        out = np.logaddexp(np.zeros((), dtype=z.dtype), z)
        if beta != 1:
            out /= beta
        linear = z > threshold
        if linear.any():
            out = np.where(linear, a, out)
        self.z, self.beta, self.out = z, beta, out
        return out

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        # Where the output was replaced by x, z - beta * x is 0: the slope is exactly 1 there.
        slope = self.out * self.beta if self.beta != 1 else self.out.copy()
        np.subtract(self.z, slope, out=slope)
        np.exp(slope, out=slope)
        slope *= grad
        return (slope,)


class Elu(_Elementwise):
    """scale * x for x > 0, else scale * alpha * (exp(input_scale * x) - 1), as PyTorch's elu kernel; SELU and CELU
    are the same op with other constants. expm1 keeps the small negative values exact (exp(x) - 1 cancels)."""

    saves_output = True

    def forward(self, a: np.ndarray, alpha: float, scale: float, input_scale: float) -> np.ndarray:
        negative = np.minimum(a, np.zeros((), dtype=a.dtype))
        if input_scale != 1:
            negative *= input_scale
        np.expm1(negative, out=negative)
        negative *= alpha * scale
        self.positive = a > 0
        self.out = np.where(self.positive, a * scale if scale != 1 else a, negative)
        self.alpha, self.scale, self.input_scale = alpha, scale, input_scale
        return self.out

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        # For x <= 0 the slope, scale * alpha * input_scale * exp(input_scale * x), is
        # (out + scale * alpha) * input_scale.
        slope = self.out + self.scale * self.alpha
        if self.input_scale != 1:
            slope *= self.input_scale
        np.copyto(slope, self.scale, where=self.positive)
        slope *= grad
        return (slope,)


def hardtanh(x: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """`x` clamped to [min_val, max_val] as one op. `hardtanh(lucid.tensor([-2.0, 0.5]))` gives `[-1., 0.5]`."""
    return Hardtanh.apply(x, min_val=min_val, max_val=max_val)


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta * x)) / beta as one op. `softplus(lucid.tensor([0.0]))` gives `[0.6931]`."""
    return Softplus.apply(x, beta=beta, threshold=threshold)


def elu(x: Tensor, alpha: float = 1.0, scale: float = 1.0, input_scale: float = 1.0) -> Tensor:
    """The ELU family as one op. `elu(lucid.tensor([-1.0, 2.0]))` gives `[-0.6321, 2.]`."""
    return Elu.apply(x, alpha=alpha, scale=scale, input_scale=input_scale)
