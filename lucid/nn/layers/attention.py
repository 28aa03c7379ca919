"""Attention layers: MultiheadAttention."""

from __future__ import annotations

from lucid import creation
from lucid.nn import init
from lucid.nn.functional.multihead import multi_head_attention, split_packed
from lucid.nn.layers.linear import Linear
from lucid.nn.module import Module
from lucid.nn.parameter import Parameter
from lucid.tensor import Tensor


class MultiheadAttention(Module):
    """Attention with `num_heads` heads of size `embed_dim // num_heads`, as `torch.nn.MultiheadAttention`.

    Same parameters and state_dict keys: `in_proj_weight (3 E, E)` and `in_proj_bias (3 E,)`, or
    `q_proj_weight`, `k_proj_weight (E, kdim)` and `v_proj_weight (E, vdim)` when `kdim` or `vdim` differ from
    `embed_dim`; `out_proj` (a Linear); `bias_k` and `bias_v (1, 1, E)` with `add_bias_kv`. Inputs are
    `(L, N, E)`, `(N, L, E)` with `batch_first`, or unbatched `(L, E)`.

    `forward` returns `(output, weights)`: the weights averaged over heads `(N, L, S)`, per head
    `(N, num_heads, L, S)` with `average_attn_weights=False`, or None with `need_weights=False`. In
    `key_padding_mask (N, S)` and `attn_mask (L, S)` or `(N * num_heads, L, S)` a bool True masks a key out and a
    float value is added to the scores; the two are merged by adding them. `is_causal=True` is a hint that
    `attn_mask` is the causal mask. Unlike PyTorch, `out_proj` is called as a module (its hooks run and a
    lucid-viz chart shows it).

    >>> mha = nn.MultiheadAttention(16, 4, batch_first=True)
    >>> x = lucid.randn(2, 5, 16)
    >>> out, weights = mha(x, x, x)
    >>> out.shape, weights.shape
    ((2, 5, 16), (2, 5, 5))
    >>> sorted(mha.state_dict())
    ['in_proj_bias', 'in_proj_weight', 'out_proj.bias', 'out_proj.weight']
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        dtype: object = None,
    ) -> None:
        super().__init__()
        for name, size in (("embed_dim", embed_dim), ("num_heads", num_heads)):
            if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
                raise ValueError(f"MultiheadAttention: {name} must be a positive integer, got {size!r}")
        if embed_dim % num_heads:
            raise ValueError(
                f"MultiheadAttention: embed_dim ({embed_dim}) must be divisible by num_heads ({num_heads})"
            )
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0.0 <= dropout <= 1.0:
            raise ValueError(f"MultiheadAttention: dropout must be a probability between 0 and 1, got {dropout!r}")
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = float(dropout)
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(creation.zeros(3 * embed_dim, embed_dim, dtype=dtype))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = Parameter(creation.zeros(embed_dim, embed_dim, dtype=dtype))
            self.k_proj_weight = Parameter(creation.zeros(embed_dim, self.kdim, dtype=dtype))
            self.v_proj_weight = Parameter(creation.zeros(embed_dim, self.vdim, dtype=dtype))
            self.register_parameter("in_proj_weight", None)
        self.register_parameter("in_proj_bias", Parameter(creation.zeros(3 * embed_dim, dtype=dtype)) if bias else None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, dtype=dtype)
        if add_bias_kv:
            self.bias_k = Parameter(creation.zeros(1, 1, embed_dim, dtype=dtype))
            self.bias_v = Parameter(creation.zeros(1, 1, embed_dim, dtype=dtype))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        # PyTorch's: Xavier-uniform projections, zero biases, Xavier-normal bias_k/bias_v; out_proj.weight keeps
        # Linear's default.
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Tensor | None = None,
        need_weights: bool = True,
        attn_mask: Tensor | None = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        if self._qkv_same_embed_dim:
            weights = split_packed(self.in_proj_weight, self.embed_dim)
        else:
            weights = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        return multi_head_attention(
            "MultiheadAttention",
            query,
            key,
            value,
            self.num_heads,
            weights,
            self.in_proj_bias,
            self.bias_k,
            self.bias_v,
            self.add_zero_attn,
            self.dropout if self.training else 0.0,
            self.out_proj,
            key_padding_mask,
            need_weights,
            attn_mask,
            average_attn_weights,
            is_causal,
            self.batch_first,
        )
