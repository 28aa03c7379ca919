"""Attention and transformers against PyTorch (the harness: tests/parity.py): scaled_dot_product_attention,
multi_head_attention_forward, MultiheadAttention and the Transformer family, with every kind of mask, both layouts,
unbatched inputs and the layers' flags; torch's state_dict loads strictly into each of ours."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from lucid import nn
from lucid.nn import functional as F  # noqa: N812 - PyTorch's spelling
from tests.parity import Const, LayerCase, OpCase, check_layer, check_op, layer_params, op_params, torch

pytestmark = pytest.mark.torch

tnn = torch.nn
TF = torch.nn.functional

_rng = np.random.default_rng(11)


def _float_mask(*shape: int) -> Const:
    """An additive float mask: random values, with some -inf (never a whole row)."""
    values = _rng.standard_normal(shape).astype(np.float32)
    values[..., 0] = 0.0  # the first key stays visible to every query
    values[_rng.random(shape) < 0.25] = -np.inf
    values[..., 0] = np.where(np.isinf(values[..., 0]), 0.0, values[..., 0])
    return Const(values)


def _bool_mask(*shape: int, keep: bool) -> np.ndarray:
    """A random bool mask where the first key is always `keep` (visible) for every query."""
    mask = _rng.random(shape) < 0.3
    mask = ~mask if keep else mask
    mask[..., 0] = keep
    return mask


def _causal_float(size: int) -> Const:
    return Const(np.triu(np.full((size, size), -np.inf, dtype=np.float32), k=1))


# ---- scaled_dot_product_attention ------------------------------------------------------------------------------

_ALL_MASKED_ROW = np.ones((4, 6), dtype=bool)
_ALL_MASKED_ROW[2] = False  # query 2 sees nothing: zeros, as in PyTorch


def _sdpa(**options: Any) -> tuple[Callable[..., Any], Callable[..., Any]]:
    def ours(q: Any, k: Any, v: Any, mask: Any = None) -> Any:
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, **options)

    def theirs(q: Any, k: Any, v: Any, mask: Any = None) -> Any:
        return TF.scaled_dot_product_attention(q, k, v, attn_mask=mask, **options)

    return ours, theirs


def _sdpa_case(label: str, inputs: list[Any], **options: Any) -> OpCase:
    ours, theirs = _sdpa(**options)
    return OpCase("MatMul", f"scaled_dot_product_attention {label}", ours, theirs, inputs)


OP_CASES: list[OpCase] = [
    _sdpa_case("4-d", [(2, 3, 4, 8), (2, 3, 6, 8), (2, 3, 6, 5)]),
    _sdpa_case("3-d", [(2, 4, 8), (2, 6, 8), (2, 6, 8)]),
    _sdpa_case("2-d", [(4, 8), (6, 8), (6, 3)]),
    _sdpa_case("batch axes broadcast", [(2, 1, 4, 8), (1, 3, 6, 8), (1, 3, 6, 8)]),
    _sdpa_case("bool mask (L, S)", [(2, 3, 4, 8), (2, 3, 6, 8), (2, 3, 6, 8), _bool_mask(4, 6, keep=True)]),
    _sdpa_case("bool mask (N, 1, L, S)", [(2, 3, 4, 8), (2, 3, 6, 8), (2, 3, 6, 8), _bool_mask(2, 1, 4, 6, keep=True)]),
    _sdpa_case("float mask (N, H, L, S)", [(2, 3, 4, 8), (2, 3, 6, 8), (2, 3, 6, 8), _float_mask(2, 3, 4, 6)]),
    _sdpa_case("float mask (1, S)", [(2, 3, 4, 8), (2, 3, 6, 8), (2, 3, 6, 8), _float_mask(1, 6)]),
    _sdpa_case("a fully masked query gives zeros", [(2, 4, 8), (2, 6, 8), (2, 6, 8), _ALL_MASKED_ROW]),
    _sdpa_case("causal L == S", [(2, 3, 5, 8), (2, 3, 5, 8), (2, 3, 5, 8)], is_causal=True),
    _sdpa_case("causal L < S", [(2, 3, 4, 8), (2, 3, 7, 8), (2, 3, 7, 8)], is_causal=True),
    _sdpa_case("causal L > S", [(2, 3, 7, 8), (2, 3, 4, 8), (2, 3, 4, 8)], is_causal=True),
    _sdpa_case("scale", [(2, 4, 8), (2, 6, 8), (2, 6, 8)], scale=0.7),
    _sdpa_case("grouped query heads", [(2, 6, 4, 8), (2, 2, 5, 8), (2, 2, 5, 3)], enable_gqa=True),
    _sdpa_case(
        "grouped query heads, causal", [(1, 4, 5, 8), (1, 2, 5, 8), (1, 2, 5, 8)], enable_gqa=True, is_causal=True
    ),
    _sdpa_case("dropout_p=0", [(2, 4, 8), (2, 6, 8), (2, 6, 8)], dropout_p=0.0),
]

_E, _H = 8, 2  # embedding size and heads of every attention case
_W_IN, _B_IN, _W_OUT, _B_OUT = (3 * _E, _E), (3 * _E,), (_E, _E), (_E,)


def _mha_function(**options: Any) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """multi_head_attention_forward of either library on (query, key, value, weights..., key_padding_mask)."""

    def run(
        fn: Callable[..., Any],
        q: Any,
        k: Any,
        v: Any,
        w_in: Any,
        b_in: Any,
        w_out: Any,
        b_out: Any,
        padding: Any = None,
    ) -> Any:
        return fn(
            q, k, v, _E, _H, w_in, b_in, None, None, False, 0.0, w_out, b_out, key_padding_mask=padding, **options
        )

    return (
        lambda *args: run(F.multi_head_attention_forward, *args),
        lambda *args: run(TF.multi_head_attention_forward, *args),
    )


def _mha_op(label: str, query: tuple[int, ...], key: tuple[int, ...], *extra: Any, **options: Any) -> OpCase:
    ours, theirs = _mha_function(**options)
    weights = [_W_IN, _B_IN, _W_OUT, _B_OUT]
    return OpCase("MatMul", f"multi_head_attention_forward {label}", ours, theirs, [query, key, key, *weights, *extra])


OP_CASES += [
    _mha_op("weights averaged", (5, 3, 8), (6, 3, 8)),
    _mha_op(
        "weights per head, bool padding", (5, 3, 8), (6, 3, 8), _bool_mask(3, 6, keep=False), average_attn_weights=False
    ),
    _mha_op("no weights, unbatched", (5, 8), (6, 8), need_weights=False),
]


def _mha_static(fn: Callable[..., Any]) -> Callable[..., Any]:
    """multi_head_attention_forward with separate projections and precomputed (static) keys and values."""

    def run(q: Any, k: Any, v: Any, w_q: Any, w_k: Any, w_v: Any, w_out: Any, static_k: Any, static_v: Any) -> Any:
        return fn(
            q,
            k,
            v,
            _E,
            _H,
            None,
            None,
            None,
            None,
            False,
            0.0,
            w_out,
            None,
            use_separate_proj_weight=True,
            q_proj_weight=w_q,
            k_proj_weight=w_k,
            v_proj_weight=w_v,
            static_k=static_k,
            static_v=static_v,
        )

    return run


OP_CASES.append(
    OpCase(
        "MatMul",
        "multi_head_attention_forward separate weights, static keys and values",
        _mha_static(F.multi_head_attention_forward),
        _mha_static(TF.multi_head_attention_forward),
        [(5, 3, 8), (6, 3, 5), (6, 3, 5), (8, 8), (8, 5), (8, 5), (8, 8), (3 * _H, 7, 4), (3 * _H, 7, 4)],
    )
)


# ---- layers -----------------------------------------------------------------------------------------------------


def _quietly(build: Callable[[Any], Any], library: Any) -> Any:
    with warnings.catch_warnings():
        # torch's TransformerEncoder warns that its nested-tensor fast path is off; lucid has none either way.
        warnings.simplefilter("ignore", UserWarning)
        return build(library)


def _case(
    label: str,
    build: Callable[[Any], Any],
    inputs: list[Any],
    modes: tuple[str, ...] = ("train", "eval"),
    **forward: Any,
) -> LayerCase:
    """A case whose layer is `build(nn)` in lucid and `build(torch.nn)` in PyTorch."""
    return LayerCase(label, lambda: build(nn), lambda: _quietly(build, tnn), inputs, kwargs=forward, modes=modes)


def _gelu(library: Any) -> Callable[..., Any]:
    return F.gelu if library is nn else TF.gelu


_SEQ = [(5, 3, 8), (6, 3, 8), (6, 3, 8)]  # (L, N, E) query, (S, N, E) key and value
_BATCH_FIRST = [(3, 5, 8), (3, 6, 8), (3, 6, 8)]
_UNBATCHED = [(5, 8), (6, 8), (6, 8)]
_FULLY_PADDED = np.zeros((3, 6), dtype=bool)
_FULLY_PADDED[1] = True  # sample 1 has no key left: zeros through the attention (need_weights=False)

LAYER_CASES: list[LayerCase] = [
    _case("MHA sequence first", lambda m: m.MultiheadAttention(_E, _H), _SEQ),
    _case("MHA batch first", lambda m: m.MultiheadAttention(_E, _H, batch_first=True), _BATCH_FIRST),
    _case("MHA no weights", lambda m: m.MultiheadAttention(_E, _H), _SEQ, need_weights=False),
    _case(
        "MHA weights per head",
        lambda m: m.MultiheadAttention(_E, _H, batch_first=True),
        _BATCH_FIRST,
        average_attn_weights=False,
    ),
    _case("MHA kdim vdim", lambda m: m.MultiheadAttention(_E, _H, kdim=5, vdim=3), [(5, 3, 8), (6, 3, 5), (6, 3, 3)]),
    _case(
        "MHA kdim vdim batch first",
        lambda m: m.MultiheadAttention(_E, _H, kdim=4, vdim=4, batch_first=True),
        [(3, 5, 8), (3, 6, 4), (3, 6, 4)],
    ),
    _case("MHA no bias", lambda m: m.MultiheadAttention(_E, _H, bias=False), _SEQ),
    _case("MHA add_bias_kv", lambda m: m.MultiheadAttention(_E, _H, add_bias_kv=True), _SEQ),
    _case("MHA add_zero_attn", lambda m: m.MultiheadAttention(_E, _H, add_zero_attn=True), _SEQ),
    _case(
        "MHA bias_kv, zero_attn and both masks",
        lambda m: m.MultiheadAttention(_E, _H, add_bias_kv=True, add_zero_attn=True),
        _SEQ,
        attn_mask=_bool_mask(5, 6, keep=False),
        key_padding_mask=_bool_mask(3, 6, keep=False),
    ),
    _case(
        "MHA bool attn_mask (L, S)",
        lambda m: m.MultiheadAttention(_E, _H),
        _SEQ,
        attn_mask=_bool_mask(5, 6, keep=False),
    ),
    _case(
        "MHA float attn_mask (N * heads, L, S)",
        lambda m: m.MultiheadAttention(_E, _H),
        _SEQ,
        attn_mask=_float_mask(6, 5, 6),
    ),
    _case(
        "MHA bool key_padding_mask",
        lambda m: m.MultiheadAttention(_E, _H, batch_first=True),
        _BATCH_FIRST,
        key_padding_mask=_bool_mask(3, 6, keep=False),
    ),
    _case(
        "MHA float key_padding_mask", lambda m: m.MultiheadAttention(_E, _H), _SEQ, key_padding_mask=_float_mask(3, 6)
    ),
    _case(
        "MHA bool masks merged, no weights",
        lambda m: m.MultiheadAttention(_E, _H),
        _SEQ,
        need_weights=False,
        attn_mask=_bool_mask(6, 5, 6, keep=False),
        key_padding_mask=_bool_mask(3, 6, keep=False),
    ),
    _case(
        "MHA float attn_mask, bool padding",
        lambda m: m.MultiheadAttention(_E, _H),
        _SEQ,
        attn_mask=_float_mask(5, 6),
        key_padding_mask=_bool_mask(3, 6, keep=False),
    ),
    _case(
        "MHA fully padded sample",
        lambda m: m.MultiheadAttention(_E, _H),
        _SEQ,
        need_weights=False,
        key_padding_mask=_FULLY_PADDED,
    ),
    _case(
        "MHA is_causal hint",
        lambda m: m.MultiheadAttention(_E, _H),
        [(5, 3, 8)] * 3,
        need_weights=False,
        attn_mask=_causal_float(5),
        is_causal=True,
    ),
    _case(
        "MHA is_causal hint with weights",
        lambda m: m.MultiheadAttention(_E, _H),
        [(5, 3, 8)] * 3,
        attn_mask=_causal_float(5),
        is_causal=True,
    ),
    _case("MHA unbatched", lambda m: m.MultiheadAttention(_E, _H), _UNBATCHED),
    _case(
        "MHA unbatched with masks",
        lambda m: m.MultiheadAttention(_E, _H, batch_first=True),
        _UNBATCHED,
        average_attn_weights=False,
        attn_mask=_float_mask(_H, 5, 6),
        key_padding_mask=_bool_mask(6, keep=False),
    ),
    _case(
        "MHA unbatched kdim vdim, no weights",
        lambda m: m.MultiheadAttention(_E, _H, kdim=3, vdim=7),
        [(5, 8), (6, 3), (6, 7)],
        need_weights=False,
    ),
    _case("MHA dropout in eval", lambda m: m.MultiheadAttention(_E, _H, dropout=0.4), _SEQ, modes=("eval",)),
]

_SRC, _SRC_BF, _TGT, _TGT_BF = (6, 3, 8), (3, 6, 8), (5, 3, 8), (3, 5, 8)


def _encoder_layer(m: Any, **kwargs: Any) -> Any:
    return m.TransformerEncoderLayer(_E, _H, 16, 0.0, **kwargs)


def _decoder_layer(m: Any, **kwargs: Any) -> Any:
    return m.TransformerDecoderLayer(_E, _H, 16, 0.0, **kwargs)


LAYER_CASES += [
    _case("encoder layer post-norm", _encoder_layer, [_SRC]),
    _case(
        "encoder layer pre-norm gelu batch first",
        lambda m: _encoder_layer(m, activation="gelu", norm_first=True, batch_first=True),
        [_SRC_BF],
        src_key_padding_mask=_bool_mask(3, 6, keep=False),
    ),
    _case(
        "encoder layer callable activation, no bias",
        lambda m: _encoder_layer(m, activation=_gelu(m), bias=False),
        [_SRC],
        src_mask=_float_mask(6, 6),
    ),
    _case(
        "encoder layer causal mask and padding",
        lambda m: _encoder_layer(m, layer_norm_eps=1e-3),
        [_SRC],
        src_mask=_causal_float(6),
        is_causal=True,
        src_key_padding_mask=_bool_mask(3, 6, keep=False),
    ),
    _case(
        "encoder layer fully padded sample",
        lambda m: _encoder_layer(m, batch_first=True),
        [_SRC_BF],
        src_key_padding_mask=_FULLY_PADDED,
    ),
    _case("encoder layer unbatched", _encoder_layer, [(6, 8)], src_mask=_bool_mask(6, 6, keep=False)),
    _case(
        "encoder layer dropout in eval", lambda m: m.TransformerEncoderLayer(_E, _H, 16, 0.3), [_SRC], modes=("eval",)
    ),
    _case("decoder layer post-norm", _decoder_layer, [_TGT, _SRC], tgt_mask=_causal_float(5)),
    _case(
        "decoder layer pre-norm gelu batch first, every mask",
        lambda m: _decoder_layer(m, norm_first=True, activation="gelu", batch_first=True),
        [_TGT_BF, _SRC_BF],
        tgt_mask=_causal_float(5),
        tgt_is_causal=True,
        memory_mask=_bool_mask(5, 6, keep=False),
        tgt_key_padding_mask=_bool_mask(3, 5, keep=False),
        memory_key_padding_mask=_float_mask(3, 6),
    ),
    _case("decoder layer unbatched, no bias", lambda m: _decoder_layer(m, bias=False), [(5, 8), (6, 8)]),
    _case(
        "encoder 2 layers and a norm",
        lambda m: m.TransformerEncoder(_encoder_layer(m), 2, m.LayerNorm(_E)),
        [_SRC],
        mask=_causal_float(6),
        src_key_padding_mask=_bool_mask(3, 6, keep=False),
    ),
    _case(
        "encoder pre-norm is_causal",
        lambda m: m.TransformerEncoder(_encoder_layer(m, norm_first=True, batch_first=True), 3),
        [_SRC_BF],
        mask=_causal_float(6),
        is_causal=True,
    ),
    _case(
        "decoder 2 layers and a norm",
        lambda m: m.TransformerDecoder(_decoder_layer(m), 2, m.LayerNorm(_E)),
        [_TGT, _SRC],
        tgt_mask=_causal_float(5),
        memory_key_padding_mask=_bool_mask(3, 6, keep=False),
    ),
    _case(
        "transformer 2 + 1 layers",
        lambda m: m.Transformer(_E, _H, 2, 1, 16, 0.0),
        [_SRC, _TGT],
        tgt_mask=_causal_float(5),
        src_key_padding_mask=_bool_mask(3, 6, keep=False),
    ),
    _case(
        "transformer pre-norm gelu batch first",
        lambda m: m.Transformer(_E, _H, 1, 2, 16, 0.0, activation="gelu", norm_first=True, batch_first=True),
        [_SRC_BF, _TGT_BF],
        tgt_mask=_causal_float(5),
        tgt_is_causal=True,
    ),
]


@pytest.mark.parametrize("case", op_params(OP_CASES))
def test_function_matches_torch(case: OpCase) -> None:
    check_op(case)


@pytest.mark.parametrize(("case", "mode"), layer_params(LAYER_CASES))
def test_layer_matches_torch(case: LayerCase, mode: str) -> None:
    with warnings.catch_warnings():
        # PyTorch warns that a float attn_mask with a bool key_padding_mask is deprecated; both still merge them.
        warnings.simplefilter("ignore", UserWarning)
        check_layer(case, mode)
