"""Fused gate arithmetic of the LSTM and GRU time step: one op where the composition made a dozen.

A recurrent layer runs its step once per time step, so what costs is the number of ops per step, not their size:
composed from primitives an LSTM step was 14 ops (slices, three sigmoids, two tanh, products and sums) and a GRU
step 16, each a graph node with its own Python overhead in forward and backward; bench/sequence.py measured the
LSTM of issue 18 at about 5x PyTorch that way. The matrix products stay outside these ops (lucid-viz counts their
MACs); what is fused is elementwise and has none.

PyTorch's gate order and formulas (see lucid/nn/functional/recurrent.py):
the input's share of the gates `x_part` (x W_ih^T + biases) and the hidden state's `h_part` (h W_hh^T) come in
separately, so that adding them is part of the op too.
- LSTM, gates (i, f, g, o) = x_part + h_part: c' = sigmoid(f) * c + sigmoid(i) * tanh(g), h' = sigmoid(o) * tanh(c');
- GRU, x_part = x W_ih^T + b_ih and h_part = h W_hh^T + b_hh, both (r, z, n): r, z = sigmoid(x_part + h_part),
  n = tanh(x_n + r * h_n), h' = (1 - z) * n + z * h.
"""

from __future__ import annotations

import numpy as np

from lucid.autograd.function import Function
from lucid.shape_only import MetaArray
from lucid.tensor import Tensor


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)) as 0.5 * (1 + tanh(x / 2)): one transcendental, no overflow, x's dtype."""
    out = np.multiply(x, 0.5)
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


class LSTMCellState(Function):
    """c' = sigmoid(f) * c + sigmoid(i) * tanh(g); the gate pre-activations are `x_part + h_part`, `(..., 4H)`."""

    op_name = "lstm_cell_state"

    def forward(self, x_part: np.ndarray, h_part: np.ndarray, c: np.ndarray) -> np.ndarray:
        hidden = c.shape[-1]
        gates = x_part[..., : 3 * hidden] + h_part[..., : 3 * hidden]
        self.i = _sigmoid(gates[..., :hidden])
        self.f = _sigmoid(gates[..., hidden : 2 * hidden])
        self.g = np.tanh(gates[..., 2 * hidden :])
        self.c, self.part_shape = c, x_part.shape
        return self.f * c + self.i * self.g

    def meta(self, x_part: MetaArray, h_part: MetaArray, c: MetaArray) -> MetaArray:
        return MetaArray(c.shape, c.dtype)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        i, f, g = self.i, self.f, self.g
        hidden = i.shape[-1]
        grad_gates = np.empty(self.part_shape, dtype=grad.dtype)
        grad_gates[..., :hidden] = grad * g * i * (1.0 - i)
        grad_gates[..., hidden : 2 * hidden] = grad * self.c * f * (1.0 - f)
        grad_gates[..., 2 * hidden : 3 * hidden] = grad * i * (1.0 - g * g)
        grad_gates[..., 3 * hidden :] = 0.0
        # Both parts of a sum get its gradient; the engine never writes into a gradient it is given.
        return grad_gates, grad_gates, grad * f


class LSTMCellOutput(Function):
    """h' = sigmoid(o) * tanh(c'); o's pre-activation is the last quarter of `x_part + h_part`, `(..., 4H)`."""

    op_name = "lstm_cell_output"

    def forward(self, x_part: np.ndarray, h_part: np.ndarray, c: np.ndarray) -> np.ndarray:
        hidden = c.shape[-1]
        self.o = _sigmoid(x_part[..., 3 * hidden :] + h_part[..., 3 * hidden :])
        self.tanh_c = np.tanh(c)
        self.part_shape = x_part.shape
        return self.o * self.tanh_c

    def meta(self, x_part: MetaArray, h_part: MetaArray, c: MetaArray) -> MetaArray:
        return MetaArray(c.shape, c.dtype)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        o, tanh_c = self.o, self.tanh_c
        hidden = o.shape[-1]
        grad_gates = np.zeros(self.part_shape, dtype=grad.dtype)
        grad_gates[..., 3 * hidden :] = grad * tanh_c * o * (1.0 - o)
        return grad_gates, grad_gates, grad * o * (1.0 - tanh_c * tanh_c)


class GRUCellUpdate(Function):
    """h' = (1 - z) * n + z * h from the input's and the hidden state's shares of the gates, `(..., 3H)` each."""

    op_name = "gru_cell_update"

    def forward(self, x_part: np.ndarray, h_part: np.ndarray, h: np.ndarray) -> np.ndarray:
        hidden = h.shape[-1]
        rz = _sigmoid(x_part[..., : 2 * hidden] + h_part[..., : 2 * hidden])
        self.r, self.z = rz[..., :hidden], rz[..., hidden:]
        self.h_n = h_part[..., 2 * hidden :]
        self.n = np.tanh(x_part[..., 2 * hidden :] + self.r * self.h_n)
        self.h, self.part_shape = h, x_part.shape
        return self.n + self.z * (h - self.n)

    def meta(self, x_part: MetaArray, h_part: MetaArray, h: MetaArray) -> MetaArray:
        return MetaArray(h.shape, h.dtype)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        r, z, n = self.r, self.z, self.n
        hidden = r.shape[-1]
        grad_n = grad * (1.0 - z) * (1.0 - n * n)  # through tanh, to n's pre-activation
        grad_x = np.empty(self.part_shape, dtype=grad.dtype)
        grad_x[..., :hidden] = grad_n * self.h_n * r * (1.0 - r)
        grad_x[..., hidden : 2 * hidden] = grad * (self.h - n) * z * (1.0 - z)
        grad_x[..., 2 * hidden :] = grad_n
        grad_h_part = grad_x.copy()
        grad_h_part[..., 2 * hidden :] = grad_n * r
        return grad_x, grad_h_part, grad * z


def _check(where: str, parts: tuple[Tensor, ...], state: Tensor, chunks: int) -> None:
    hidden = state.shape[-1] if state.ndim else 0
    expected = (*state.shape[:-1], chunks * hidden)
    for part in parts:
        if part.shape != expected:
            raise ValueError(
                f"{where}: expected gate pre-activations of shape {expected} ({chunks} x the state's "
                f"{hidden} features) for a state of shape {state.shape}, got {part.shape}"
            )


def lstm_cell_state(x_part: Tensor, h_part: Tensor, c: Tensor) -> Tensor:
    """The LSTM's new cell state from x W_ih^T + b and h W_hh^T (each `(..., 4H)`, gates i, f, g, o) and `c (..., H)`.

    >>> lstm_cell_state(lucid.zeros(1, 8), lucid.zeros(1, 8), lucid.ones(1, 2))  # i = f = 0.5, g = 0
    tensor([[0.5, 0.5]])
    """
    _check("lstm_cell_state", (x_part, h_part), c, 4)
    return LSTMCellState.apply(x_part, h_part, c)


def lstm_cell_output(x_part: Tensor, h_part: Tensor, c: Tensor) -> Tensor:
    """The LSTM's new hidden state sigmoid(o) * tanh(c) from the two shares of the gates and the new cell state `c`.

    >>> lstm_cell_output(lucid.zeros(1, 4), lucid.zeros(1, 4), lucid.zeros(1, 1))
    tensor([[0.]])
    """
    _check("lstm_cell_output", (x_part, h_part), c, 4)
    return LSTMCellOutput.apply(x_part, h_part, c)


def gru_cell_update(x_part: Tensor, h_part: Tensor, h: Tensor) -> Tensor:
    """The GRU's new hidden state from x W_ih^T + b_ih and h W_hh^T + b_hh (each `(..., 3H)`) and `h (..., H)`.

    >>> gru_cell_update(lucid.zeros(1, 3), lucid.zeros(1, 3), lucid.ones(1, 1))  # z = 0.5, n = 0
    tensor([[0.5]])
    """
    _check("gru_cell_update", (x_part, h_part), h, 3)
    return GRUCellUpdate.apply(x_part, h_part, h)
