"""Recurrent layers, as PyTorch's: RNN, LSTM, GRU (the single-step cells are in recurrent_cell.py).

Same parameter names (`weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`, `weight_hr_l0`, `..._reverse`),
shapes, gate order and init (uniform in +-1/sqrt(hidden_size)). The time steps run in a Python loop
(lucid/nn/functional/recurrent.py); the input's share of the gates is one matmul per layer and direction.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from lucid import creation
from lucid.autograd.ops.shape import concatenate, stack
from lucid.nn import init
from lucid.nn.functional.attention import constant_zeros
from lucid.nn.functional.drop import dropout as apply_dropout
from lucid.nn.functional.recurrent import State, Weights, prepare, run_direction
from lucid.nn.module import Module
from lucid.nn.parameter import Parameter
from lucid.tensor import Tensor

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def check_size(where: str, name: str, value: object, minimum: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{where}: {name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{where}: {name} must be at least {minimum}, got {value}")


def check_dtype(where: str, x: Tensor, weight: Parameter) -> None:
    """Refuse an input whose dtype differs from the weights', as PyTorch's recurrent layers do (NumPy would
    silently compute the whole sequence in the wider dtype)."""
    if x.dtype != weight.dtype:
        raise ValueError(
            f"{where}: input dtype {x.dtype} does not match the weights' dtype {weight.dtype}; convert the input "
            f"(x.astype({str(weight.dtype)!r})) or the layer (layer.to({str(x.dtype)!r}))"
        )


class RNNBase(Module):
    """What RNN, LSTM and GRU share: the parameters of every layer and direction, and the forward over them."""

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        dtype: object = None,
    ) -> None:
        super().__init__()
        where = type(self).__name__
        if mode not in _GATES:
            raise ValueError(f"{where}: unknown mode {mode!r}; expected one of {sorted(_GATES)}")
        check_size(where, "input_size", input_size)
        check_size(where, "hidden_size", hidden_size)
        check_size(where, "num_layers", num_layers)
        check_size(where, "proj_size", proj_size, minimum=0)
        if proj_size >= hidden_size:
            raise ValueError(f"{where}: proj_size ({proj_size}) must be smaller than hidden_size ({hidden_size})")
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0.0 <= dropout <= 1.0:
            raise ValueError(f"{where}: dropout must be a probability between 0 and 1, got {dropout!r}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                f"{where}: dropout acts between recurrent layers, so dropout={dropout} with num_layers=1 does nothing",
                stacklevel=2,
            )
        self.mode = mode
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        gate_size = _GATES[mode] * hidden_size
        out_size = proj_size if proj_size > 0 else hidden_size
        directions = 2 if bidirectional else 1
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else out_size * directions
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                shapes = [("weight_ih", (gate_size, layer_input)), ("weight_hh", (gate_size, out_size))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                names = []
                for stem, shape in shapes:
                    setattr(self, stem + suffix, Parameter(creation.zeros(shape, dtype=dtype)))
                    names.append(stem + suffix)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def flatten_parameters(self) -> None:
        """Does nothing: PyTorch packs the weights for cuDNN here; lucid has nothing to pack."""

    @property
    def all_weights(self) -> list[list[Parameter]]:
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            text += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if self.batch_first is not False:
            text += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            text += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            text += f", bidirectional={self.bidirectional}"
        return text

    # ---- forward ------------------------------------------------------------------------
    def _state_shapes(self, batch: int) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
        """The shapes of h_0 and (for LSTM) c_0 for a batch of `batch`."""
        layers = self.num_layers * (2 if self.bidirectional else 1)
        out_size = self.proj_size if self.proj_size > 0 else self.hidden_size
        return (layers, batch, out_size), (layers, batch, self.hidden_size)

    def _check_state(self, name: str, t: object, expected: tuple[int, ...], batched: bool) -> Tensor:
        where = type(self).__name__
        if not isinstance(t, Tensor):
            raise TypeError(f"{where}: {name} must be a lucid Tensor, got {type(t).__name__}")
        shown = expected if batched else (expected[0], expected[2])
        if t.shape != shown:
            raise ValueError(
                f"{where}: expected {name} of shape {shown} (num_layers * num_directions, "
                f"{'batch, ' if batched else ''}hidden size), got {t.shape}"
            )
        return t if batched else t.reshape(expected)

    def _initial_state(self, hx: Any, x: Tensor, batched: bool) -> tuple[Tensor, Tensor | None]:
        where = type(self).__name__
        h_shape, c_shape = self._state_shapes(x.shape[1])
        if hx is None:
            return constant_zeros(h_shape, x), constant_zeros(c_shape, x) if self.mode == "LSTM" else None
        if self.mode == "LSTM":
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError(f"{where}: hx must be a pair (h_0, c_0), got {type(hx).__name__}")
            return (
                self._check_state("h_0", hx[0], h_shape, batched),
                self._check_state("c_0", hx[1], c_shape, batched),
            )
        return self._check_state("h_0", hx, h_shape, batched), None

    def _check_input(self, x: object) -> bool:
        where = type(self).__name__
        if not isinstance(x, Tensor):
            raise TypeError(f"{where}: expected a lucid Tensor, got {type(x).__name__}")
        if x.ndim not in (2, 3) or x.shape[-1] != self.input_size:
            layout = "(N, L, input_size)" if self.batch_first else "(L, N, input_size)"
            raise ValueError(
                f"{where}: expected input of shape {layout} or unbatched (L, input_size) with "
                f"input_size={self.input_size}, got shape {x.shape}"
            )
        length = x.shape[1] if self.batch_first and x.ndim == 3 else x.shape[0]
        if length == 0:
            raise ValueError(f"{where}: expected at least one time step, got input of shape {x.shape}")
        check_dtype(where, x, self.weight_ih_l0)
        return x.ndim == 3

    def forward(self, input: Tensor, hx: Any = None) -> tuple[Tensor, State]:  # noqa: A002 - PyTorch's name
        batched = self._check_input(input)
        if not batched:
            x = input.reshape(input.shape[0], 1, input.shape[1])
        else:
            x = input.swapaxes(0, 1) if self.batch_first else input
        h0, c0 = self._initial_state(hx, x, batched)
        directions = 2 if self.bidirectional else 1
        last_h, last_c = [], []
        for layer in range(self.num_layers):
            if layer > 0 and self.dropout > 0.0:
                x = apply_dropout(x, self.dropout, self.training)
            outputs = []
            for direction in range(directions):
                index = layer * directions + direction
                state: State = h0[index] if c0 is None else (h0[index], c0[index])
                steps, state = run_direction(x, state, self._layer_weights(index), reverse=direction == 1)
                outputs.append(stack(steps, axis=0))
                last_h.append(state if c0 is None else state[0])
                if c0 is not None:
                    last_c.append(state[1])
            x = outputs[0] if directions == 1 else concatenate(outputs, axis=-1)
        h_n = stack(last_h, axis=0)
        c_n = None if c0 is None else stack(last_c, axis=0)
        if not batched:
            x = x.reshape(x.shape[0], x.shape[2])
            h_n = h_n.reshape(h_n.shape[0], h_n.shape[2])
            c_n = None if c_n is None else c_n.reshape(c_n.shape[0], c_n.shape[2])
        elif self.batch_first:
            x = x.swapaxes(0, 1)
        return x, (h_n if c_n is None else (h_n, c_n))

    def _layer_weights(self, index: int) -> Weights:
        """The weights of layer-direction `index` (layer * num_directions + direction), laid out for the steps."""
        names = self._all_weights[index]
        w_ih, w_hh = getattr(self, names[0]), getattr(self, names[1])
        b_ih = getattr(self, names[2]) if self.bias else None
        b_hh = getattr(self, names[3]) if self.bias else None
        w_hr = getattr(self, names[-1]) if self.proj_size > 0 else None
        return prepare(self.mode, self.hidden_size, w_ih, w_hh, b_ih, b_hh, w_hr)


class RNN(RNNBase):
    """An Elman RNN, h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or ReLU), as `torch.nn.RNN`.

    `forward(input, hx=None)` (hx is h_0, zeros when None) returns `(output, h_n)`: `output (L, N, D * hidden_size)`
    (`(N, L, ...)` with `batch_first`; `(L, D * hidden_size)` unbatched) and `h_n (num_layers * D, N, hidden_size)`,
    D = 2 when bidirectional. `dropout` acts on each layer's output but the last, in training.

    >>> rnn = nn.RNN(10, 20, num_layers=2)
    >>> output, h_n = rnn(lucid.randn(5, 3, 10))
    >>> output.shape, h_n.shape
    ((5, 3, 20), (2, 3, 20))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype: object = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, 0, dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory, gates (i, f, g, o) in PyTorch's order, as `torch.nn.LSTM` (with `proj_size`).

    `forward(input, hx=None)` (hx is the pair (h_0, c_0), zeros when None) returns `(output, (h_n, c_n))`; with
    `proj_size > 0` the hidden state (and the output) has `proj_size` features, h = (o * tanh(c)) W_hr^T.

    >>> lstm = nn.LSTM(10, 20, num_layers=2, batch_first=True, bidirectional=True)
    >>> output, (h_n, c_n) = lstm(lucid.randn(3, 5, 10))
    >>> output.shape, h_n.shape, c_n.shape
    ((3, 5, 40), (4, 3, 20), (4, 3, 20))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        dtype: object = None,
    ) -> None:
        super().__init__(
            "LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, proj_size, dtype
        )


class GRU(RNNBase):
    """Gated recurrent unit, gates (r, z, n) in PyTorch's order with n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),
    as `torch.nn.GRU`.

    >>> gru = nn.GRU(10, 20)
    >>> output, h_n = gru(lucid.randn(5, 10))  # unbatched
    >>> output.shape, h_n.shape
    ((5, 20), (1, 20))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype: object = None,
    ) -> None:
        super().__init__(
            "GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, 0, dtype
        )
