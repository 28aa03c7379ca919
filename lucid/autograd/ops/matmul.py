"""Batched matrix product with NumPy's broadcasting rules (`a @ b`)."""

from __future__ import annotations

import numpy as np

from lucid.autograd.function import Function
from lucid.shape_only import MetaArray
from lucid.tensor import Tensor, as_tensor


class MatMul(Function):
    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        # Vectors are promoted to matrices so that backward has a single, matrix-only form.
        self.a_vector, self.b_vector = a.ndim == 1, b.ndim == 1
        self.a = a[None, :] if self.a_vector else a
        self.b = b[:, None] if self.b_vector else b
        out = self.a @ self.b
        if self.a_vector:
            out = out[..., 0, :]
        if self.b_vector:
            out = out[..., 0]
        return out

    def meta(self, a: MetaArray, b: MetaArray) -> MetaArray:
        # The same vector promotion as forward: (K,) is a (1, K) row on the left, a (K, 1) column on the right.
        a_shape = (1, *a.shape) if a.ndim == 1 else a.shape
        b_shape = (*b.shape, 1) if b.ndim == 1 else b.shape
        shape = (*np.broadcast_shapes(a_shape[:-2], b_shape[:-2]), a_shape[-2], b_shape[-1])
        if a.ndim == 1:
            shape = (*shape[:-2], shape[-1])
        if b.ndim == 1:
            shape = shape[:-1]
        return MetaArray(shape, np.result_type(a.dtype, b.dtype))

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        if self.b_vector:
            grad = grad[..., None]
        if self.a_vector:
            grad = grad[..., None, :]
        a_parent, b_parent = self.parents
        grad_a = grad_b = None
        if a_parent.requires_grad:
            grad_a = grad @ np.swapaxes(self.b, -1, -2)
            if self.a_vector:
                grad_a = grad_a[..., 0, :]
        if b_parent.requires_grad:
            grad_b = np.swapaxes(self.a, -1, -2) @ grad
            if self.b_vector:
                grad_b = grad_b[..., 0]
        return grad_a, grad_b


def matmul(a: Tensor, b: Tensor) -> Tensor:
    a, b = as_tensor(a), as_tensor(b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul needs tensors with at least 1 dimension, got shapes {a.shape} and {b.shape}")
    inner_a = a.shape[-1]
    inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if inner_a != inner_b:
        raise ValueError(
            f"matmul: shapes {a.shape} and {b.shape} do not fit: the last axis of the first ({inner_a}) "
            f"must equal the {'only' if b.ndim == 1 else 'second-to-last'} axis of the second ({inner_b})"
        )
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ValueError(f"matmul: batch shapes of {a.shape} and {b.shape} cannot be broadcast together") from None
    return MatMul.apply(a, b)
