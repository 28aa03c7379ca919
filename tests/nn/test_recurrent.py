"""Recurrent layer behaviour beyond value parity: errors that name the layer, the argument and the shapes; dropout
between layers in training only; PyTorch's init, parameter order and repr."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import lucid
from lucid import nn
from lucid.nn.functional.recurrent import time_steps

torch = pytest.importorskip("torch")


@pytest.mark.parametrize(
    ("layer", "args", "message"),
    [
        (
            nn.LSTM(4, 6),
            ((5, 3, 7),),
            "LSTM: expected input of shape (L, N, input_size) or unbatched (L, input_size) with input_size=4, "
            "got shape (5, 3, 7)",
        ),
        (nn.GRU(4, 6, batch_first=True), ((2, 5, 3, 4),), "GRU: expected input of shape (N, L, input_size)"),
        (
            nn.RNN(4, 6, 2),
            ((5, 3, 4), (1, 3, 6)),
            "RNN: expected h_0 of shape (2, 3, 6) (num_layers * num_directions, batch, hidden size), got (1, 3, 6)",
        ),
        (
            nn.GRU(4, 6, bidirectional=True),
            ((5, 4), (2, 1, 6)),
            "GRU: expected h_0 of shape (2, 6) (num_layers * num_directions, hidden size), got (2, 1, 6)",
        ),
        (
            nn.LSTM(4, 6, proj_size=2),
            ((5, 3, 4), [(1, 3, 2), (1, 3, 2)]),
            "LSTM: expected c_0 of shape (1, 3, 6) (num_layers * num_directions, batch, hidden size), got (1, 3, 2)",
        ),
        (nn.RNNCell(4, 6), ((3, 5),), "RNNCell: expected input of shape (N, 4) or unbatched (4,) (input_size=4)"),
        (
            nn.GRUCell(4, 6),
            ((3, 4), (2, 6)),
            "GRUCell: expected hx of shape (3, 6) (batch, hidden_size), got (2, 6)",
        ),
        (
            nn.LSTMCell(4, 6),
            ((4,), [(6,), (1, 6)]),
            "LSTMCell: expected hx[1] of shape (6,) (batch, hidden_size), got (1, 6)",
        ),
    ],
)
def test_bad_inputs_and_states_name_the_layer_the_argument_and_the_shapes(
    layer: nn.Module, args: tuple, message: str
) -> None:
    def build(spec: Any) -> Any:
        return tuple(lucid.randn(*s) for s in spec) if isinstance(spec, list) else lucid.randn(*spec)

    with pytest.raises(ValueError, match=re.escape(message)):
        layer(*(build(a) for a in args))


def test_lstm_state_must_be_a_pair() -> None:
    with pytest.raises(TypeError, match=re.escape("LSTM: hx must be a pair (h_0, c_0), got Tensor")):
        nn.LSTM(4, 6)(lucid.randn(5, 3, 4), lucid.randn(1, 3, 6))


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda: nn.LSTM(4, 6, proj_size=6), ValueError, "LSTM: proj_size (6) must be smaller than hidden_size (6)"),
        (lambda: nn.RNN(4, 6, nonlinearity="sigmoid"), ValueError, "RNN: nonlinearity must be 'tanh' or 'relu'"),
        (lambda: nn.GRU(4, 0), ValueError, "GRU: hidden_size must be at least 1, got 0"),
        (lambda: nn.GRU(4.0, 6), TypeError, "GRU: input_size must be an integer, got float"),
        (lambda: nn.LSTM(4, 6, dropout=1.5), ValueError, "LSTM: dropout must be a probability between 0 and 1"),
        (lambda: nn.RNNCell(4, 6, nonlinearity="gelu"), ValueError, "RNNCell: nonlinearity must be 'tanh' or 'relu'"),
        (lambda: nn.LSTMCell(0, 6), ValueError, "LSTMCell: input_size must be at least 1, got 0"),
    ],
)
def test_bad_settings_are_refused(build: Callable[[], Any], error: type, message: str) -> None:
    with pytest.raises(error, match=re.escape(message)):
        build()


def test_dropout_acts_between_layers_in_training_only() -> None:
    dropping = nn.LSTM(4, 16, num_layers=3, dropout=0.5)
    plain = nn.LSTM(4, 16, num_layers=3)
    plain.load_state_dict(dropping.state_dict())
    x = lucid.randn(6, 2, 4)
    dropping.eval()
    np.testing.assert_array_equal(dropping(x)[0].numpy(), plain(x)[0].numpy())
    dropping.train()
    trained, (h_n, _) = dropping(x)
    assert not np.allclose(trained.numpy(), plain(x)[0].numpy())
    # The first layer sees no dropout: its final state is the plain model's.
    np.testing.assert_array_equal(h_n.numpy()[0], plain(x)[1][0].numpy()[0])


def test_dropout_with_one_layer_warns() -> None:
    with pytest.warns(UserWarning, match="dropout acts between recurrent layers"):
        nn.GRU(4, 6, dropout=0.2)


@pytest.mark.parametrize(
    "build",
    [
        lambda m: m.RNN(4, 6, 2, nonlinearity="relu", bidirectional=True),
        lambda m: m.LSTM(4, 6, 2, bias=False, batch_first=True, proj_size=3, bidirectional=True),
        lambda m: m.GRU(4, 6, 3, dropout=0.25),
        lambda m: m.RNNCell(4, 6, bias=False, nonlinearity="relu"),
        lambda m: m.LSTMCell(4, 6),
        lambda m: m.GRUCell(4, 6, bias=False),
    ],
)
def test_parameters_and_repr_are_pytorchs(build: Callable[[Any], Any]) -> None:
    ours, theirs = build(nn), build(torch.nn)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in theirs.state_dict().items()
    ]
    assert repr(ours) == repr(theirs)
    if hasattr(theirs, "_flat_weights_names"):
        assert ours._flat_weights_names == theirs._flat_weights_names
        assert [[tuple(p.shape) for p in group] for group in ours.all_weights] == [
            [tuple(p.shape) for p in group] for group in theirs.all_weights
        ]


def test_initialisation_is_uniform_within_one_over_sqrt_hidden() -> None:
    lstm = nn.LSTM(8, 25, num_layers=2, bidirectional=True)
    for name, p in lstm.named_parameters():
        values = p.numpy()
        assert np.abs(values).max() <= 0.2, name  # 1 / sqrt(25)
        assert values.std() > 0.08, name  # uniform on +-0.2 has std 0.115; zeros or a narrow range would fail
    lstm.flatten_parameters()  # PyTorch code calls it; nothing to do in lucid


def test_time_steps_cut_a_long_sequence_in_order() -> None:
    sequence = lucid.tensor(np.arange(40 * 2 * 3, dtype=np.float32).reshape(40, 2, 3))
    steps = time_steps(sequence)
    assert len(steps) == 40
    assert all(np.array_equal(step.numpy(), sequence.numpy()[t]) for t, step in enumerate(steps))


def test_cells_and_layers_agree_on_one_step() -> None:
    layer = nn.GRU(4, 6)
    cell = nn.GRUCell(4, 6)
    cell.load_state_dict({name[:-3]: value for name, value in layer.state_dict().items()})
    x, h = lucid.randn(1, 3, 4), lucid.randn(1, 3, 6)
    np.testing.assert_allclose(layer(x, h)[1].numpy()[0], cell(x[0], h[0]).numpy(), atol=1e-6)


def test_an_empty_sequence_and_a_mismatched_dtype_are_refused() -> None:
    with pytest.raises(
        ValueError, match=re.escape("GRU: expected at least one time step, got input of shape (3, 0, 4)")
    ):
        nn.GRU(4, 6, batch_first=True)(lucid.zeros(3, 0, 4))
    message = "LSTM: input dtype float64 does not match the weights' dtype float32; convert the input"
    with pytest.raises(ValueError, match=re.escape(message)):
        nn.LSTM(4, 6)(lucid.zeros(5, 3, 4, dtype="float64"))
    with pytest.raises(ValueError, match=re.escape("LSTMCell: input dtype float64 does not match")):
        nn.LSTMCell(4, 6)(lucid.zeros(3, 4, dtype="float64"))
    doubled = nn.LSTM(4, 6).to("float64")
    assert doubled(lucid.zeros(5, 3, 4, dtype="float64"))[0].dtype == np.float64
