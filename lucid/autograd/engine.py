"""Reverse-mode differentiation over the graph of `Function` nodes.

The one place where gradients are reduced back to each input's shape (undoing NumPy
broadcasting) and accumulated. The graph is walked with an explicit stack, so a chain of
any length works. While gradient hooks exist (lucid/autograd/backward_hooks.py) a backward takes a second loop that
also runs them; without any, the plain loop runs as before, after one check per backward.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from lucid.autograd import backward_hooks

if TYPE_CHECKING:
    from collections.abc import Sequence

    from lucid.autograd.function import Function
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
    if backward_hooks.active():
        _run_backward_with_hooks(root, grad, retain_graph)
        return
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


def _add_input_grads(pending: dict[int, np.ndarray], fn: Function, input_grads: Sequence[np.ndarray | None]) -> None:
    """Reduce each parent's gradient to its shape and dtype, and add it to what the parent already has."""
    for parent, parent_grad in zip(fn.parents, input_grads, strict=True):
        if parent_grad is None or not parent.requires_grad:
            continue
        parent_grad = unbroadcast(np.asarray(parent_grad), parent.shape)
        if parent_grad.dtype != parent.dtype:
            parent_grad = parent_grad.astype(parent.dtype)
        key = id(parent)
        pending[key] = np.asarray(pending[key] + parent_grad) if key in pending else parent_grad


def _run_backward_with_hooks(root: Tensor, grad: np.ndarray, retain_graph: bool) -> None:
    """run_backward's loop, also running tensor hooks (on each tensor's finished gradient, before it goes on) and
    grouped nodes (once, with the gradients of all their members, when the last member present is reached)."""
    group_type = backward_hooks._GradGroup
    order = topological_order(root)
    # A group runs when its last member in the graph is reached: its members all precede its parents in this
    # order (each member's parents are the whole group's), so nothing the group feeds has been run yet.
    waiting: dict[int, int] = {}
    for tensor in order:
        fn = tensor._ctx
        if type(fn) is group_type:
            waiting[id(fn)] = waiting.get(id(fn), 0) + 1
    collected: dict[int, list[np.ndarray | None]] = {}
    pending: dict[int, np.ndarray] = {id(root): grad}
    for tensor in reversed(order):
        g = pending.pop(id(tensor), None)
        if g is not None:
            hooks = backward_hooks.tensor_hooks(tensor)
            if hooks:
                g = backward_hooks.run_tensor_hooks(tensor, g, hooks)
        fn = tensor._ctx
        if type(fn) is group_type:
            fn.check_unchanged()
            grads = collected.setdefault(id(fn), [None] * len(fn.parents))
            grads[fn.position(tensor)] = g
            waiting[id(fn)] -= 1
            if waiting[id(fn)]:
                continue
            del collected[id(fn)]
            if any(member_grad is not None for member_grad in grads):
                _add_input_grads(pending, fn, fn.callback(grads))
            if not retain_graph:
                fn.release()
            continue
        if g is None:
            continue
        if fn is None:
            tensor._grad = np.array(g) if tensor._grad is None else np.asarray(tensor._grad + g)
            continue
        fn.check_unchanged()
        _add_input_grads(pending, fn, fn.backward(g))
        if not retain_graph:
            fn.release()
