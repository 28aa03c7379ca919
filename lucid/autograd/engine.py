"""Reverse-mode differentiation over the graph of `Function` nodes.

The one place where gradients are reduced back to each input's shape (undoing NumPy
broadcasting) and accumulated. The graph is walked with an explicit stack, so a chain of
any length works.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from lucid.tensor import Tensor


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum `grad` over the axes that broadcasting added or stretched to reach `shape`."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    stretched = tuple(axis + extra for axis, size in enumerate(shape) if size == 1 and grad.shape[axis + extra] != 1)
    summed = grad.sum(axis=tuple(range(extra)) + stretched, keepdims=True)
    return summed.reshape(shape)


def topological_order(root: Tensor) -> list[Tensor]:
    """Tensors reachable from `root` through recorded ops, each after all of its inputs."""
    order: list[Tensor] = []
    visited: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        tensor, inputs_done = stack.pop()
        if inputs_done:
            order.append(tensor)
            continue
        if id(tensor) in visited:
            continue
        visited.add(id(tensor))
        stack.append((tensor, True))
        if tensor._ctx is not None:
            for parent in reversed(tensor._ctx.parents):
                if parent.requires_grad and id(parent) not in visited:
                    stack.append((parent, False))
    return order


def run_backward(root: Tensor, grad: np.ndarray, retain_graph: bool = False) -> None:
    """Propagate `grad` (d loss / d root) to every leaf that requires grad."""
    pending: dict[int, np.ndarray] = {id(root): grad}
    for tensor in reversed(topological_order(root)):
        g = pending.pop(id(tensor), None)
        if g is None:
            continue
        fn = tensor._ctx
        if fn is None:
            # A leaf: gradients accumulate across backward calls, as in PyTorch.
            tensor._grad = np.array(g) if tensor._grad is None else np.asarray(tensor._grad + g)
            continue
        fn.check_unchanged()
        input_grads = fn.backward(g)
        for parent, parent_grad in zip(fn.parents, input_grads, strict=True):
            if parent_grad is None or not parent.requires_grad:
                continue
            parent_grad = unbroadcast(np.asarray(parent_grad), parent.shape)
            if parent_grad.dtype != parent.dtype:
                parent_grad = parent_grad.astype(parent.dtype)
            key = id(parent)
            if key in pending:
                pending[key] = np.asarray(pending[key] + parent_grad)
            else:
                pending[key] = parent_grad
        if not retain_graph:
            fn.release()
