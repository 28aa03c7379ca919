"""Fused LSTM and GRU gate ops: finite-difference gradients (float64), and the same values and gradients as the
composition of primitives they replace, in float32."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import lucid
from lucid.autograd.ops import elementwise as ew
from lucid.autograd.ops.recurrent import gru_cell_update, lstm_cell_output, lstm_cell_state
from tests.gradcheck import GradCase, check_gradients

_H = 3

CASES = {
    "LSTMCellState": [
        GradCase(lstm_cell_state, [(2, 4 * _H), (2, 4 * _H), (2, _H)], "lstm cell state"),
        GradCase(lstm_cell_state, [(4 * _H,), (4 * _H,), (_H,)], "lstm cell state, one sample"),
    ],
    "LSTMCellOutput": [
        GradCase(lstm_cell_output, [(2, 4 * _H), (2, 4 * _H), (2, _H)], "lstm cell output"),
        GradCase(lstm_cell_output, [(2, 3, 4 * _H), (2, 3, 4 * _H), (2, 3, _H)], "lstm cell output, 3-d"),
    ],
    "GRUCellUpdate": [
        GradCase(gru_cell_update, [(2, 3 * _H), (2, 3 * _H), (2, _H)], "gru update"),
        GradCase(gru_cell_update, [(3 * _H,), (3 * _H,), (_H,)], "gru update, one sample"),
    ],
}


@pytest.mark.parametrize("case", [c for cases in CASES.values() for c in cases], ids=lambda c: c.label)
def test_recurrent_gate_gradients_match_finite_differences(case: GradCase) -> None:
    check_gradients(case)


def _composed_lstm_state(x: lucid.Tensor, h: lucid.Tensor, c: lucid.Tensor) -> lucid.Tensor:
    gates = x + h
    i, f, g = ew.sigmoid(gates[:, :_H]), ew.sigmoid(gates[:, _H : 2 * _H]), ew.tanh(gates[:, 2 * _H : 3 * _H])
    return f * c + i * g


def _composed_lstm_output(x: lucid.Tensor, h: lucid.Tensor, c: lucid.Tensor) -> lucid.Tensor:
    return ew.sigmoid((x + h)[:, 3 * _H :]) * ew.tanh(c)


def _composed_gru(x: lucid.Tensor, h_part: lucid.Tensor, h: lucid.Tensor) -> lucid.Tensor:
    rz = ew.sigmoid(x[:, : 2 * _H] + h_part[:, : 2 * _H])
    r, z = rz[:, :_H], rz[:, _H:]
    n = ew.tanh(x[:, 2 * _H :] + r * h_part[:, 2 * _H :])
    return (1.0 - z) * n + z * h


@pytest.mark.parametrize(
    ("fused", "composed", "chunks"),
    [
        (lstm_cell_state, _composed_lstm_state, 4),
        (lstm_cell_output, _composed_lstm_output, 4),
        (gru_cell_update, _composed_gru, 3),
    ],
)
def test_fused_gates_match_the_composition_in_float32(
    fused: Callable[..., lucid.Tensor], composed: Callable[..., lucid.Tensor], chunks: int
) -> None:
    rng = np.random.default_rng(5)
    # Large pre-activations too, where the sigmoid and tanh saturate.
    arrays = [(rng.standard_normal((4, chunks * _H)) * 4).astype(np.float32) for _ in range(2)]
    arrays.append(rng.standard_normal((4, _H)).astype(np.float32))
    weights = lucid.tensor(rng.standard_normal((4, _H)).astype(np.float32))
    results = []
    for fn in (fused, composed):
        tensors = [lucid.tensor(a, requires_grad=True) for a in arrays]
        out = fn(*tensors)
        (out * weights).sum().backward()
        assert out.dtype == np.float32 and all(t.grad.dtype == np.float32 for t in tensors)
        results.append([out.numpy(), *(t.grad for t in tensors)])
    for ours, reference in zip(*results, strict=True):
        np.testing.assert_allclose(ours, reference, rtol=1e-5, atol=1e-6)


def test_gate_shapes_are_checked() -> None:
    with pytest.raises(ValueError, match=r"lstm_cell_state: expected gate pre-activations of shape \(2, 12\)"):
        lstm_cell_state(lucid.zeros(2, 9), lucid.zeros(2, 12), lucid.zeros(2, 3))
    with pytest.raises(ValueError, match=r"gru_cell_update: .* for a state of shape \(2, 3\), got \(2, 8\)"):
        gru_cell_update(lucid.zeros(2, 9), lucid.zeros(2, 8), lucid.zeros(2, 3))
