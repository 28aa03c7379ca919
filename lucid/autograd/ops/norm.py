"""Batch normalization as one op: in training, batch statistics, normalize and affine in a few passes; in eval,
one per-channel scale and shift (BatchNormEval).

Composed from primitives (mean, subtract, square, mean, add, sqrt, divide, multiply, add) batch
normalization makes about nine full-size forward passes, each allocating an array of the input's
size, and a backward of as many again plus the engine's reductions of every per-channel operand.
It sits after most convolutions of EfficientFormer, on the model's largest activations, so the
training step spent about a quarter of its time there. Fused, the forward is five full-size passes
(sum, subtract, sum of squares, scale, shift) and the backward six (two sums, four for dx), the sums
being BLAS calls. bench/train_l1.py shows the gain; the composition is kept as the reference in
tests/autograd/test_grad_norm.py.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lucid._kernels.channel_affine import channel_affine
from lucid.autograd.function import Function
from lucid.shape_only import MetaArray


def _channel_sums(a: np.ndarray) -> np.ndarray:
    """Sum of `a (N, C, L)` over N and L, as float64 `(C,)`."""
    # A matrix-vector product with ones is one BLAS call over the whole array (several times faster
    # than NumPy's strided reduction, and BLAS's blocked accumulation keeps float32 error near one
    # ulp); the N per-sample partial sums are then added in float64.
    return np.matmul(a, np.ones(a.shape[2], dtype=a.dtype)).sum(axis=0, dtype=np.float64)


def _channel_dots(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Sum of `a * b` over N and L for `(N, C, L)` arrays, as float64 `(C,)`, without the product array."""
    # One BLAS dot per (sample, channel) row, batched by matmul over (N, C, 1, L) @ (N, C, L, 1).
    rows = np.matmul(a[:, :, None, :], b[:, :, :, None]).reshape(a.shape[:2])
    return rows.sum(axis=0, dtype=np.float64)


class BatchNorm(Function):
    """Normalize `x (N, C, ...)` per channel by its batch mean and biased variance, then `* weight + bias`.

    Inputs are `x` alone, or `x, weight (C,), bias (C,)`. When `stats_out` is a list, the forward
    appends the batch mean and biased variance (float64 `(C,)` arrays) to it.

    >>> stats = []
    >>> y = BatchNorm.apply(lucid.tensor([[1.0, 10.0], [3.0, 30.0]]), eps=0.0, stats_out=stats)
    >>> y.numpy().tolist(), [s.tolist() for s in stats]
    ([[-1.0, -1.0], [1.0, 1.0]], [[2.0, 20.0], [1.0, 100.0]])
    """

    op_name = "batch_norm"

    # Backward reads only arrays the forward made or copied (the centered input, the (C,) weight),
    # so changing x or weight in place after this op does not change its gradient.
    reads_inputs = False

    def forward(self, x: np.ndarray, *affine: np.ndarray, eps: float, stats_out: list[Any] | None = None) -> np.ndarray:
        n, c = x.shape[:2]
        x3 = x.reshape(n, c, -1)
        if x.dtype.kind != "f":
            x3 = x3.astype(np.float64)  # integers normalize in float64, as NumPy's mean does
        count = x3.shape[0] * x3.shape[2]
        dtype = _result_dtype(x.dtype, *(a.dtype for a in affine))
        mean = _channel_sums(x3) / count
        # Centering first and summing squares of the centered values avoids E[x^2] - E[x]^2, which
        # cancels catastrophically in float32 when a channel's mean is large against its spread.
        centered = x3 - mean.astype(x3.dtype)[:, None]
        var = _channel_dots(centered, centered) / count
        inv_std = 1.0 / np.sqrt(var + eps)
        # The statistics go back through a caller-supplied list rather than a second output: an op
        # has one output tensor, and the running-statistics update is no part of the gradient.
        if stats_out is not None:
            stats_out.extend((mean, var))
        scale = inv_std if not affine else inv_std * affine[0]
        out = centered * scale.astype(dtype)[:, None]
        if affine:
            out += affine[1].astype(dtype)[:, None]
        self.centered, self.inv_std, self.count = centered, inv_std, count
        # A copy of the (C,) weight, so that reads_inputs can stay False (see above).
        self.weight = affine[0].astype(np.float64) if affine else None
        return out.reshape(x.shape)

    def meta(self, x: MetaArray, *affine: MetaArray, eps: float, stats_out: list[Any] | None = None) -> MetaArray:
        return MetaArray(x.shape, _result_dtype(x.dtype, *(a.dtype for a in affine)))

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        centered, inv_std, count = self.centered, self.inv_std, self.count
        g = grad.reshape(centered.shape)
        sum_g = _channel_sums(g)
        sum_g_centered = _channel_dots(g, centered)  # sum(g * x_hat) = inv_std * sum(g * centered)
        grads: list[np.ndarray | None] = [None]
        if self.parents[0].requires_grad:
            # dx = weight * inv_std * (g - mean(g) - x_hat * mean(g * x_hat)), with x_hat = centered * inv_std:
            # ((centered * a) + g + b) * s, four full-size passes and one allocation.
            weight = 1.0 if self.weight is None else self.weight
            a = -(inv_std * inv_std) * sum_g_centered / count
            s = weight * inv_std
            dtype = centered.dtype
            dx = centered * a.astype(dtype)[:, None]
            dx += g
            dx -= (sum_g / count).astype(dtype)[:, None]
            dx *= s.astype(dtype)[:, None]
            grads[0] = dx.reshape(grad.shape)
        if self.weight is not None:
            grads.append(sum_g_centered * inv_std if self.parents[1].requires_grad else None)
            grads.append(sum_g if self.parents[2].requires_grad else None)
        return tuple(grads)


class BatchNormEval(Function):
    """Normalize `x (N, C, ...)` per channel by given statistics (eval mode), then `* weight + bias`.

    Inputs are `x` alone, or `x, weight (C,), bias (C,)`; `mean` and `var` are (C,) arrays given as options, since
    running statistics are buffers that take no gradient. The statistics and the affine fold into one per-channel
    scale and shift (in float64, rounded once), applied in one blocked pass (lucid._kernels.channel_affine). As a
    composition it was seven small ops and two broadcast passes: L1's eval batch norms took 8.2 ms at batch 1, now 7.4.

    >>> y = BatchNormEval.apply(lucid.tensor([[1.0, 10.0], [3.0, 30.0]]), mean=np.array([2.0, 20.0]),
    ...                         var=np.array([1.0, 100.0]), eps=0.0)
    >>> y.numpy().tolist()
    [[-1.0, -1.0], [1.0, 1.0]]
    """

    op_name = "batch_norm"

    def forward(self, x: np.ndarray, *affine: np.ndarray, mean: np.ndarray, var: np.ndarray, eps: float) -> np.ndarray:
        dtype = _result_dtype(x.dtype, *(a.dtype for a in affine))
        mean = mean.astype(np.float64)
        inv_std = 1.0 / np.sqrt(var.astype(np.float64) + eps)
        scale = inv_std * affine[0] if affine else inv_std
        shift = -mean * scale
        if affine:
            shift += affine[1]
        self.x, self.mean, self.inv_std, self.scale = x, mean, inv_std, scale
        return channel_affine(x, scale, shift, dtype)

    def meta(self, x: MetaArray, *affine: MetaArray, mean: np.ndarray, var: np.ndarray, eps: float) -> MetaArray:
        return MetaArray(x.shape, _result_dtype(x.dtype, *(a.dtype for a in affine)))

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        grads: list[np.ndarray | None] = [None]
        if self.parents[0].requires_grad:
            grads[0] = channel_affine(grad, self.scale, None, grad.dtype)
        if len(self.parents) == 3:
            n, c = grad.shape[:2]
            g = grad.reshape(n, c, -1)
            sum_g = _channel_sums(g)
            grad_weight = None
            if self.parents[1].requires_grad:
                # sum(g * x_hat) with x_hat = (x - mean) * inv_std, without the x_hat array.
                x3 = self.x.reshape(g.shape).astype(g.dtype, copy=False)
                grad_weight = (_channel_dots(g, x3) - self.mean * sum_g) * self.inv_std
            grads.append(grad_weight)
            grads.append(sum_g if self.parents[2].requires_grad else None)
        return tuple(grads)


def _result_dtype(x_dtype: np.dtype, *affine_dtypes: np.dtype) -> np.dtype:
    """The output dtype, as the composition of primitives gives it: floats promote, integers become float64."""
    dtype = np.result_type(x_dtype, *affine_dtypes)
    return dtype if dtype.kind == "f" else np.dtype(np.float64)
