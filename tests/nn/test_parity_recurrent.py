"""Recurrent layers against PyTorch (the harness: tests/parity.py): RNN, LSTM and GRU over both layouts, stacked and
bidirectional, with and without an initial state, batched and unbatched, and the single-step cells; torch's
state_dict (weight_ih_l0, ..._reverse) loads strictly into each of ours."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from lucid import nn
from tests.parity import LayerCase, check_layer, layer_params, torch

pytestmark = pytest.mark.torch

tnn = torch.nn


def _case(
    label: str, build: Callable[[Any], Any], inputs: list[Any], modes: tuple[str, ...] = ("train", "eval")
) -> LayerCase:
    """A case whose layer is `build(nn)` in lucid and `build(torch.nn)` in PyTorch."""
    return LayerCase(label, lambda: build(nn), lambda: build(tnn), inputs, modes=modes)


_T, _N, _IN, _HID = 5, 3, 4, 6  # time steps, batch, input size, hidden size

LAYER_CASES: list[LayerCase] = [
    # RNN
    _case("RNN tanh", lambda m: m.RNN(_IN, _HID), [(_T, _N, _IN)]),
    _case("RNN with h_0", lambda m: m.RNN(_IN, _HID), [(_T, _N, _IN), (1, _N, _HID)]),
    _case("RNN relu batch first", lambda m: m.RNN(_IN, _HID, nonlinearity="relu", batch_first=True), [(_N, _T, _IN)]),
    _case(
        "RNN 2 layers bidirectional with h_0",
        lambda m: m.RNN(_IN, _HID, 2, bidirectional=True),
        [(_T, _N, _IN), (4, _N, _HID)],
    ),
    _case("RNN no bias", lambda m: m.RNN(_IN, _HID, bias=False), [(_T, _N, _IN)]),
    _case("RNN unbatched", lambda m: m.RNN(_IN, _HID, 2), [(_T, _IN)]),
    _case("RNN unbatched with h_0", lambda m: m.RNN(_IN, _HID, bidirectional=True), [(_T, _IN), (2, _HID)]),
    _case("RNN dropout in eval", lambda m: m.RNN(_IN, _HID, 3, dropout=0.5), [(_T, _N, _IN)], modes=("eval",)),
    # LSTM
    _case("LSTM", lambda m: m.LSTM(_IN, _HID), [(_T, _N, _IN)]),
    _case("LSTM with (h_0, c_0)", lambda m: m.LSTM(_IN, _HID), [(_T, _N, _IN), [(1, _N, _HID), (1, _N, _HID)]]),
    _case(
        "LSTM 2 layers bidirectional batch first",
        lambda m: m.LSTM(_IN, _HID, 2, batch_first=True, bidirectional=True),
        [(_N, _T, _IN)],
    ),
    _case(
        "LSTM 2 layers bidirectional with state",
        lambda m: m.LSTM(_IN, _HID, 2, bidirectional=True),
        [(_T, _N, _IN), [(4, _N, _HID), (4, _N, _HID)]],
    ),
    _case("LSTM proj_size", lambda m: m.LSTM(_IN, _HID, 2, proj_size=3), [(_T, _N, _IN), [(2, _N, 3), (2, _N, _HID)]]),
    _case(
        "LSTM proj_size bidirectional batch first",
        lambda m: m.LSTM(_IN, _HID, proj_size=2, bidirectional=True, batch_first=True),
        [(_N, _T, _IN)],
    ),
    _case("LSTM no bias", lambda m: m.LSTM(_IN, _HID, 2, bias=False), [(_T, _N, _IN)]),
    _case("LSTM unbatched", lambda m: m.LSTM(_IN, _HID), [(_T, _IN)]),
    _case("LSTM unbatched with state", lambda m: m.LSTM(_IN, _HID, 2), [(_T, _IN), [(2, _HID), (2, _HID)]]),
    _case("LSTM 40 steps", lambda m: m.LSTM(_IN, _HID, bidirectional=True), [(40, 2, _IN)]),
    _case("LSTM dropout 0 in train", lambda m: m.LSTM(_IN, _HID, 2, dropout=0.0), [(_T, _N, _IN)], modes=("train",)),
    _case("LSTM dropout in eval", lambda m: m.LSTM(_IN, _HID, 2, dropout=0.5), [(_T, _N, _IN)], modes=("eval",)),
    # GRU
    _case("GRU", lambda m: m.GRU(_IN, _HID), [(_T, _N, _IN)]),
    _case("GRU with h_0", lambda m: m.GRU(_IN, _HID, 2), [(_T, _N, _IN), (2, _N, _HID)]),
    _case(
        "GRU 2 layers bidirectional batch first with h_0",
        lambda m: m.GRU(_IN, _HID, 2, batch_first=True, bidirectional=True),
        [(_N, _T, _IN), (4, _N, _HID)],
    ),
    _case("GRU no bias", lambda m: m.GRU(_IN, _HID, bias=False), [(_T, _N, _IN)]),
    _case("GRU unbatched", lambda m: m.GRU(_IN, _HID, bidirectional=True), [(_T, _IN), (2, _HID)]),
    _case("GRU 33 steps", lambda m: m.GRU(_IN, _HID, 2), [(33, 2, _IN)]),
    _case("GRU dropout in eval", lambda m: m.GRU(_IN, _HID, 2, dropout=0.5), [(_T, _N, _IN)], modes=("eval",)),
    # cells
    _case("RNNCell", lambda m: m.RNNCell(_IN, _HID), [(_N, _IN)]),
    _case("RNNCell relu with hx", lambda m: m.RNNCell(_IN, _HID, nonlinearity="relu"), [(_N, _IN), (_N, _HID)]),
    _case("RNNCell no bias unbatched", lambda m: m.RNNCell(_IN, _HID, bias=False), [(_IN,), (_HID,)]),
    _case("LSTMCell", lambda m: m.LSTMCell(_IN, _HID), [(_N, _IN)]),
    _case("LSTMCell with hx", lambda m: m.LSTMCell(_IN, _HID), [(_N, _IN), [(_N, _HID), (_N, _HID)]]),
    _case("LSTMCell no bias unbatched", lambda m: m.LSTMCell(_IN, _HID, bias=False), [(_IN,), [(_HID,), (_HID,)]]),
    _case("GRUCell", lambda m: m.GRUCell(_IN, _HID), [(_N, _IN)]),
    _case("GRUCell with hx", lambda m: m.GRUCell(_IN, _HID), [(_N, _IN), (_N, _HID)]),
    _case("GRUCell no bias unbatched", lambda m: m.GRUCell(_IN, _HID, bias=False), [(_IN,)]),
]


@pytest.mark.parametrize(("case", "mode"), layer_params(LAYER_CASES))
@pytest.mark.filterwarnings("ignore:LSTM with projections:UserWarning")  # torch notes oneDNN cannot run them
def test_layer_matches_torch(case: LayerCase, mode: str) -> None:
    check_layer(case, mode)
