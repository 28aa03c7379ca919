"""Elementwise primitives: arithmetic, math functions, comparisons-free selection.

Backward returns gradients in the broadcast output shape; the engine sums them back to
each input's shape.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from lucid._kernels.special import erf as _erf_array
from lucid.autograd.function import Function
from lucid.autograd.grad_mode import no_grad
from lucid.dtypes import DEFAULT_FLOAT
from lucid.shape_only import MetaArray, broadcast
from lucid.tensor import ArrayLike, Tensor, as_tensor


class _Elementwise(Function):
    """An op whose output has its inputs' broadcast shape; that is its shape rule for meta tensors."""

    def meta(self, *arrays: MetaArray, **options: Any) -> MetaArray:
        # The dtype comes from forward itself, run on one element per input (NumPy's promotion
        # rules, e.g. exp of an integer array is float64), so it cannot drift from the real result.
        probes = [np.ones((1,) * a.ndim, dtype=a.dtype) for a in arrays]
        return broadcast(*arrays, dtype=np.asarray(type(self)().forward(*probes, **options)).dtype)


# ---- arithmetic ------------------------------------------------------------------------


class Add(_Elementwise):
    reads_inputs = False

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a + b

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return grad, grad


class Sub(_Elementwise):
    reads_inputs = False

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a - b

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return grad, -grad


class Mul(_Elementwise):
    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.a, self.b = a, b
        return a * b

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return grad * self.b, grad * self.a


class Div(_Elementwise):
    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.a, self.b = a, b
        return a / b

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        grad_a = grad / self.b
        return grad_a, -grad_a * self.a / self.b


class Pow(_Elementwise):
    saves_output = True

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.a, self.b = a, b
        self.out = a**b
        return self.out

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        a, b = self.a, self.b
        # The values PyTorch gives are kept: inf at a = 0 for 0 < b < 1 and NaN for a < 0 with a fractional b
        # are the slope's true limits, so NumPy's warnings about them are silenced rather than the values hidden.
        with np.errstate(divide="ignore", invalid="ignore"):
            # d(a^b)/da = b a^(b-1), but a^0 is constant: its slope is 0 even at a = 0, where 0 * 0^-1 is NaN.
            grad_a = grad * np.where(b == 0, 0, b * a ** (b - 1))
            if not self.parents[1].requires_grad:
                return grad_a, None
            # d(a^b)/db = a^b log(a): 0 at a = 0 for b >= 0 (a^b does not move there), NaN for a < 0, as in PyTorch.
            grad_b = grad * np.where((a == 0) & (b >= 0), 0, self.out * np.log(a))
        return grad_a, grad_b


class Neg(_Elementwise):
    reads_inputs = False

    def forward(self, a: np.ndarray) -> np.ndarray:
        return -a

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        return (-grad,)


# ---- math functions --------------------------------------------------------------------


class Exp(_Elementwise):
    saves_output = True

    def forward(self, a: np.ndarray) -> np.ndarray:
        self.out = np.exp(a)
        return self.out

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        return (grad * self.out,)


class Log(_Elementwise):
    def forward(self, a: np.ndarray) -> np.ndarray:
        self.a = a
        return np.log(a)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        return (grad / self.a,)


class Sqrt(_Elementwise):
    saves_output = True

    def forward(self, a: np.ndarray) -> np.ndarray:
        self.out = np.sqrt(a)
        return self.out

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        return (grad / (2 * self.out),)


class Abs(_Elementwise):
    def forward(self, a: np.ndarray) -> np.ndarray:
        self.a = a
        return np.abs(a)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        return (grad * np.sign(self.a),)


class Tanh(_Elementwise):
    saves_output = True

    def forward(self, a: np.ndarray) -> np.ndarray:
        self.out = np.tanh(a)
        return self.out

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        return (grad * (1 - self.out * self.out),)


class Sigmoid(_Elementwise):
    saves_output = True

    def forward(self, a: np.ndarray) -> np.ndarray:
        # exp of a non-positive number only, so large |a| neither overflows nor warns.
        e = np.exp(-np.abs(a))
        self.out = np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)
        return self.out

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        return (grad * self.out * (1 - self.out),)


class Erf(_Elementwise):
    def forward(self, a: np.ndarray) -> np.ndarray:
        self.a = a
        return _erf_array(a)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        return (grad * (2 / math.sqrt(math.pi)) * np.exp(-self.a * self.a),)


class Relu(_Elementwise):
    # Backward reads the output, as PyTorch's does: the gradient passes where the output is positive.
    reads_inputs = False
    saves_output = True

    def forward(self, a: np.ndarray) -> np.ndarray:
        # One pass (a mask and a where took three); NaN stays NaN, as in PyTorch, and negatives give +0.0.
        self.out = np.maximum(a, np.zeros((), dtype=a.dtype))
        return self.out

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        # Blocked only where the output is <= 0: at a NaN input the gradient passes, as in PyTorch.
        return (np.where(self.out <= 0, np.zeros((), dtype=grad.dtype), grad),)


class Clip(_Elementwise):
    def forward(self, a: np.ndarray, low: float | None = None, high: float | None = None) -> np.ndarray:
        out = np.clip(a, low, high)
        # Gradient flows strictly inside the bounds: PyTorch's clamp with number bounds gives 0 at a bound itself.
        self.inside = np.ones(a.shape, dtype=bool)
        if low is not None:
            self.inside &= a > low
        if high is not None:
            self.inside &= a < high
        return out.astype(a.dtype, copy=False)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        return (grad * self.inside,)


class Maximum(_Elementwise):
    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.a, self.b = a, b
        return np.maximum(a, b)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # Ties share the gradient equally, as PyTorch does.
        share_a = (self.a > self.b) + 0.5 * (self.a == self.b)
        return grad * share_a, grad * (1 - share_a)


class Minimum(_Elementwise):
    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.a, self.b = a, b
        return np.minimum(a, b)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        share_a = (self.a < self.b) + 0.5 * (self.a == self.b)
        return grad * share_a, grad * (1 - share_a)


class Where(_Elementwise):
    def forward(self, condition: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.condition = condition
        return np.where(condition, a, b)

    def backward(self, grad: np.ndarray) -> tuple[None, np.ndarray, np.ndarray]:
        zero = np.zeros((), dtype=grad.dtype)
        return None, np.where(self.condition, grad, zero), np.where(self.condition, zero, grad)


class Clone(_Elementwise):
    """A copy of the array that the gradient passes through unchanged (PyTorch's `clone`)."""

    reads_inputs = False

    def forward(self, a: np.ndarray) -> np.ndarray:
        return a.copy()

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        return (grad,)


class Cast(_Elementwise):
    reads_inputs = False

    def forward(self, a: np.ndarray, dtype: np.dtype) -> np.ndarray:
        self.source = a.dtype
        return a.astype(dtype)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None]:
        return (grad.astype(self.source) if self.source.kind == "f" else None,)


# ---- functional spellings --------------------------------------------------------------


def _pair(a: ArrayLike, b: ArrayLike, op: str) -> tuple[Tensor, Tensor]:
    """Lift a Python scalar on either side to a tensor of the other side's dtype, then promote as PyTorch.

    A float tensor meeting an integer or bool one keeps its float dtype, and an integer tensor
    meeting a Python float becomes float32; NumPy alone would give float64 in both cases and
    silently double a model's memory.
    """
    if isinstance(a, Tensor):
        b = as_tensor(b, like=a)
    else:
        b = as_tensor(b)
        a = as_tensor(a, like=b)
    if a.dtype.kind == "f" and b.dtype.kind != "f":
        b = cast(b, a.dtype)
    elif b.dtype.kind == "f" and a.dtype.kind != "f":
        a = cast(a, b.dtype)
    _check_broadcast(a, b, op)
    return a, b


def _check_broadcast(a: Tensor, b: Tensor, op: str) -> None:
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(
            f"{op}: shapes {a.shape} and {b.shape} cannot be broadcast together "
            "(each axis, aligned from the right, must be equal or 1)"
        ) from None


def add(a: ArrayLike, b: ArrayLike) -> Tensor:
    return Add.apply(*_pair(a, b, "add"))


def sub(a: ArrayLike, b: ArrayLike) -> Tensor:
    return Sub.apply(*_pair(a, b, "sub"))


def mul(a: ArrayLike, b: ArrayLike) -> Tensor:
    return Mul.apply(*_pair(a, b, "mul"))


def div(a: ArrayLike, b: ArrayLike) -> Tensor:
    """True division; integer operands give float32, as in PyTorch (NumPy alone would give float64)."""
    a, b = _pair(a, b, "div")
    if a.dtype.kind != "f" and b.dtype.kind != "f":
        a, b = cast(a, DEFAULT_FLOAT), cast(b, DEFAULT_FLOAT)
    return Div.apply(a, b)


def pow(a: ArrayLike, b: ArrayLike) -> Tensor:  # noqa: A001 - mirrors torch.pow
    return Pow.apply(*_pair(a, b, "pow"))


def neg(a: Tensor) -> Tensor:
    return Neg.apply(a)


def exp(a: Tensor) -> Tensor:
    return Exp.apply(as_tensor(a))


def log(a: Tensor) -> Tensor:
    return Log.apply(as_tensor(a))


def sqrt(a: Tensor) -> Tensor:
    return Sqrt.apply(as_tensor(a))


def abs(a: Tensor) -> Tensor:  # noqa: A001 - mirrors torch.abs
    return Abs.apply(as_tensor(a))


def tanh(a: Tensor) -> Tensor:
    return Tanh.apply(as_tensor(a))


def sigmoid(a: Tensor) -> Tensor:
    return Sigmoid.apply(as_tensor(a))


def erf(a: Tensor) -> Tensor:
    return Erf.apply(as_tensor(a))


def relu(a: Tensor) -> Tensor:
    return Relu.apply(as_tensor(a))


def clip(a: Tensor, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002
    if min is None and max is None:
        raise ValueError("clip needs at least one of min and max")
    return Clip.apply(as_tensor(a), low=min, high=max)


def clone(a: ArrayLike) -> Tensor:
    """A copy of `a` with its own memory, still in the graph (the gradient passes through).

    >>> x = lucid.tensor([1.0, 2.0])
    >>> y = x.clone()
    >>> y[0] = 5.0
    >>> x
    tensor([1., 2.])
    """
    return Clone.apply(as_tensor(a))


def maximum(a: ArrayLike, b: ArrayLike) -> Tensor:
    return Maximum.apply(*_pair(a, b, "maximum"))


def minimum(a: ArrayLike, b: ArrayLike) -> Tensor:
    return Minimum.apply(*_pair(a, b, "minimum"))


def where(condition: ArrayLike, a: ArrayLike, b: ArrayLike) -> Tensor:
    """Pick `a` where `condition` holds, else `b` (all three broadcast together)."""
    cond = as_tensor(condition)
    if cond.dtype != np.bool_:
        raise TypeError(f"where() needs a bool condition, got dtype {cond.dtype}")
    a, b = _pair(a, b, "where")
    _check_broadcast(cond, a, "where (condition)")
    _check_broadcast(cond, b, "where (condition)")
    return Where.apply(cond, a, b)


def cast(a: Tensor, dtype: np.dtype) -> Tensor:
    """`a` in `dtype`; a cast to an integer or bool dtype is cut from the graph, as in PyTorch.

    Such a tensor cannot require grad (its values are not differentiable), so recording an edge would only
    make `backward` through it leave the source's `.grad` silently None.
    """
    if a.dtype == dtype:
        return a
    if dtype.kind != "f":
        with no_grad():
            return Cast.apply(a, dtype=dtype)
    return Cast.apply(a, dtype=dtype)
