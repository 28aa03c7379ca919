"""The transformer's layers, as PyTorch's: TransformerEncoderLayer and TransformerDecoderLayer.

Same sub-module names (`self_attn`, `multihead_attn`, `linear1`, `linear2`, `norm1`..`norm3`, `dropout*`), hence the
same state_dict keys. The stacks and the whole Transformer are in transformer.py.
"""

from __future__ import annotations

from collections.abc import Callable

from lucid.nn.functional.activation import gelu, relu
from lucid.nn.functional.multihead import check_attn_mask, check_padding_mask
from lucid.nn.layers.attention import MultiheadAttention
from lucid.nn.layers.drop import Dropout
from lucid.nn.layers.linear import Linear
from lucid.nn.layers.norm import LayerNorm
from lucid.nn.module import Module
from lucid.tensor import Tensor

Activation = str | Callable[[Tensor], Tensor]


def _activation(where: str, activation: Activation) -> Callable[[Tensor], Tensor]:
    if isinstance(activation, str):
        if activation == "relu":
            return relu
        if activation == "gelu":
            return gelu
        raise ValueError(f"{where}: activation must be 'relu', 'gelu' or a callable, got {activation!r}")
    if not callable(activation):
        raise TypeError(f"{where}: activation must be 'relu', 'gelu' or a callable, got {type(activation).__name__}")
    return activation


def check_features(where: str, name: str, x: object, d_model: int) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{where}: {name} must be a lucid Tensor, got {type(x).__name__}")
    if x.ndim not in (2, 3) or x.shape[-1] != d_model:
        raise ValueError(
            f"{where}: expected {name} of shape (S, N, {d_model}), (N, S, {d_model}) with batch_first or "
            f"unbatched (S, {d_model}), got shape {x.shape}"
        )


def _batch_and_length(x: Tensor, batch_first: bool) -> tuple[int, int]:
    """(batch size, sequence length) of an (L, N, E), (N, L, E) or unbatched (L, E) input."""
    if x.ndim == 2:
        return 1, x.shape[0]
    return (x.shape[0], x.shape[1]) if batch_first else (x.shape[1], x.shape[0])


def _check_sequence(where: str, name: str, x: object, attention: MultiheadAttention) -> tuple[int, int]:
    """Check `x`'s features; return its (batch size, length)."""
    check_features(where, name, x, attention.embed_dim)
    return _batch_and_length(x, attention.batch_first)


class TransformerEncoderLayer(Module):
    """Self-attention then a feed-forward block, each with a residual connection and a LayerNorm, as
    `torch.nn.TransformerEncoderLayer`. The norms come after each block, or before with `norm_first`.

    >>> layer = nn.TransformerEncoderLayer(d_model=16, nhead=4, dim_feedforward=32, batch_first=True)
    >>> layer(lucid.randn(2, 7, 16)).shape
    (2, 7, 16)
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: Activation = relu,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        dtype: object = None,
    ) -> None:
        super().__init__()
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, dtype=dtype
        )
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = _activation("TransformerEncoderLayer", activation)

    def forward(
        self,
        src: Tensor,
        src_mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        is_causal: bool = False,
    ) -> Tensor:
        where, attention = "TransformerEncoderLayer", self.self_attn
        batch, length = _check_sequence(where, "src", src, attention)
        # Checked here so that an error names this layer's arguments, not the attention's.
        batched, heads = src.ndim == 3, attention.num_heads
        check_attn_mask(where, "src_mask", src_mask, src.dtype, batch, heads, length, length, batched)
        check_padding_mask(where, "src_key_padding_mask", src_key_padding_mask, src.dtype, batch, length, batched)
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _sa_block(
        self, x: Tensor, attn_mask: Tensor | None, key_padding_mask: Tensor | None, is_causal: bool
    ) -> Tensor:
        x = self.self_attn(
            x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False, is_causal=is_causal
        )[0]
        return self.dropout1(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerDecoderLayer(Module):
    """Self-attention, attention over the encoder's output (`memory`) and a feed-forward block, each with a
    residual connection and a LayerNorm, as `torch.nn.TransformerDecoderLayer`.

    >>> layer = nn.TransformerDecoderLayer(d_model=16, nhead=4, dim_feedforward=32)
    >>> layer(lucid.randn(5, 2, 16), lucid.randn(7, 2, 16)).shape
    (5, 2, 16)
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: Activation = relu,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        dtype: object = None,
    ) -> None:
        super().__init__()
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, batch_first=batch_first, bias=bias, dtype=dtype
        )
        self.multihead_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, batch_first=batch_first, bias=bias, dtype=dtype
        )
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = _activation("TransformerDecoderLayer", activation)

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Tensor:
        where, attention = "TransformerDecoderLayer", self.self_attn
        batch, length = _check_sequence(where, "tgt", tgt, attention)
        memory_batch, source = _check_sequence(where, "memory", memory, attention)
        if memory.ndim != tgt.ndim or memory_batch != batch:
            raise ValueError(
                f"{where}: tgt and memory must both be batched with the same batch size or both unbatched, got "
                f"shapes {tgt.shape} and {memory.shape}"
            )
        batched, heads, dtype = tgt.ndim == 3, attention.num_heads, tgt.dtype
        check_attn_mask(where, "tgt_mask", tgt_mask, dtype, batch, heads, length, length, batched)
        check_attn_mask(where, "memory_mask", memory_mask, dtype, batch, heads, length, source, batched)
        check_padding_mask(where, "tgt_key_padding_mask", tgt_key_padding_mask, dtype, batch, length, batched)
        check_padding_mask(where, "memory_key_padding_mask", memory_key_padding_mask, dtype, batch, source, batched)
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal)
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal))
            x = self.norm3(x + self._ff_block(x))
        return x

    def _sa_block(
        self, x: Tensor, attn_mask: Tensor | None, key_padding_mask: Tensor | None, is_causal: bool
    ) -> Tensor:
        x = self.self_attn(
            x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, is_causal=is_causal, need_weights=False
        )[0]
        return self.dropout1(x)

    def _mha_block(
        self, x: Tensor, memory: Tensor, attn_mask: Tensor | None, key_padding_mask: Tensor | None, is_causal: bool
    ) -> Tensor:
        x = self.multihead_attn(
            x,
            memory,
            memory,
            attn_mask=attn_mask,
            key_padding_mask=key_padding_mask,
            is_causal=is_causal,
            need_weights=False,
        )[0]
        return self.dropout2(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))
