"""Attention and transformer behaviour beyond value parity: errors that name the layer, the argument and the shapes;
fully masked queries; dropout only in training; independent copies in the stacks; PyTorch's names, init and
masks."""

from __future__ import annotations

import copy
import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import lucid
from lucid import nn
from lucid.nn import functional as F  # noqa: N812 - PyTorch's spelling

torch = pytest.importorskip("torch")


def _tensor(*shape: int) -> lucid.Tensor:
    return lucid.randn(*shape)


# ---- errors ---------------------------------------------------------------------------------------------------


def test_embed_dim_not_divisible_by_num_heads_is_refused() -> None:
    with pytest.raises(
        ValueError, match=re.escape("MultiheadAttention: embed_dim (10) must be divisible by num_heads (3)")
    ):
        nn.MultiheadAttention(10, 3)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"attn_mask": lucid.zeros(4, 4)},
            "MultiheadAttention: attn_mask of shape (4, 4) does not fit query length 5 and key length 6: "
            "expected (5, 6) or (6, 5, 6)",
        ),
        (
            {"key_padding_mask": lucid.zeros(3, 5, dtype="bool")},
            "MultiheadAttention: expected key_padding_mask of shape (3, 6) (batch, key length), got (3, 5)",
        ),
        (
            {"attn_mask": lucid.zeros(5, 6, dtype="int64")},
            "MultiheadAttention: attn_mask must be a bool mask or a float mask of the query's dtype float32, "
            "got dtype int64",
        ),
        (
            {"attn_mask": lucid.zeros(5, 6, dtype="float64")},
            "MultiheadAttention: attn_mask must be a bool mask or a float mask of the query's dtype float32",
        ),
        (
            {"is_causal": True},
            "MultiheadAttention: is_causal=True is a hint that attn_mask is the causal mask, so it needs attn_mask",
        ),
    ],
)
def test_multihead_attention_refuses_bad_masks(kwargs: dict, message: str) -> None:
    mha = nn.MultiheadAttention(8, 2)
    with pytest.raises((ValueError, TypeError), match=re.escape(message)):
        mha(_tensor(5, 3, 8), _tensor(6, 3, 8), _tensor(6, 3, 8), **kwargs)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ((5, 3, 7), (6, 3, 8), (6, 3, 8)),
            "MultiheadAttention: expected query with last dimension 8, got shape (5, 3, 7)",
        ),
        (((5, 3, 8), (6, 3, 8), (6, 8)), "MultiheadAttention: key and value must have as many dimensions as query (3)"),
        (((5, 3, 8), (6, 2, 8), (6, 2, 8)), "query, key and value must share the batch size"),
        (((5, 3, 8), (6, 3, 8), (7, 3, 8)), "got shapes (5, 3, 8), (6, 3, 8) and (7, 3, 8)"),
        (((4, 5, 3, 8),) * 3, "MultiheadAttention: expected query of shape (L, N, E)"),
    ],
)
def test_multihead_attention_refuses_bad_inputs(args: tuple, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        nn.MultiheadAttention(8, 2)(*(_tensor(*shape) for shape in args))


@pytest.mark.parametrize(
    ("shapes", "kwargs", "message"),
    [
        (
            ((2, 4, 8), (2, 6, 8), (2, 6, 8)),
            {"attn_mask": lucid.zeros(4, 5)},
            "scaled_dot_product_attention: attn_mask of shape (4, 5) does not broadcast to the attention weights' "
            "shape (2, 4, 6) (..., L, S)",
        ),
        (
            ((2, 4, 8), (2, 6, 8), (2, 6, 8)),
            {"attn_mask": lucid.zeros(4, 6, dtype="bool"), "is_causal": True},
            "scaled_dot_product_attention: give attn_mask or is_causal=True, not both",
        ),
        (
            ((2, 4, 8), (2, 6, 7), (2, 6, 8)),
            {},
            "scaled_dot_product_attention: query and key must have the same last dimension, got shapes (2, 4, 8) "
            "and (2, 6, 7)",
        ),
        (
            ((2, 4, 8), (2, 6, 8), (2, 5, 8)),
            {},
            "scaled_dot_product_attention: key and value must have the same length (axis -2)",
        ),
        (
            ((2, 4, 4, 8), (3, 2, 6, 8), (3, 2, 6, 8)),
            {},
            "scaled_dot_product_attention: the leading axes of query (2, 4, 4, 8), key (3, 2, 6, 8) and value "
            "(3, 2, 6, 8) cannot be broadcast together",
        ),
        (
            ((1, 6, 4, 8), (1, 4, 6, 8), (1, 4, 6, 8)),
            {"enable_gqa": True},
            "with enable_gqa the query's heads (6) must be a multiple of the key's (4)",
        ),
        (((8,), (6, 8), (6, 8)), {}, "scaled_dot_product_attention: query needs at least 2 dimensions"),
        (((4, 8), (6, 8), (6, 8)), {"dropout_p": 1.5}, "dropout_p must be a probability between 0 and 1, got 1.5"),
    ],
)
def test_scaled_dot_product_attention_refuses_bad_input(shapes: tuple, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        F.scaled_dot_product_attention(*(_tensor(*s) for s in shapes), **kwargs)


def test_transformer_layers_name_their_own_arguments() -> None:
    encoder_layer = nn.TransformerEncoderLayer(8, 2, 16)
    with pytest.raises(ValueError, match=re.escape("TransformerEncoderLayer: src_mask of shape (5, 5) does not fit")):
        encoder_layer(_tensor(6, 3, 8), src_mask=lucid.zeros(5, 5))
    with pytest.raises(
        ValueError, match=re.escape("TransformerEncoderLayer: expected src_key_padding_mask of shape (3, 6)")
    ):
        encoder_layer(_tensor(6, 3, 8), src_key_padding_mask=lucid.zeros(6, 3, dtype="bool"))
    with pytest.raises(ValueError, match=re.escape("TransformerEncoderLayer: expected src of shape (S, N, 8)")):
        encoder_layer(_tensor(6, 3, 9))
    decoder_layer = nn.TransformerDecoderLayer(8, 2, 16)
    with pytest.raises(
        ValueError, match=re.escape("TransformerDecoderLayer: memory_mask of shape (5, 5) does not fit")
    ):
        decoder_layer(_tensor(5, 3, 8), _tensor(6, 3, 8), memory_mask=lucid.zeros(5, 5))
    with pytest.raises(ValueError, match=re.escape("tgt and memory must both be batched with the same batch size")):
        decoder_layer(_tensor(5, 3, 8), _tensor(6, 2, 8))
    model = nn.Transformer(8, 2, 1, 1, 16)
    with pytest.raises(ValueError, match=re.escape("Transformer: src and tgt must have the same batch size (axis 1)")):
        model(_tensor(6, 3, 8), _tensor(5, 2, 8))
    with pytest.raises(ValueError, match=re.escape("Transformer: expected tgt of shape (S, N, 8)")):
        model(_tensor(6, 3, 8), _tensor(5, 3, 4))


def test_bad_transformer_settings_are_refused() -> None:
    with pytest.raises(
        ValueError,
        match=re.escape("TransformerEncoderLayer: activation must be 'relu', 'gelu' or a callable, got 'tanh'"),
    ):
        nn.TransformerEncoderLayer(8, 2, activation="tanh")
    with pytest.raises(ValueError, match=re.escape("TransformerEncoder: num_layers must be a positive integer, got 0")):
        nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2), 0)
    with pytest.raises(TypeError, match=re.escape("TransformerDecoder: expected a layer Module to repeat, got str")):
        nn.TransformerDecoder("layer", 2)  # type: ignore[arg-type]
    with pytest.raises(
        ValueError, match=re.escape("MultiheadAttention: dropout must be a probability between 0 and 1, got 2")
    ):
        nn.MultiheadAttention(8, 2, dropout=2)


# ---- behaviour -------------------------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # the NaN rows PyTorch gives too
def test_a_fully_masked_query_is_nan_with_weights_and_zero_without_as_in_pytorch() -> None:
    mha = nn.MultiheadAttention(8, 2, batch_first=True)
    x = _tensor(2, 4, 8)
    padding = lucid.tensor(np.array([[True] * 4, [False] * 4]))
    with_weights, weights = mha(x, x, x, key_padding_mask=padding)
    assert np.isnan(with_weights.numpy()[0]).all() and np.isnan(weights.numpy()[0]).all()
    assert np.isfinite(with_weights.numpy()[1]).all()
    q = lucid.randn(2, 4, 8, requires_grad=True)
    without, none = mha(q, q, q, key_padding_mask=padding, need_weights=False)
    assert none is None
    np.testing.assert_allclose(without.numpy()[0], np.broadcast_to(mha.out_proj.bias.numpy(), (4, 8)), atol=1e-6)
    without.sum().backward()
    assert np.isfinite(q.grad).all() and np.isfinite(mha.in_proj_weight.grad).all()


def test_attention_dropout_acts_in_training_only() -> None:
    mha = nn.MultiheadAttention(8, 2, dropout=0.5)
    plain = nn.MultiheadAttention(8, 2)
    plain.load_state_dict(mha.state_dict())
    x = _tensor(5, 3, 8)
    mha.eval()
    np.testing.assert_allclose(mha(x, x, x)[0].numpy(), plain(x, x, x)[0].numpy(), atol=1e-6)
    mha.train()
    _, dropped = mha(x, x, x, average_attn_weights=False)
    values = dropped.numpy()
    assert (values == 0).mean() > 0.2  # dropped weights, the rest scaled by 1 / (1 - p)
    np.testing.assert_allclose(values.sum(axis=-1).mean(), 1.0, atol=0.3)


def test_functional_attention_drops_whenever_dropout_p_is_positive() -> None:
    q = _tensor(2, 16, 8)
    first = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5).numpy()
    second = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5).numpy()
    assert not np.allclose(first, second)
    kept = F.scaled_dot_product_attention(q, q, q, dropout_p=0.0).numpy()
    np.testing.assert_array_equal(kept, F.scaled_dot_product_attention(q, q, q).numpy())


def test_the_stacks_hold_independent_copies_that_start_equal() -> None:
    layer = nn.TransformerEncoderLayer(8, 2, 16)
    encoder = nn.TransformerEncoder(layer, num_layers=3)
    weights = [block.linear1.weight for block in encoder.layers]
    assert len({id(w) for w in weights}) == 3 and all(w is not layer.linear1.weight for w in weights)
    assert all(np.array_equal(w.numpy(), layer.linear1.weight.numpy()) for w in weights)
    decoder = nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16), num_layers=2)
    assert decoder.layers[0].multihead_attn is not decoder.layers[1].multihead_attn


@pytest.mark.parametrize(
    "build",
    [
        lambda m: m.MultiheadAttention(8, 2),
        lambda m: m.MultiheadAttention(8, 2, kdim=3, vdim=5, add_bias_kv=True, bias=False),
        lambda m: m.TransformerEncoder(m.TransformerEncoderLayer(8, 2, 16), 2, m.LayerNorm(8)),
        lambda m: m.TransformerDecoder(m.TransformerDecoderLayer(8, 2, 16, bias=False), 2),
        lambda m: m.Transformer(8, 2, 2, 1, 16),
        lambda m: m.TransformerEncoderLayer(8, 2, 16, activation=m.GELU()),
    ],
)
def test_state_dict_keys_shapes_and_order_are_pytorchs(build: Callable[[Any], Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        theirs = build(torch.nn)
    ours = build(nn)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in theirs.state_dict().items()
    ]


def test_initialisation_follows_pytorch() -> None:
    mha = nn.MultiheadAttention(64, 4)
    bound = np.sqrt(6.0 / (64 + 3 * 64))  # Xavier-uniform over the packed (3 E, E) weight
    weight = mha.in_proj_weight.numpy()
    assert np.abs(weight).max() <= bound and np.abs(weight).max() > 0.9 * bound
    assert not mha.in_proj_bias.numpy().any() and not mha.out_proj.bias.numpy().any()
    model = nn.Transformer(16, 2, 1, 1, 32)
    for name, p in model.named_parameters():
        if p.ndim > 1:
            fan_out, fan_in = p.shape
            assert np.abs(p.numpy()).max() <= np.sqrt(6.0 / (fan_in + fan_out)), name


def test_generate_square_subsequent_mask_is_pytorchs() -> None:
    ours = nn.Transformer.generate_square_subsequent_mask(5)
    theirs = torch.nn.Transformer.generate_square_subsequent_mask(5)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours.dtype == np.float32
    assert nn.Transformer.generate_square_subsequent_mask(2, dtype="float64").dtype == np.float64


def test_a_bool_key_padding_mask_equals_its_float_form() -> None:
    mha = nn.MultiheadAttention(8, 2)
    x = _tensor(5, 3, 8)
    hidden = np.zeros((3, 5), dtype=bool)
    hidden[:, -2:] = True
    as_bool = mha(x, x, x, key_padding_mask=lucid.tensor(hidden))[0]
    as_float = mha(x, x, x, key_padding_mask=lucid.tensor(np.where(hidden, -np.inf, 0.0).astype(np.float32)))[0]
    np.testing.assert_array_equal(as_bool.numpy(), as_float.numpy())


def test_repeated_layer_and_module_activation_are_copied() -> None:
    layer = nn.TransformerEncoderLayer(8, 2, 16, activation=nn.GELU())
    assert [name for name, _ in layer.named_children()][-1] == "activation"
    clone = copy.deepcopy(layer)
    assert clone.activation is not layer.activation
    x = _tensor(4, 2, 8)
    layer.eval()
    clone.eval()
    np.testing.assert_array_equal(layer(x).numpy(), clone(x).numpy())
