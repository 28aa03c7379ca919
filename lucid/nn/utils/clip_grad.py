"""Gradient clipping by total norm or by value, as `torch.nn.utils.clip_grad_norm_` / `clip_grad_value_`.

The gradients (NumPy arrays in `param.grad`) are scaled in place, so whoever holds them sees the clipped values,
as in PyTorch. Unlike PyTorch, which returns a norm of 0 and does nothing, clipping when no parameter has a
gradient raises: it almost always means `backward()` has not run (or `zero_grad()` ran) before the clip.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from lucid.tensor import Tensor

TensorOrTensors = Tensor | Iterable[Tensor]


def _as_list(where: str, parameters: Any) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        return [parameters]
    if isinstance(parameters, np.ndarray) or not isinstance(parameters, Iterable):
        raise TypeError(
            f"{where}: parameters must be a Tensor or an iterable of Tensors, got {type(parameters).__name__}"
        )
    params = list(parameters)
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(f"{where}: parameters[{i}] is a {type(p).__name__}, not a lucid Tensor")
    return params


def _gradients(where: str, parameters: Any) -> list[np.ndarray]:
    params = _as_list(where, parameters)
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        what = "an empty list of parameters" if not params else f"{len(params)} parameters, none with a gradient"
        raise ValueError(f"{where}: got {what}; call loss.backward() before clipping (and zero_grad() only after "
                         "the optimizer step)")  # fmt: skip
    return grads


def _norm_order(where: str, norm_type: Any) -> float:
    try:
        order = float(norm_type)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: Invalid norm_type: {norm_type!r} (expected a number, or 'inf' for the "
                         "largest absolute value)") from None  # fmt: skip
    if math.isnan(order):
        raise ValueError(f"{where}: Invalid norm_type: nan (expected a number, or 'inf')")
    return order


def _vector_norm(values: np.ndarray, order: float) -> np.ndarray:
    """The p-norm of all entries as one vector, in the array's dtype (p = inf: largest |x|, 0: count of nonzeros)."""
    flat = values.ravel()
    if flat.size == 0:
        return np.zeros((), values.dtype)
    if order == 2.0:
        return np.sqrt(np.dot(flat, flat))
    if order == math.inf:
        return np.abs(flat).max()
    if order == -math.inf:
        return np.abs(flat).min()
    if order == 0.0:
        return np.asarray(np.count_nonzero(flat), values.dtype)
    if order == 1.0:
        return np.abs(flat).sum()
    return (np.abs(flat) ** order).sum() ** (1.0 / order)


def get_total_norm(
    tensors: TensorOrTensors | Iterable[np.ndarray],
    norm_type: float | str = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """The `norm_type`-norm of all the given tensors (or arrays) taken together as one vector, as a 0-d Tensor.

    >>> round(float(nn.utils.get_total_norm([lucid.tensor([3.0]), lucid.tensor([4.0])])), 4)
    5.0
    """
    return _total_norm("get_total_norm", tensors, norm_type, error_if_nonfinite)


def _total_norm(where: str, tensors: Any, norm_type: Any, error_if_nonfinite: bool) -> Tensor:
    order = _norm_order(where, norm_type)
    items = [tensors] if isinstance(tensors, (Tensor, np.ndarray)) else list(tensors)
    arrays = [np.asarray(t.data if isinstance(t, Tensor) else t) for t in items]
    if not arrays:
        return Tensor(np.zeros((), np.float32))
    dtype = np.result_type(*arrays)
    # A norm of the per-tensor norms, as PyTorch computes it (it then needs no array of all values at once).
    norms = np.array([_vector_norm(a, order) for a in arrays], dtype=dtype)
    total = np.asarray(_vector_norm(norms, order), dtype=dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"{where}: the total norm of order {order} of the gradients is {float(total)}, so they cannot be "
            "clipped; pass error_if_nonfinite=False to scale by it anyway"
        )
    return Tensor(total)


def clip_grads_with_norm_(
    parameters: TensorOrTensors, max_norm: float, total_norm: Tensor | float, foreach: bool | None = None
) -> None:
    """Scale the gradients in place by min(1, max_norm / (total_norm + 1e-6)), given a total norm computed
    beforehand (e.g. by `get_total_norm`, to clip several models' gradients by one shared norm).

    >>> w = lucid.tensor([1.0, 1.0], requires_grad=True)
    >>> w.grad = np.array([6.0, 8.0], dtype=np.float32)
    >>> nn.utils.clip_grads_with_norm_([w], max_norm=1.0, total_norm=20.0)
    >>> [round(v, 4) for v in w.grad.tolist()]
    [0.3, 0.4]
    """
    where = "clip_grads_with_norm_"
    max_norm = _max_norm(where, max_norm)
    params = _as_list(where, parameters)
    grads = [p for p in params if p.grad is not None]
    if not grads:
        return
    total = np.asarray(total_norm.data if isinstance(total_norm, Tensor) else total_norm)
    dtype = total.dtype if total.dtype.kind == "f" else np.dtype(np.float32)
    coef = np.asarray(max_norm, dtype) / (total.astype(dtype) + dtype.type(1e-6))
    coef = np.minimum(coef, dtype.type(1.0))
    for p in grads:
        _scale_grad(p, coef)


def _scale_grad(p: Tensor, factor: np.ndarray) -> None:
    grad = p.grad
    if grad.flags.writeable:
        grad *= factor.astype(grad.dtype)
    else:
        p.grad = grad * factor.astype(grad.dtype)


def _max_norm(where: str, max_norm: Any) -> float:
    if isinstance(max_norm, bool) or not isinstance(max_norm, (int, float, np.integer, np.floating)):
        raise TypeError(f"{where}: Invalid max_norm: {max_norm!r} (max_norm must be a number)")
    if not max_norm >= 0:
        raise ValueError(f"{where}: Invalid max_norm: {max_norm} (max_norm must be >= 0)")
    return float(max_norm)


def clip_grad_norm_(
    parameters: TensorOrTensors,
    max_norm: float,
    norm_type: float | str = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Scale all gradients together so that their total `norm_type`-norm is at most `max_norm`; return the
    total norm before clipping, as a 0-d Tensor. `foreach` is accepted for PyTorch compatibility and ignored.

    >>> w = lucid.tensor([3.0, 4.0], requires_grad=True)
    >>> w.grad = np.array([3.0, 4.0], dtype=np.float32)
    >>> total = nn.utils.clip_grad_norm_([w], max_norm=1.0)
    >>> total.item(), [round(v, 4) for v in w.grad.tolist()]
    (5.0, [0.6, 0.8])
    """
    where = "clip_grad_norm_"
    params = _as_list(where, parameters)
    max_norm = _max_norm(where, max_norm)
    order = _norm_order(where, norm_type)
    grads = _gradients(where, params)
    total = _total_norm(where, grads, order, error_if_nonfinite)
    clip_grads_with_norm_(params, max_norm, total)
    return total


def clip_grad_value_(parameters: TensorOrTensors, clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every gradient entry into [-clip_value, clip_value], in place.

    >>> w = lucid.tensor([1.0, 1.0, 1.0], requires_grad=True)
    >>> w.grad = np.array([-3.0, 0.5, 2.0], dtype=np.float32)
    >>> nn.utils.clip_grad_value_([w], clip_value=1.0)
    >>> w.grad.tolist()
    [-1.0, 0.5, 1.0]
    """
    where = "clip_grad_value_"
    if isinstance(clip_value, bool) or not isinstance(clip_value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{where}: Invalid clip_value: {clip_value!r} (clip_value must be a number)")
    if not clip_value >= 0:
        raise ValueError(f"{where}: Invalid clip_value: {clip_value} (clip_value must be >= 0)")
    params = _as_list(where, parameters)
    _gradients(where, params)  # raises when there is nothing to clip
    bound = float(clip_value)
    for p in params:
        grad = p.grad
        if grad is None:
            continue
        if grad.flags.writeable:
            np.clip(grad, -bound, bound, out=grad)
        else:
            p.grad = np.clip(grad, -bound, bound)
