"""lucid-viz on attention, transformer and recurrent models: a real trace and a shape-only one agree exactly, the MAC
count is every matmul of the forward (projections, q @ k^T, weights @ v, each time step's h @ W_hh^T), masks given
as keyword arguments are traced, and the chart shows the attention and recurrent modules."""

from __future__ import annotations

import numpy as np
import pytest

import lucid
import viz
from lucid import nn

_E, _HEADS, _FF = 32, 4, 64


class Encoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        layer = nn.TransformerEncoderLayer(_E, _HEADS, _FF, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2, norm=nn.LayerNorm(_E))

    def forward(self, x: lucid.Tensor, mask: lucid.Tensor | None = None) -> lucid.Tensor:
        return self.encoder(x, mask=mask)


class Decoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.decoder = nn.TransformerDecoder(nn.TransformerDecoderLayer(_E, _HEADS, _FF), num_layers=2)

    def forward(self, tgt: lucid.Tensor, memory: lucid.Tensor) -> lucid.Tensor:
        mask = nn.Transformer.generate_square_subsequent_mask(tgt.shape[0])
        return self.decoder(tgt, memory, tgt_mask=mask, tgt_is_causal=True)


class Tagger(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(16, 24, num_layers=2, batch_first=True, bidirectional=True)
        self.out = nn.Linear(48, 5)

    def forward(self, x: lucid.Tensor) -> lucid.Tensor:
        return self.out(self.lstm(x)[0])


def _encoder_layer_macs(batch: int, length: int) -> int:
    tokens = batch * length
    projections = 4 * tokens * _E * _E  # q, k, v and out_proj
    attention = 2 * batch * length * length * _E  # q @ k^T and weights @ v over all heads
    feed_forward = 2 * tokens * _E * _FF
    return projections + attention + feed_forward


def _decoder_layer_macs(batch: int, length: int, source: int) -> int:
    tokens = batch * length
    self_attention = 4 * tokens * _E * _E + 2 * batch * length * length * _E
    cross_attention = 2 * tokens * _E * _E + 2 * batch * source * _E * _E + 2 * batch * length * source * _E
    return self_attention + cross_attention + 2 * tokens * _E * _FF


def _lstm_macs(batch: int, steps: int, sizes: list[int], hidden: int) -> int:
    gates = 4 * hidden
    per_direction = [batch * steps * size * gates + steps * batch * hidden * gates for size in sizes]
    return 2 * sum(per_direction)  # both directions


CASES = [
    pytest.param(Encoder, (2, 7, _E), 2 * _encoder_layer_macs(2, 7), id="encoder"),
    pytest.param(Decoder, ((5, 2, _E), (7, 2, _E)), 2 * _decoder_layer_macs(2, 5, 7), id="decoder"),
    pytest.param(Tagger, (3, 9, 16), _lstm_macs(3, 9, [16, 48], 24) + 3 * 9 * 48 * 5, id="lstm"),
]


@pytest.mark.parametrize(("build", "shapes", "macs"), CASES)
def test_real_and_shape_only_traces_agree_and_count_every_matmul(build: type, shapes: tuple, macs: int) -> None:
    model = build()
    inputs = tuple(lucid.randn(*s) for s in shapes) if isinstance(shapes[0], tuple) else lucid.randn(*shapes)
    real = viz.trace(model, inputs=inputs)
    shape_only = viz.trace(model, shapes, meta=True)
    assert shape_only.to_json() == viz.trace(model, shapes).to_json()
    assert [c.output_shapes for c in real.calls] == [c.output_shapes for c in shape_only.calls]
    assert sum(call.macs for call in real.calls) == sum(call.macs for call in shape_only.calls) == macs
    with lucid.meta():
        weightless = build()
    assert viz.trace(weightless, shapes, meta=True).to_json() == shape_only.to_json()


def test_a_mask_given_as_a_keyword_is_traced_and_changes_nothing_in_the_model() -> None:
    model = Encoder()
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    mask = nn.Transformer.generate_square_subsequent_mask(7)
    trace = viz.trace(model, (2, 7, _E), mask=mask, mode="train")
    assert trace.output_shapes == [(2, 7, _E)]
    assert all(np.array_equal(v.numpy(), before[k]) for k, v in model.state_dict().items())


def test_the_chart_shows_the_attention_and_recurrent_modules() -> None:
    encoder_chart = viz.mermaid(Encoder(), (2, 7, _E), depth=6, show_macs=True)
    assert "TransformerEncoderLayer x 2" in encoder_chart
    assert "MultiheadAttention" in encoder_chart
    decoder_chart = viz.mermaid(Decoder(), ((5, 2, _E), (7, 2, _E)), depth=4)
    assert decoder_chart.count("TransformerDecoderLayer") >= 2
    lstm_chart = viz.mermaid(Tagger(), (3, 9, 16), show_shapes=True)
    assert "LSTM" in lstm_chart and "(3,9,48)" in lstm_chart
