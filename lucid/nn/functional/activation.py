"""Activations, PyTorch's `torch.nn.functional` spellings.

Some are compositions of elementwise primitives (the engine differentiates them); GELU, hardtanh, hardsigmoid,
hardswish, leaky ReLU, softplus, the ELU family and log_softmax are single ops of lucid/autograd/ops/activation.py,
for the reasons given there.
"""

from __future__ import annotations

import math
import warnings

from lucid import dtypes
from lucid.autograd.ops import activation as fused
from lucid.autograd.ops import elementwise as ew
from lucid.autograd.ops.reduce import normalize_axes
from lucid.tensor import Tensor

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
# SELU's constants (Klambauer et al. 2017), as PyTorch writes them.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _tensor(x: object, where: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{where}: expected a lucid Tensor, got {type(x).__name__}")
    return x


def relu(x: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0). `relu(lucid.tensor([-1.0, 2.0]))` gives `[0., 2.]`; `inplace` is accepted, the result is new."""
    return ew.relu(_tensor(x, "relu"))


def relu6(x: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6), as `torch.nn.functional.relu6`.

    >>> relu6(lucid.tensor([-1.0, 3.0, 8.0]))
    tensor([0., 3., 6.])
    """
    return fused.hardtanh(_tensor(x, "relu6"), 0.0, 6.0)


def hardtanh(x: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """`x` clamped to [min_val, max_val]; no gradient at or beyond the bounds, as in PyTorch.

    >>> hardtanh(lucid.tensor([-3.0, 0.5, 2.0]))
    tensor([-1. ,  0.5,  1. ])
    """
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) must not be greater than max_val ({max_val})")
    return fused.hardtanh(_tensor(x, "hardtanh"), min_val, max_val)


def hardsigmoid(x: Tensor, inplace: bool = False) -> Tensor:
    """0 below -3, 1 above 3, x / 6 + 1/2 between, as `torch.nn.functional.hardsigmoid`.

    >>> hardsigmoid(lucid.tensor([-4.0, 0.0, 1.5]))
    tensor([0.  , 0.5 , 0.75])
    """
    return fused.hardsigmoid(_tensor(x, "hardsigmoid"))


def hardswish(x: Tensor, inplace: bool = False) -> Tensor:
    """x * hardsigmoid(x) (MobileNetV3), as `torch.nn.functional.hardswish`.

    >>> hardswish(lucid.tensor([-4.0, 1.5, 4.0]))
    tensor([-0.   ,  1.125,  4.   ])
    """
    return fused.hardswish(_tensor(x, "hardswish"))


def leaky_relu(x: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, else negative_slope * x, as `torch.nn.functional.leaky_relu`.

    >>> leaky_relu(lucid.tensor([-2.0, 3.0]), 0.1)
    tensor([-0.2,  3. ])
    """
    return fused.leaky_relu(_tensor(x, "leaky_relu"), negative_slope)


def prelu(x: Tensor, weight: Tensor) -> Tensor:
    """Leaky ReLU with a learned slope: one for all elements (`weight` of size 1) or one per channel (axis 1 of an
    input with 2 or more dimensions), as `torch.nn.functional.prelu`.

    >>> prelu(lucid.tensor([[-2.0, 3.0]]), lucid.tensor([0.25]))
    tensor([[-0.5,  3. ]])
    """
    x = _tensor(x, "prelu")
    count = weight.size
    if weight.ndim > 1:
        raise ValueError(f"prelu: weight must be 1-d (one slope, or one per channel), got shape {weight.shape}")
    if count == 1:
        weight = weight.reshape(())  # one slope for every element, whatever the input's rank
    else:
        if x.ndim < 2 or x.shape[1] != count:
            raise ValueError(
                f"prelu: weight has {count} slopes, so the input needs {count} channels on axis 1; got shape {x.shape}"
            )
        weight = weight.reshape((count,) + (1,) * (x.ndim - 2))
    return ew.where(x > 0, x, x * weight)


def elu(x: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, else alpha * (exp(x) - 1), as `torch.nn.functional.elu`.

    >>> elu(lucid.tensor([-1.0, 2.0]))
    tensor([-0.6321,  2.    ])
    """
    return fused.elu(_tensor(x, "elu"), alpha)


def selu(x: Tensor, inplace: bool = False) -> Tensor:
    """Self-normalizing ELU: SELU_SCALE * elu(x, SELU_ALPHA), as `torch.nn.functional.selu`.

    >>> selu(lucid.tensor([-1.0, 1.0]))
    tensor([-1.1113,  1.0507])
    """
    return fused.elu(_tensor(x, "selu"), SELU_ALPHA, SELU_SCALE)


def celu(x: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, else alpha * (exp(x / alpha) - 1), as `torch.nn.functional.celu`.

    >>> celu(lucid.tensor([-1.0, 1.0]), alpha=2.0)
    tensor([-0.7869,  1.    ])
    """
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0 (the input is divided by it)")
    return fused.elu(_tensor(x, "celu"), alpha, 1.0, 1.0 / alpha)


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta * x)) / beta, and x where beta * x > threshold, as `torch.nn.functional.softplus`.

    >>> softplus(lucid.tensor([-2.0, 0.0, 30.0]))
    tensor([ 0.1269,  0.6931, 30.    ])
    """
    return fused.softplus(_tensor(x, "softplus"), beta, threshold)


def mish(x: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x)), as `torch.nn.functional.mish`.

    >>> mish(lucid.tensor([-1.0, 1.0]))
    tensor([-0.3034,  0.8651])
    """
    x = _tensor(x, "mish")
    return x * ew.tanh(fused.softplus(x))


def softsign(x: Tensor) -> Tensor:
    """x / (1 + |x|), as `torch.nn.functional.softsign`.

    >>> softsign(lucid.tensor([-3.0, 1.0]))
    tensor([-0.75,  0.5 ])
    """
    x = _tensor(x, "softsign")
    return x / (ew.abs(x) + 1.0)


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit: x * Phi(x), exactly (`"none"`) or with the tanh formula (`"tanh"`).

    >>> gelu(lucid.tensor([1.0]))
    tensor([0.8413])
    >>> gelu(lucid.tensor([1.0]), approximate="tanh")
    tensor([0.8412])
    """
    if approximate == "none":
        # One fused op (lucid/autograd/ops/activation.py): the composition x * 0.5 * (1 + erf(x / sqrt 2))
        # made ~15 full passes over the model's largest activations in a training step.
        return fused.gelu(x)
    if approximate == "tanh":
        inner = (x + 0.044715 * (x * x * x)) * _SQRT_2_OVER_PI
        return x * 0.5 * (1.0 + ew.tanh(inner))
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def silu(x: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x) (also called swish). `silu(lucid.tensor([1.0]))` gives `[0.7311]`."""
    return x * ew.sigmoid(x)


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + exp(-x)). `sigmoid(lucid.tensor([0.0]))` gives `[0.5]`."""
    return ew.sigmoid(x)


def tanh(x: Tensor) -> Tensor:
    """Hyperbolic tangent. `tanh(lucid.tensor([0.0]))` gives `[0.]`."""
    return ew.tanh(x)


def glu(x: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: the first half of `dim` times the sigmoid of the second, as `torch.nn.functional.glu`.

    >>> glu(lucid.tensor([[1.0, 2.0, 0.0, 100.0]]))
    tensor([[0.5, 2. ]])
    """
    x = _tensor(x, "glu")
    if x.ndim == 0:
        raise ValueError("glu: expected an input with at least one dimension, got a 0-d tensor")
    (axis,) = normalize_axes(dim, x.ndim, x.shape)
    if x.shape[axis] % 2:
        raise ValueError(f"glu: dimension {dim} of the input must have an even size to halve, got shape {x.shape}")
    first, second = x.chunk(2, axis)
    return first * ew.sigmoid(second)


def _implicit_softmax_dim(where: str, ndim: int) -> int:
    """PyTorch's legacy choice of axis when `dim` is not given (0 for 0-, 1- and 3-d input, else 1), with its
    deprecation warning."""
    warnings.warn(f"{where}: implicit dimension choice is deprecated; pass dim=", UserWarning, stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_args(
    x: Tensor, dim: int | None, axis: int | None, dtype: dtypes.DTypeLike, where: str
) -> tuple[Tensor, int]:
    x = _tensor(x, where)
    if dim is not None and axis is not None:
        raise TypeError(
            f"{where}() got both dim= and axis=, two spellings of the same argument (lucid's and PyTorch's); "
            "pass only one"
        )
    chosen = dim if dim is not None else axis
    if chosen is None:
        chosen = _implicit_softmax_dim(where, x.ndim)
    if dtype is not None:
        x = x.astype(dtype)  # as PyTorch: the input is cast first, so the result has this dtype
    return x, chosen


def _shifted(x: Tensor, axis: int) -> tuple[Tensor, int]:
    (ax,) = normalize_axes(axis, x.ndim, x.shape)
    # Subtracting the max keeps exp() from overflowing; it is a constant shift, so it is
    # detached (softmax is invariant to it and its gradient would cancel anyway).
    return x - x.detach().max(axis=ax, keepdims=True), ax


def softmax(x: Tensor, dim: int | None = None, *, axis: int | None = None, dtype: dtypes.DTypeLike = None) -> Tensor:
    """exp(x) / sum(exp(x)) along `dim` (`axis` is the same argument, NumPy's name).

    >>> softmax(lucid.tensor([1.0, 1.0]), dim=0)
    tensor([0.5, 0.5])
    """
    x, chosen = _softmax_args(x, dim, axis, dtype, "softmax")
    shifted, ax = _shifted(x, chosen)
    e = ew.exp(shifted)
    return e / e.sum(axis=ax, keepdims=True)


def log_softmax(
    x: Tensor, dim: int | None = None, *, axis: int | None = None, dtype: dtypes.DTypeLike = None
) -> Tensor:
    """log(softmax(x)) along `dim`, computed without forming softmax (stable for large |x|).

    >>> log_softmax(lucid.tensor([0.0, 0.0]), dim=-1)
    tensor([-0.6931, -0.6931])
    """
    x, chosen = _softmax_args(x, dim, axis, dtype, "log_softmax")
    (ax,) = normalize_axes(chosen, x.ndim, x.shape)
    return fused.log_softmax(x, ax)
