"""The multi-head attention forward (PyTorch's `F.multi_head_attention_forward`), composed from primitives.

Project query, key and value (three linears on slices of the packed weight), split the heads, attend
(lucid/nn/functional/attention.py), merge the heads and project out. PyTorch's mask rules are kept: in
`attn_mask` and `key_padding_mask` a bool True means "masked out" (the opposite of scaled_dot_product_attention's),
a float mask is added to the scores, and both masks are merged by adding them.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from lucid.autograd.ops import elementwise as ew
from lucid.autograd.ops.shape import concatenate, pad
from lucid.nn.functional.attention import attend, causal_mask, check_mask, constant_zeros
from lucid.nn.functional.linear import linear
from lucid.tensor import Tensor

_NEG_INF = float("-inf")


def multi_head_attention_forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    embed_dim_to_check: int,
    num_heads: int,
    in_proj_weight: Tensor | None,
    in_proj_bias: Tensor | None,
    bias_k: Tensor | None,
    bias_v: Tensor | None,
    add_zero_attn: bool,
    dropout_p: float,
    out_proj_weight: Tensor,
    out_proj_bias: Tensor | None,
    training: bool = True,
    key_padding_mask: Tensor | None = None,
    need_weights: bool = True,
    attn_mask: Tensor | None = None,
    use_separate_proj_weight: bool = False,
    q_proj_weight: Tensor | None = None,
    k_proj_weight: Tensor | None = None,
    v_proj_weight: Tensor | None = None,
    static_k: Tensor | None = None,
    static_v: Tensor | None = None,
    average_attn_weights: bool = True,
    is_causal: bool = False,
) -> tuple[Tensor, Tensor | None]:
    """Multi-head attention on sequence-first inputs `(L, N, E)` (or unbatched `(L, E)`), as PyTorch's function.

    Returns `(output (L, N, E), weights)`; the weights are `(N, L, S)` averaged over heads, `(N, num_heads, L, S)`
    with `average_attn_weights=False`, and None without `need_weights`. See `nn.MultiheadAttention` for the masks.

    >>> e, heads = 8, 2
    >>> x = lucid.randn(5, 3, e)
    >>> w_in, w_out = lucid.randn(3 * e, e), lucid.randn(e, e)
    >>> out, weights = multi_head_attention_forward(x, x, x, e, heads, w_in, None, None, None, False, 0.0, w_out, None)
    >>> out.shape, weights.shape
    ((5, 3, 8), (3, 5, 5))
    """
    where = "multi_head_attention_forward"
    if query.shape[-1:] != (embed_dim_to_check,):
        raise ValueError(f"{where}: expected query with embedding dimension {embed_dim_to_check}, got {query.shape}")
    if use_separate_proj_weight:
        if q_proj_weight is None or k_proj_weight is None or v_proj_weight is None:
            raise ValueError(f"{where}: use_separate_proj_weight=True needs q_, k_ and v_proj_weight, got None")
        weights = (q_proj_weight, k_proj_weight, v_proj_weight)
    else:
        if in_proj_weight is None:
            raise ValueError(f"{where}: in_proj_weight is None (pass it, or use_separate_proj_weight=True)")
        weights = split_packed(in_proj_weight, embed_dim_to_check)
    return multi_head_attention(
        where,
        query,
        key,
        value,
        num_heads,
        weights,
        in_proj_bias,
        bias_k,
        bias_v,
        add_zero_attn,
        dropout_p if training else 0.0,
        lambda x: linear(x, out_proj_weight, out_proj_bias),
        key_padding_mask,
        need_weights,
        attn_mask,
        average_attn_weights,
        is_causal,
        batch_first=False,
        static_k=static_k,
        static_v=static_v,
    )


def split_packed(packed: Tensor, embed_dim: int) -> tuple[Tensor, Tensor, Tensor]:
    """The query, key and value rows of a packed `(3 E, ...)` weight or `(3 E,)` bias.

    >>> [part.tolist() for part in split_packed(lucid.arange(6), 2)]
    [[0, 1], [2, 3], [4, 5]]
    """
    return packed[:embed_dim], packed[embed_dim : 2 * embed_dim], packed[2 * embed_dim :]


def multi_head_attention(
    where: str,
    query: Tensor,
    key: Tensor,
    value: Tensor,
    num_heads: int,
    proj_weights: tuple[Tensor, Tensor, Tensor],
    in_proj_bias: Tensor | None,
    bias_k: Tensor | None,
    bias_v: Tensor | None,
    add_zero_attn: bool,
    dropout_p: float,
    out_proj: Callable[[Tensor], Tensor],
    key_padding_mask: Tensor | None,
    need_weights: bool,
    attn_mask: Tensor | None,
    average_attn_weights: bool,
    is_causal: bool,
    batch_first: bool,
    static_k: Tensor | None = None,
    static_v: Tensor | None = None,
) -> tuple[Tensor, Tensor | None]:
    """The body of `multi_head_attention_forward` and `MultiheadAttention.forward`; errors name `where`.

    `dropout_p` is the probability to apply (0 outside training); `out_proj` maps the merged heads to the output
    (the layer passes its `out_proj` Linear, so that a chart shows the call).
    """
    batched = _check_inputs(where, query, key, value)
    q_weight, k_weight, v_weight = proj_weights
    embed_dim = q_weight.shape[0]
    for name, t, w in (("query", query, q_weight), ("key", key, k_weight), ("value", value, v_weight)):
        if t.shape[-1] != w.shape[1]:
            raise ValueError(f"{where}: expected {name} with last dimension {w.shape[1]}, got shape {t.shape}")
    if not batched:
        query, key, value = (t.reshape(1, *t.shape) for t in (query, key, value))
    elif not batch_first:
        query, key, value = (t.swapaxes(0, 1) for t in (query, key, value))
    batch, length, _ = query.shape
    source = key.shape[1]
    if key.shape[:2] != value.shape[:2] or key.shape[0] != batch:
        raise ValueError(
            f"{where}: query, key and value must share the batch size and key and value the length, got shapes "
            f"{_layout(query, batched, batch_first)}, {_layout(key, batched, batch_first)} and "
            f"{_layout(value, batched, batch_first)}"
        )
    heads = num_heads
    head_dim = embed_dim // heads
    check_attn_mask(where, "attn_mask", attn_mask, query.dtype, batch, heads, length, source, batched)
    check_padding_mask(where, "key_padding_mask", key_padding_mask, query.dtype, batch, source, batched)
    if key_padding_mask is not None and not batched:
        key_padding_mask = key_padding_mask.reshape(1, source)
    if is_causal and attn_mask is None:
        raise ValueError(
            f"{where}: is_causal=True is a hint that attn_mask is the causal mask, so it needs attn_mask "
            "(Transformer.generate_square_subsequent_mask(L) makes one)"
        )
    # PyTorch uses the causal mask itself, not attn_mask, only when nothing else has to be merged with it.
    causal = is_causal and key_padding_mask is None and not need_weights
    if causal:
        attn_mask = None

    b_q, b_k, b_v = (None, None, None) if in_proj_bias is None else split_packed(in_proj_bias, embed_dim)
    q = linear(query, q_weight, b_q)
    k = linear(key, k_weight, b_k)
    v = linear(value, v_weight, b_v)
    if (bias_k is None) != (bias_v is None):
        raise ValueError(f"{where}: give both bias_k and bias_v or neither")
    if bias_k is not None:
        if static_k is not None or static_v is not None:
            raise ValueError(f"{where}: bias_k and bias_v cannot be added to static_k and static_v")
        k = concatenate([k, bias_k.reshape(1, 1, embed_dim).broadcast_to(batch, 1, embed_dim)], axis=1)
        v = concatenate([v, bias_v.reshape(1, 1, embed_dim).broadcast_to(batch, 1, embed_dim)], axis=1)
        attn_mask, key_padding_mask = _one_more_key(attn_mask), _one_more_key(key_padding_mask)

    q = _split_heads(q, heads)
    k = _static(where, "static_k", static_k, batch, heads, head_dim) if static_k is not None else _split_heads(k, heads)
    v = _static(where, "static_v", static_v, batch, heads, head_dim) if static_v is not None else _split_heads(v, heads)
    if add_zero_attn:
        zeros = constant_zeros((batch, heads, 1, head_dim), k)
        k = concatenate([k, zeros], axis=2)
        v = concatenate([v, zeros], axis=2)
        attn_mask, key_padding_mask = _one_more_key(attn_mask), _one_more_key(key_padding_mask)
    source = k.shape[2]
    if key_padding_mask is not None and key_padding_mask.shape[-1] != source:
        raise ValueError(
            f"{where}: key_padding_mask covers {key_padding_mask.shape[-1]} keys, the attention has {source}"
        )

    bias = _merged_bias(attn_mask, key_padding_mask, query.dtype, batch, heads)
    allowed = causal_mask(length, source) if causal else None
    out, weights = attend(
        q, k, v, bias, allowed, 1.0 / math.sqrt(head_dim), dropout_p, masked_rows_give_zeros=not need_weights
    )
    out = out_proj(out.swapaxes(1, 2).reshape(batch, length, embed_dim))
    if not batched:
        out = out.reshape(length, embed_dim)
    elif not batch_first:
        out = out.swapaxes(0, 1)
    if not need_weights:
        return out, None
    if average_attn_weights:
        weights = weights.mean(axis=1)
    if not batched:
        weights = weights.reshape(weights.shape[1:])
    return out, weights


def _layout(t: Tensor, batched: bool, batch_first: bool) -> tuple[int, ...]:
    """`t`'s shape as the caller gave it (inputs are made batch-first internally)."""
    if not batched:
        return t.shape[1:]
    return t.shape if batch_first else (t.shape[1], t.shape[0], *t.shape[2:])


def _check_inputs(where: str, query: Tensor, key: Tensor, value: Tensor) -> bool:
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{where}: {name} must be a lucid Tensor, got {type(t).__name__}")
    if query.ndim not in (2, 3):
        raise ValueError(
            f"{where}: expected query of shape (L, N, E), (N, L, E) with batch_first, or unbatched (L, E), "
            f"got shape {query.shape}"
        )
    if key.ndim != query.ndim or value.ndim != query.ndim:
        raise ValueError(
            f"{where}: key and value must have as many dimensions as query ({query.ndim}), got shapes "
            f"{key.shape} and {value.shape}"
        )
    return query.ndim == 3


def check_attn_mask(
    where: str,
    name: str,
    mask: Tensor | None,
    dtype: np.dtype,
    batch: int,
    heads: int,
    length: int,
    source: int,
    batched: bool,
) -> None:
    """Refuse an attention mask (named `name`) that is not bool or `dtype`, or not (L, S) or (N * heads, L, S)
    ((heads, L, S) unbatched), with an error naming `where`."""
    if mask is None:
        return
    check_mask(where, name, mask, dtype)
    per_head = (batch * heads, length, source) if batched else (heads, length, source)
    if mask.shape not in ((length, source), per_head):
        raise ValueError(
            f"{where}: {name} of shape {mask.shape} does not fit query length {length} and key length {source}: "
            f"expected {(length, source)} or {per_head}"
        )


def check_padding_mask(
    where: str, name: str, mask: Tensor | None, dtype: np.dtype, batch: int, source: int, batched: bool
) -> None:
    """Refuse a key padding mask (named `name`) that is not bool or `dtype`, or not (N, S) ((S,) unbatched)."""
    if mask is None:
        return
    check_mask(where, name, mask, dtype)
    expected = (batch, source) if batched else (source,)
    if mask.shape != expected:
        raise ValueError(f"{where}: expected {name} of shape {expected} (batch, key length), got {mask.shape}")


def _one_more_key(mask: Tensor | None) -> Tensor | None:
    """The mask extended by one key that every query may see (for bias_k/bias_v and add_zero_attn)."""
    if mask is None:
        return None
    return pad(mask, [(0, 0)] * (mask.ndim - 1) + [(0, 1)], value=0)


def _split_heads(t: Tensor, heads: int) -> Tensor:
    """(N, L, heads * head_dim) -> (N, heads, L, head_dim)."""
    batch, length, features = t.shape
    return t.reshape(batch, length, heads, features // heads).swapaxes(1, 2)


def _static(where: str, name: str, t: Tensor, batch: int, heads: int, head_dim: int) -> Tensor:
    if t.ndim != 3 or t.shape[0] != batch * heads or t.shape[2] != head_dim:
        raise ValueError(
            f"{where}: expected {name} of shape ({batch * heads}, S, {head_dim}) (batch * num_heads, S, head_dim), "
            f"got {t.shape}"
        )
    return t.reshape(batch, heads, t.shape[1], head_dim)


def _additive(mask: Tensor, dtype: np.dtype) -> Tensor:
    """A float mask as it is; a bool mask as -inf where True (masked out) and 0 elsewhere."""
    if mask.dtype != np.bool_:
        return mask
    zero = Tensor._wrap(np.zeros((), dtype=dtype))
    return ew.where(mask, _NEG_INF, zero)


def _merged_bias(
    attn_mask: Tensor | None, padding_mask: Tensor | None, dtype: np.dtype, batch: int, heads: int
) -> Tensor | None:
    """What to add to the (N, heads, L, S) scores: attn_mask plus key_padding_mask, as PyTorch merges them."""
    bias = None
    if attn_mask is not None:
        bias = _additive(attn_mask, dtype)
        if bias.ndim == 3:
            bias = bias.reshape(batch, heads, *bias.shape[1:])
    if padding_mask is not None:
        padding = _additive(padding_mask, dtype)
        padding = padding.reshape(batch, 1, 1, padding.shape[-1])
        bias = padding if bias is None else bias + padding
    return bias
