"""The time steps of PyTorch's recurrent layers (RNN with tanh or ReLU, LSTM with optional projection, GRU),
composed from primitives, and the loop that runs one layer in one direction over a sequence.

The input's share of every gate is one matmul over all time steps (`project_inputs`); only the hidden state's
share, `h @ W_hh^T`, is computed step by step. Gate order and formulas are PyTorch's:

- RNN: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or ReLU);
- LSTM, gates (i, f, g, o): c' = f * c + i * g, h' = o * tanh(c') (then h' W_hr^T with a projection);
- GRU, gates (r, z, n): n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn)), h' = (1 - z) * n + z * h.

>>> lstm = nn.LSTM(3, 5)
>>> weights = prepare("LSTM", 5, lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0, lstm.bias_hh_l0)
>>> x, zero = lucid.randn(7, 2, 3), lucid.zeros(2, 5)
>>> outputs, (h, c) = run_direction(x, (zero, zero), weights, reverse=False)
>>> len(outputs), h.shape
(7, (2, 5))
>>> bool(np.allclose(h.numpy(), lstm(x)[1][0].numpy()[0]))
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lucid.autograd.ops import elementwise as ew
from lucid.autograd.ops.recurrent import gru_cell_update, lstm_cell_output, lstm_cell_state
from lucid.nn.functional.linear import linear
from lucid.tensor import Tensor

State = Tensor | tuple[Tensor, Tensor]


@dataclass(frozen=True)
class Weights:
    """One layer's weights in one direction, laid out for the step functions."""

    mode: str  # "RNN_TANH", "RNN_RELU", "LSTM" or "GRU"
    hidden_size: int
    w_ih: Tensor
    input_bias: Tensor | None  # added to the input projection: b_ih, plus b_hh where the formula allows it
    w_hh_t: Tensor  # W_hh^T, C-contiguous
    b_hh: Tensor | None  # GRU only: b_hh stays with h W_hh^T, because r multiplies b_hn
    w_hr_t: Tensor | None  # LSTM projection W_hr^T, C-contiguous


def transposed(w: Tensor) -> Tensor:
    """`w.T` as a C-contiguous tensor.

    OpenBLAS multiplies a small (N, K) matrix by a transposed (K, M) view about four times slower than by a
    contiguous copy; the recurrent product runs once per time step, so the copy (made once per forward, through a
    flattening reshape) pays for itself.

    >>> transposed(lucid.tensor([[1.0, 2.0, 3.0]])).tolist()
    [[1.0], [2.0], [3.0]]
    """
    rows, cols = w.shape
    return w.T.reshape(rows * cols).reshape(cols, rows)


def prepare(
    mode: str,
    hidden_size: int,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None,
    b_hh: Tensor | None,
    w_hr: Tensor | None = None,
) -> Weights:
    """The `Weights` of one layer and direction from its parameters (PyTorch's layout)."""
    if mode == "GRU":
        input_bias, hidden_bias = b_ih, b_hh
    else:
        # b_ih and b_hh are always added together: add them once, to the projection of every step at once.
        input_bias = None if b_ih is None else b_ih + b_hh
        hidden_bias = None
    w_hr_t = None if w_hr is None else transposed(w_hr)
    return Weights(mode, hidden_size, w_ih, input_bias, transposed(w_hh), hidden_bias, w_hr_t)


def project_inputs(x: Tensor, weights: Weights) -> Tensor:
    """x W_ih^T (+ bias) for every time step of `x (T, N, F)` in one matmul: `(T, N, gates * hidden)`."""
    return linear(x, weights.w_ih, weights.input_bias)


def time_steps(sequence: Tensor) -> list[Tensor]:
    """The `(N, G)` slices of a `(T, N, G)` tensor, one per time step.

    A slice's backward writes its gradient into a zero array the size of what it was cut from, so cutting all T
    steps from the whole sequence costs O(T^2) memory traffic in the backward pass. Cutting blocks of about
    sqrt(T) steps first, and the steps from the blocks, costs O(T sqrt(T)).

    >>> [step.tolist() for step in time_steps(lucid.tensor([[1.0], [2.0], [3.0]]))]
    [[1.0], [2.0], [3.0]]
    """
    length = sequence.shape[0]
    size = math.isqrt(length)
    if length < 16:
        return [sequence[t] for t in range(length)]
    steps = []
    for start in range(0, length, size):
        block = sequence[start : start + size]
        steps.extend(block[t] for t in range(block.shape[0]))
    return steps


def step(p: Tensor, state: State, weights: Weights) -> tuple[Tensor, State]:
    """One time step: `p` is this step's input projection `(N, gates * hidden)`; returns (output, new state)."""
    if weights.mode == "LSTM":
        h, c = state
        # The gate arithmetic is two fused ops (lucid/autograd/ops/recurrent.py): per time step, the number of ops
        # is what costs.
        from_h = h @ weights.w_hh_t
        c = lstm_cell_state(p, from_h, c)
        h = lstm_cell_output(p, from_h, c)
        if weights.w_hr_t is not None:
            h = h @ weights.w_hr_t
        return h, (h, c)
    if weights.mode == "GRU":
        from_h = state @ weights.w_hh_t
        if weights.b_hh is not None:
            from_h = from_h + weights.b_hh
        h = gru_cell_update(p, from_h, state)
        return h, h
    pre = p + state @ weights.w_hh_t
    h = ew.relu(pre) if weights.mode == "RNN_RELU" else ew.tanh(pre)
    return h, h


def run_direction(x: Tensor, state: State, weights: Weights, reverse: bool) -> tuple[list[Tensor], State]:
    """Run one layer in one direction over `x (T, N, F)` from `state`: the outputs in time order, and the last
    state (the one after the first time step when `reverse`)."""
    steps = time_steps(project_inputs(x, weights))
    outputs = []
    for p in reversed(steps) if reverse else steps:
        h, state = step(p, state, weights)
        outputs.append(h)
    if reverse:
        outputs.reverse()
    return outputs, state
