"""Single-step recurrent layers, as PyTorch's: RNNCell, LSTMCell, GRUCell (parameters `weight_ih`, `weight_hh`,
`bias_ih`, `bias_hh`; the step formulas are in lucid/nn/functional/recurrent.py)."""

from __future__ import annotations

import math

from lucid import creation
from lucid.nn import init
from lucid.nn.functional.attention import constant_zeros
from lucid.nn.functional.recurrent import State, prepare, project_inputs, step
from lucid.nn.layers.recurrent import check_dtype, check_size
from lucid.nn.module import Module
from lucid.nn.parameter import Parameter
from lucid.tensor import Tensor


class RNNCellBase(Module):
    """What the cells share: `weight_ih (chunks * hidden, input)`, `weight_hh (chunks * hidden, hidden)`, biases."""

    mode = ""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, dtype: object = None) -> None:
        super().__init__()
        where = type(self).__name__
        check_size(where, "input_size", input_size)
        check_size(where, "hidden_size", hidden_size)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.weight_ih = Parameter(creation.zeros(num_chunks * hidden_size, input_size, dtype=dtype))
        self.weight_hh = Parameter(creation.zeros(num_chunks * hidden_size, hidden_size, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(creation.zeros(num_chunks * hidden_size, dtype=dtype))
            self.bias_hh = Parameter(creation.zeros(num_chunks * hidden_size, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            text += f", nonlinearity={self.nonlinearity}"
        return text

    def _check_input(self, x: object) -> bool:
        where = type(self).__name__
        if not isinstance(x, Tensor):
            raise TypeError(f"{where}: expected a lucid Tensor, got {type(x).__name__}")
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ValueError(
                f"{where}: expected input of shape (N, {self.input_size}) or unbatched ({self.input_size},) "
                f"(input_size={self.input_size}), got shape {x.shape}"
            )
        check_dtype(where, x, self.weight_ih)
        return x.ndim == 2

    def _check_hidden(self, name: str, t: object, batch: int, batched: bool) -> Tensor:
        where = type(self).__name__
        if not isinstance(t, Tensor):
            raise TypeError(f"{where}: {name} must be a lucid Tensor, got {type(t).__name__}")
        expected = (batch, self.hidden_size) if batched else (self.hidden_size,)
        if t.shape != expected:
            raise ValueError(f"{where}: expected {name} of shape {expected} (batch, hidden_size), got {t.shape}")
        return t if batched else t.reshape(1, self.hidden_size)

    def _hidden_only_step(self, input: Tensor, hx: Tensor | None) -> Tensor:  # noqa: A002 - PyTorch's name
        """RNNCell's and GRUCell's forward: the state is h alone."""
        batched = self._check_input(input)
        x = input if batched else input.reshape(1, self.input_size)
        if hx is None:
            h = constant_zeros((x.shape[0], self.hidden_size), x)
        else:
            h = self._check_hidden("hx", hx, x.shape[0], batched)
        h = self._step(x, h)
        return h if batched else h.reshape(self.hidden_size)

    def _step(self, x: Tensor, state: State) -> State:
        weights = prepare(self.mode, self.hidden_size, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return step(project_inputs(x, weights), state, weights)[1]


class RNNCell(RNNCellBase):
    """One step of an Elman RNN, as `torch.nn.RNNCell`: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or ReLU).

    >>> cell = nn.RNNCell(10, 20)
    >>> cell(lucid.randn(3, 10)).shape
    (3, 20)
    """

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh", dtype: object = None
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(input_size, hidden_size, bias, num_chunks=1, dtype=dtype)
        self.nonlinearity = nonlinearity
        self.mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002 - PyTorch's name
        return self._hidden_only_step(input, hx)


class LSTMCell(RNNCellBase):
    """One LSTM step, as `torch.nn.LSTMCell`: returns `(h', c')`.

    >>> cell = nn.LSTMCell(10, 20)
    >>> h, c = cell(lucid.randn(3, 10))
    >>> h.shape, c.shape
    ((3, 20), (3, 20))
    """

    mode = "LSTM"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, dtype: object = None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=4, dtype=dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:  # noqa: A002
        batched = self._check_input(input)
        x = input if batched else input.reshape(1, self.input_size)
        if hx is None:
            zero = constant_zeros((x.shape[0], self.hidden_size), x)
            state = (zero, zero)
        else:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError(f"LSTMCell: hx must be a pair (h, c), got {type(hx).__name__}")
            state = (
                self._check_hidden("hx[0]", hx[0], x.shape[0], batched),
                self._check_hidden("hx[1]", hx[1], x.shape[0], batched),
            )
        h, c = self._step(x, state)
        if not batched:
            h, c = h.reshape(self.hidden_size), c.reshape(self.hidden_size)
        return h, c


class GRUCell(RNNCellBase):
    """One GRU step, as `torch.nn.GRUCell`.

    >>> cell = nn.GRUCell(10, 20)
    >>> cell(lucid.randn(10), lucid.randn(20)).shape  # unbatched
    (20,)
    """

    mode = "GRU"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, dtype: object = None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=3, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002 - PyTorch's name
        return self._hidden_only_step(input, hx)
