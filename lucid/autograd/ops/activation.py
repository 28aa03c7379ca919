"""Fused activations: one op where the composition would make many full passes over a large array, or would be
wrong at a point the composition cannot see (a clamp's bounds, log(1 + e^x) near 0).

GELU is in every EfficientFormer MLP on the model's largest activations. Composed from primitives
(scale, erf, add, two multiplies) it costs five forward and about ten backward passes, each
allocating an array of the activation's size; fused, the forward is one blocked kernel that returns x * Phi(x)
and Phi(x) (lucid/_kernels/gelu.py) and the backward seven in-place passes over each block. bench/infer_l1.py and
bench/train_l1.py show the gain; the composition is kept as the reference in tests/autograd/test_grad_activation.py.

Hardtanh (relu6 too), Hardsigmoid, Hardswish, LeakyRelu, Softplus (mish and the logits loss use it), Elu (selu
and celu are its options), and LogSoftmax replace compositions that cost more than twice
PyTorch's time on small inputs, or were wrong at a kink; bench/layers.py has the figures.
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


# Backward passes multiply by boolean masks rather than selecting with np.where: on a mask that is not predictable
# (the sign of activations), np.where took 1.07 ms for 262k float32 values against 0.07 ms for the product.


class Hardtanh(_Elementwise):
    """x clamped to [min_val, max_val]; the gradient passes strictly inside the bounds only, as PyTorch's hardtanh
    (and clamp) give it: lucid's Clip passes it at the bounds too, at relu6's 0 say, which a ReLU before it makes
    common."""

    def forward(self, a: np.ndarray, min_val: float, max_val: float) -> np.ndarray:
        self.a, self.min_val, self.max_val = a, min_val, max_val
        return np.clip(a, min_val, max_val)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        inside = self.a > self.min_val
        inside &= self.a < self.max_val
        return (grad * inside,)


class Hardsigmoid(_Elementwise):
    """min(max(x + 3, 0), 6) / 6, PyTorch's formula; the slope 1/6 strictly between -3 and 3, else 0."""

    def forward(self, a: np.ndarray) -> np.ndarray:
        self.a = a
        out = np.clip(a + 3, 0, 6)
        return np.true_divide(out, 6, out=out) if out.dtype.kind == "f" else out / 6

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        inside = self.a > -3
        inside &= self.a < 3
        out = grad * inside
        out *= 1.0 / 6.0
        return (out,)


class Hardswish(_Elementwise):
    """x * min(max(x + 3, 0), 6) / 6 (MobileNetV3); the slope x / 3 + 1/2 strictly between -3 and 3, 0 at or below
    -3 and 1 at or above 3, as PyTorch's hardswish_backward gives it."""

    def forward(self, a: np.ndarray) -> np.ndarray:
        self.a = a
        gate = np.clip(a + 3, 0, 6)
        gate *= a
        return np.true_divide(gate, 6, out=gate) if gate.dtype.kind == "f" else gate / 6

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        a = self.a
        inside = a > -3
        inside &= a < 3
        slope = a * (1.0 / 3.0)
        slope += 0.5
        slope *= inside
        slope += a >= 3
        slope *= grad
        return (slope,)


class LeakyRelu(_Elementwise):
    """x for x > 0, else negative_slope * x; the slope at 0 is negative_slope, as in PyTorch."""

    def forward(self, a: np.ndarray, negative_slope: float) -> np.ndarray:
        self.a, self.negative_slope = a, negative_slope
        zero = np.zeros((), dtype=a.dtype)
        out = np.minimum(a, zero)
        out *= negative_slope
        out += np.maximum(a, zero)
        return out

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        slope = np.multiply(self.a > 0, 1.0 - self.negative_slope, dtype=grad.dtype)
        slope += self.negative_slope
        slope *= grad
        return (slope,)


class Softplus(_Elementwise):
    """log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold, as PyTorch's softplus.

    Evaluated as max(z, 0) + log1p(exp(-|z|)) for z = beta * x: no overflow, and e^z kept when it is tiny (a
    composition of exp, add and log returns 0 there; NumPy's logaddexp does the same but took ten times as long).
    The slope is sigmoid(z), read back from the output as exp(z - beta * out), which is never above 1.
    """

    saves_output = True

    def forward(self, a: np.ndarray, beta: float, threshold: float) -> np.ndarray:
        z = a * beta if beta != 1 else a
        out = np.abs(z)
        np.negative(out, out=out)
        np.exp(out, out=out)
        np.log1p(out, out=out)
        out += np.maximum(z, np.zeros((), dtype=z.dtype))
        if beta != 1:
            out /= beta
        linear = z > threshold
        if linear.any():
            np.copyto(out, a, where=linear)
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

    def forward(self, a: np.ndarray, alpha: float, scale: float, input_scale: float) -> np.ndarray:
        zero = np.zeros((), dtype=a.dtype)
        # The negative branch is 0 wherever x > 0 (expm1(0) = 0), so the two branches add without a select.
        negative = np.minimum(a, zero)
        if input_scale != 1:
            negative *= input_scale
        np.expm1(negative, out=negative)
        negative *= alpha * scale
        positive = np.maximum(a, zero)
        if scale != 1:
            positive *= scale
        positive += negative
        self.a, self.negative = a, negative
        self.alpha, self.scale, self.input_scale = alpha, scale, input_scale
        return positive

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        # For x <= 0 the slope, scale * alpha * input_scale * exp(input_scale * x), is
        # (negative branch + scale * alpha) * input_scale; for x > 0 it is scale.
        slope = self.negative + self.scale * self.alpha
        if self.input_scale != 1:
            slope *= self.input_scale
        slope += (self.a > 0) * (self.scale - slope)
        slope *= grad
        return (slope,)


class LogSoftmax(_Elementwise):
    """x - log(sum(exp(x))) along `axis`, shifted by the maximum so that exp cannot overflow; the gradient is
    g - softmax(x) * sum(g), softmax read back from the output. As a composition (a detached max, subtract, exp,
    sum, log, subtract) it cost 2.5x PyTorch's time on small inputs, and cross entropy starts with it."""

    saves_output = True

    def forward(self, a: np.ndarray, axis: int) -> np.ndarray:
        self.axis = axis
        if a.shape[axis] == 0:
            self.out = a.astype(np.result_type(a, np.float32))
            return self.out
        out = a - a.max(axis=axis, keepdims=True)
        total = np.exp(out).sum(axis=axis, keepdims=True)
        out -= np.log(total)
        self.out = out
        return out

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        softmax = np.exp(self.out)
        softmax *= grad.sum(axis=self.axis, keepdims=True)
        return (grad - softmax,)


def hardtanh(x: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """`x` clamped to [min_val, max_val] as one op. `hardtanh(lucid.tensor([-2.0, 0.5]))` gives `[-1., 0.5]`."""
    return Hardtanh.apply(x, min_val=min_val, max_val=max_val)


def hardsigmoid(x: Tensor) -> Tensor:
    """PyTorch's hardsigmoid as one op. `hardsigmoid(lucid.tensor([0.0]))` gives `[0.5]`."""
    return Hardsigmoid.apply(x)


def hardswish(x: Tensor) -> Tensor:
    """PyTorch's hardswish as one op. `hardswish(lucid.tensor([1.5]))` gives `[1.125]`."""
    return Hardswish.apply(x)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """Leaky ReLU as one op. `leaky_relu(lucid.tensor([-2.0]), 0.1)` gives `[-0.2]`."""
    return LeakyRelu.apply(x, negative_slope=negative_slope)


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta * x)) / beta as one op. `softplus(lucid.tensor([0.0]))` gives `[0.6931]`."""
    return Softplus.apply(x, beta=beta, threshold=threshold)


def elu(x: Tensor, alpha: float = 1.0, scale: float = 1.0, input_scale: float = 1.0) -> Tensor:
    """The ELU family as one op. `elu(lucid.tensor([-1.0, 2.0]))` gives `[-0.6321, 2.]`."""
    return Elu.apply(x, alpha=alpha, scale=scale, input_scale=input_scale)


def log_softmax(x: Tensor, axis: int) -> Tensor:
    """log(softmax(x)) along a non-negative `axis` as one op."""
    return LogSoftmax.apply(x, axis=axis)
