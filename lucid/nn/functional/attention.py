"""Scaled dot-product attention (PyTorch's `F.scaled_dot_product_attention`), composed from primitives.

softmax(q @ k^T * scale + mask) @ v is two matmuls (lucid-viz counts their MACs), a shift, exp, sum and divide for
the softmax, and a `where` or an add for the mask; autograd differentiates the composition. The multi-head forward
that projects, splits heads and calls this core lives in lucid/nn/functional/multihead.py.
"""

from __future__ import annotations

import math

import numpy as np

from lucid.autograd.ops import elementwise as ew
from lucid.nn.functional.activation import softmax
from lucid.nn.functional.drop import dropout
from lucid.shape_only import MetaArray
from lucid.tensor import Tensor

_NEG_INF = float("-inf")


def causal_mask(target_length: int, source_length: int) -> np.ndarray:
    """The boolean (L, S) mask of `is_causal`: query i sees keys 0..i (aligned top-left, as PyTorch's).

    >>> causal_mask(2, 3).tolist()
    [[True, False, False], [True, True, False]]
    """
    return np.tri(target_length, source_length, dtype=bool)


def constant_zeros(shape: tuple[int, ...], like: Tensor) -> Tensor:
    """A constant zero tensor of `like`'s dtype; shape-only when `like` is, so a meta trace allocates nothing.

    >>> constant_zeros((2, 3), lucid.ones(1, dtype="float64")).dtype
    dtype('float64')
    """
    if like.is_meta:
        return Tensor._wrap(MetaArray(shape, like.dtype))
    return Tensor._wrap(np.zeros(shape, dtype=like.dtype))


def check_mask(where: str, name: str, mask: object, dtype: np.dtype) -> Tensor:
    """`mask` as a Tensor if it is a bool mask or a float mask of `dtype` (the query's); a clear error if not.

    >>> check_mask("f", "attn_mask", lucid.zeros(2, dtype="int64"), np.dtype("float32"))
    Traceback (most recent call last):
    ...
    TypeError: f: attn_mask must be a bool mask or a float mask of the query's dtype float32, got dtype int64
    """
    if not isinstance(mask, Tensor):
        raise TypeError(f"{where}: {name} must be a lucid Tensor (bool or float), got {type(mask).__name__}")
    if mask.dtype != np.bool_ and mask.dtype != dtype:
        raise TypeError(
            f"{where}: {name} must be a bool mask or a float mask of the query's dtype {dtype}, got dtype {mask.dtype}"
        )
    return mask


def _safe_softmax(scores: Tensor) -> Tensor:
    """softmax over the last axis where a row whose every score is -inf gives zeros instead of NaN.

    PyTorch's scaled_dot_product_attention does this (a fully masked query attends to nothing), and the
    gradient of such a row is zero too: the shift and the denominator are replaced there, never the result, so
    no NaN enters the backward pass.
    """
    top = scores.detach().max(axis=-1, keepdims=True)
    top = ew.where(top == _NEG_INF, 0.0, top)
    shifted = ew.exp(scores - top)
    total = shifted.sum(axis=-1, keepdims=True)
    return shifted / ew.where(total == 0.0, 1.0, total)


def attend(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    bias: Tensor | None = None,
    allowed: Tensor | np.ndarray | None = None,
    scale: float = 1.0,
    dropout_p: float = 0.0,
    masked_rows_give_zeros: bool = True,
) -> tuple[Tensor, Tensor]:
    """(softmax(query @ key^T * scale + bias, masked where not `allowed`) @ value, the weights).

    The core shared by `scaled_dot_product_attention` and the multi-head forward; shapes are checked by the
    callers. `masked_rows_give_zeros` picks PyTorch's scaled_dot_product_attention behaviour (zeros for a query
    whose keys are all masked); without it such rows are NaN, as in MultiheadAttention with `need_weights=True`.

    >>> q = lucid.randn(2, 3, 4)
    >>> out, weights = attend(q, q, q, allowed=causal_mask(3, 3), scale=0.5)
    >>> weights.numpy()[:, 0].round(3).tolist()  # the first query sees only the first key
    [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]]
    """
    # Scaling the query rather than the scores touches L * E numbers instead of L * S.
    scores = (query * scale) @ key.swapaxes(-1, -2)
    if allowed is not None:
        scores = ew.where(allowed, scores, _NEG_INF)
    if bias is not None:
        scores = scores + bias
    masked = bias is not None or allowed is not None
    weights = _safe_softmax(scores) if masked and masked_rows_give_zeros else softmax(scores, axis=-1)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, training=True)
    return weights @ value, weights


def _broadcast_or_none(*shapes: tuple[int, ...]) -> tuple[int, ...] | None:
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        return None


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    *,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    """softmax(query @ key^T * scale + mask) @ value, as `torch.nn.functional.scaled_dot_product_attention`.

    `query (..., L, E)`, `key (..., S, E)`, `value (..., S, Ev)` give `(..., L, Ev)`; the leading axes broadcast.
    `attn_mask` broadcasts to `(..., L, S)`: a bool mask keeps the scores where it is True (True = take part), a
    float mask is added to them. `is_causal` lets query i see keys 0..i (top-left aligned when L != S) and excludes
    `attn_mask`. `scale` (keyword-only, as in PyTorch) defaults to 1 / sqrt(E). Dropout with `dropout_p` is applied
    whenever it is positive, as in PyTorch: pass 0.0 outside training. A query whose keys are all masked gets zeros.
    With `enable_gqa` (keyword-only), key and value may have fewer heads (axis -3) than the query, each shared by a
    group of query heads.

    >>> q, k, v = lucid.randn(2, 4, 5, 8), lucid.randn(2, 4, 6, 8), lucid.randn(2, 4, 6, 3)
    >>> scaled_dot_product_attention(q, k, v).shape
    (2, 4, 5, 3)
    >>> out = scaled_dot_product_attention(q, q, q, is_causal=True)
    >>> bool(np.allclose(out.numpy()[..., 0, :], q.numpy()[..., 0, :], atol=1e-6))  # the first query sees itself only
    True
    """
    where = "scaled_dot_product_attention"
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{where}: {name} must be a lucid Tensor, got {type(t).__name__}")
        if t.ndim < 2:
            raise ValueError(f"{where}: {name} needs at least 2 dimensions (..., length, features), got {t.shape}")
    if key.shape[-1] != query.shape[-1]:
        raise ValueError(
            f"{where}: query and key must have the same last dimension, got shapes {query.shape} and {key.shape}"
        )
    if key.shape[-2] != value.shape[-2]:
        raise ValueError(
            f"{where}: key and value must have the same length (axis -2), got shapes {key.shape} and {value.shape}"
        )
    if isinstance(dropout_p, bool) or not isinstance(dropout_p, (int, float)) or not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"{where}: dropout_p must be a probability between 0 and 1, got {dropout_p!r}")
    if enable_gqa:
        key, value = _share_heads(where, query, key, value)
    batch = _broadcast_or_none(query.shape[:-2], key.shape[:-2], value.shape[:-2])
    if batch is None:
        raise ValueError(
            f"{where}: the leading axes of query {query.shape}, key {key.shape} and value {value.shape} "
            "cannot be broadcast together"
        )
    length, source = query.shape[-2], key.shape[-2]
    allowed, bias = None, None
    if is_causal:
        if attn_mask is not None:
            raise ValueError(f"{where}: give attn_mask or is_causal=True, not both")
        allowed = causal_mask(length, source)
    elif attn_mask is not None:
        mask = check_mask(where, "attn_mask", attn_mask, query.dtype)
        weights_shape = (*batch, length, source)
        if _broadcast_or_none(mask.shape, weights_shape) != weights_shape:
            raise ValueError(
                f"{where}: attn_mask of shape {mask.shape} does not broadcast to the attention weights' shape "
                f"{weights_shape} (..., L, S)"
            )
        if mask.dtype == np.bool_:
            allowed = mask
        else:
            bias = mask
    factor = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    out, _ = attend(query, key, value, bias, allowed, factor, float(dropout_p))
    return out


def _share_heads(where: str, query: Tensor, key: Tensor, value: Tensor) -> tuple[Tensor, Tensor]:
    """Key and value with each of their heads (axis -3) repeated for the group of query heads that shares it."""
    if query.ndim < 3 or key.ndim < 3 or value.ndim < 3:
        raise ValueError(
            f"{where}: enable_gqa needs a heads axis (-3) in query, key and value, got shapes "
            f"{query.shape}, {key.shape} and {value.shape}"
        )
    heads, kv_heads = query.shape[-3], key.shape[-3]
    if value.shape[-3] != kv_heads or heads % kv_heads:
        raise ValueError(
            f"{where}: with enable_gqa the query's heads ({heads}) must be a multiple of the key's ({kv_heads}), "
            f"and value must have as many heads as key ({value.shape[-3]})"
        )
    group = heads // kv_heads
    if group == 1:
        return key, value
    return _repeat_heads(key, group), _repeat_heads(value, group)


def _repeat_heads(t: Tensor, group: int) -> Tensor:
    # (..., Hk, S, E) -> (..., Hk, group, S, E) -> (..., Hk * group, S, E): head h of the result is head
    # h // group of the input, PyTorch's repeat_interleave order.
    *lead, heads, length, features = t.shape
    spread = t.reshape(*lead, heads, 1, length, features).broadcast_to(*lead, heads, group, length, features)
    return spread.reshape(*lead, heads * group, length, features)
