"""Weight initialisation, with PyTorch's `torch.nn.init` names and formulas.

Every function fills a tensor in place (outside the autograd graph) and returns it. Random draws come from
`lucid.random.generator()`, so `lucid.random.seed(n)` makes them repeatable. A meta (shape-only) tensor is
returned untouched once the arguments are checked, with no draws (see lucid.shape_only).

>>> w = lucid.zeros(64, 32, requires_grad=True)
>>> nn.init.kaiming_uniform_(w, a=5**0.5) is w
True
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numpy as np

from lucid import random
from lucid.autograd.grad_mode import no_grad
from lucid.tensor import Tensor

__all__ = [
    "calculate_gain",
    "constant_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "trunc_normal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]

_LINEAR_LIKE = ("linear", "identity", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                "conv_transpose3d", "sigmoid")  # fmt: skip


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The gain PyTorch recommends for a nonlinearity (scales the std of xavier/kaiming init).

    >>> calculate_gain("relu")
    1.4142135623730951
    """
    if nonlinearity in _LINEAR_LIKE:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, bool) or not isinstance(param, (int, float)):
            raise ValueError(f"calculate_gain('leaky_relu'): negative_slope {param!r} is not a number")
        else:
            slope = float(param)
        return math.sqrt(2.0 / (1.0 + slope**2))
    if nonlinearity == "selu":
        # The value PyTorch uses for self-normalising networks (not sqrt(1) as one might expect).
        return 3.0 / 4.0
    known = ", ".join([*_LINEAR_LIKE, "tanh", "relu", "leaky_relu", "selu"])
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; use one of {known}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight laid out as (out, in, *kernel), like PyTorch.

    >>> _calculate_fan_in_and_fan_out(lucid.zeros(16, 8, 3, 3))
    (72, 144)
    """
    _check_tensor(tensor, "_calculate_fan_in_and_fan_out")
    if tensor.ndim < 2:
        raise ValueError(
            f"fan in and fan out can not be computed for a tensor with fewer than 2 dimensions (shape {tensor.shape}); "
            "xavier/kaiming init is for weights shaped (out_features, in_features, *kernel_size)"
        )
    receptive_field = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    mode_name = mode.lower() if isinstance(mode, str) else mode
    if mode_name not in ("fan_in", "fan_out"):
        raise ValueError(f"mode {mode!r} is not supported; use 'fan_in' or 'fan_out'")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode_name == "fan_in" else fan_out


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fill with draws from U(a, b).

    >>> uniform_(lucid.zeros(3), -1.0, 1.0).shape
    (3,)
    """
    _check_float(tensor, "uniform_")
    if not a <= b:
        raise ValueError(f"uniform_: expected a <= b, got a={a}, b={b}")
    return _write(tensor, lambda: random.generator().uniform(a, b, size=tensor.shape))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fill with draws from N(mean, std²).

    >>> normal_(lucid.zeros(3), 0.0, 0.02).shape
    (3,)
    """
    _check_float(tensor, "normal_")
    _check_std(std, "normal_")
    return _write(tensor, lambda: random.generator().normal(mean, std, size=tensor.shape))


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0) -> Tensor:
    """Fill with draws from N(mean, std²) restricted to [a, b]; a and b are absolute values, not multiples of std.

    >>> w = trunc_normal_(lucid.zeros(100), std=0.02)   # a=-2, b=2 cut nothing at this std
    >>> bool((w.numpy() >= -2).all())
    True
    """
    _check_float(tensor, "trunc_normal_")
    _check_std(std, "trunc_normal_")
    if not a < b:
        raise ValueError(f"trunc_normal_: expected a < b, got a={a}, b={b}")
    if std == 0:
        if not a <= mean <= b:
            raise ValueError(f"trunc_normal_: std=0 puts every value at mean={mean}, outside [a, b] = [{a}, {b}]")
        return constant_(tensor, mean)
    # Sample the standard normal on [lo, hi] and map back: x = mean + std * z.
    lo, hi = (a - mean) / std, (b - mean) / std

    def values() -> np.ndarray:
        z = _standard_truncated_normal(lo, hi, tensor.size, random.generator())
        return np.clip(mean + std * z, a, b).reshape(tensor.shape)

    return _write(tensor, values)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with `val`.

    >>> constant_(lucid.zeros(2), 0.5).tolist()
    [0.5, 0.5]
    """
    _check_tensor(tensor, "constant_")
    return _write(tensor, lambda: np.full(tensor.shape, val))


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with 0.

    >>> zeros_(lucid.ones(2)).tolist()
    [0.0, 0.0]
    """
    return constant_(tensor, 0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with 1.

    >>> ones_(lucid.zeros(2)).tolist()
    [1.0, 1.0]
    """
    return constant_(tensor, 1)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot uniform: U(-r, r) with r = gain * sqrt(6 / (fan_in + fan_out)).

    >>> xavier_uniform_(lucid.zeros(4, 3)).shape
    (4, 3)
    """
    _check_float(tensor, "xavier_uniform_")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    bound = math.sqrt(3.0) * std  # a uniform on [-r, r] has std r / sqrt(3)
    return _write(tensor, lambda: random.generator().uniform(-bound, bound, size=tensor.shape))


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot normal: N(0, std²) with std = gain * sqrt(2 / (fan_in + fan_out)).

    >>> xavier_normal_(lucid.zeros(4, 3)).shape
    (4, 3)
    """
    _check_float(tensor, "xavier_normal_")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return _write(tensor, lambda: random.generator().normal(0.0, std, size=tensor.shape))


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu") -> Tensor:
    """He uniform: U(-r, r) with r = gain * sqrt(3 / fan), gain from `calculate_gain(nonlinearity, a)`.

    >>> kaiming_uniform_(lucid.zeros(8, 4), a=5**0.5).shape   # nn.Linear's default init
    (8, 4)
    """
    _check_float(tensor, "kaiming_uniform_")
    if tensor.size == 0:
        warnings.warn("kaiming_uniform_: initializing a zero-element tensor is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    bound = math.sqrt(3.0) * std
    return _write(tensor, lambda: random.generator().uniform(-bound, bound, size=tensor.shape))


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu") -> Tensor:
    """He normal: N(0, std²) with std = gain / sqrt(fan), gain from `calculate_gain(nonlinearity, a)`.

    >>> kaiming_normal_(lucid.zeros(8, 4, 3, 3), mode="fan_out", nonlinearity="relu").shape
    (8, 4, 3, 3)
    """
    _check_float(tensor, "kaiming_normal_")
    if tensor.size == 0:
        warnings.warn("kaiming_normal_: initializing a zero-element tensor is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return _write(tensor, lambda: random.generator().normal(0.0, std, size=tensor.shape))


# ---- helpers ------------------------------------------------------------------------------------


def _write(tensor: Tensor, values: Callable[[], np.ndarray]) -> Tensor:
    # A meta (shape-only) tensor has nothing to fill: `values` is not called, so the arguments are
    # checked as usual but no memory is allocated and no random numbers are drawn.
    if tensor.is_meta:
        return tensor
    # Assign under no_grad: initialisation is not part of any graph, and setitem refuses
    # in-place writes into a tensor that requires grad while grad mode is on.
    with no_grad():
        tensor[...] = np.asarray(values()).astype(tensor.dtype, copy=False)
    return tensor


def _check_tensor(tensor: object, fn: str) -> None:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{fn}: expected a lucid Tensor, got {type(tensor).__name__}")


def _check_float(tensor: object, fn: str) -> None:
    _check_tensor(tensor, fn)
    if tensor.dtype.kind != "f":  # type: ignore[attr-defined]
        raise TypeError(f"{fn}: random init needs a floating-point tensor, got dtype {tensor.dtype}")  # type: ignore[attr-defined]


def _check_std(std: float, fn: str) -> None:
    if not std >= 0:
        raise ValueError(f"{fn}: std must be >= 0, got {std}")


def _normal_cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


_MAX_ROUNDS = 1000  # every proposal below accepts at least ~1/3 of draws, so this is never reached in practice


def _standard_truncated_normal(lo: float, hi: float, n: int, gen: np.random.Generator) -> np.ndarray:
    """n draws from N(0, 1) conditioned on [lo, hi], by rejection with a proposal suited to the interval.

    Plain normal draws when the interval holds a fair share of the mass; otherwise a uniform proposal for a
    narrow interval, or a shifted exponential proposal (Robert, 1995) for a wide one in a tail.
    """
    out = np.empty(n, dtype=np.float64)
    mass = _normal_cdf(hi) - _normal_cdf(lo)
    flip = False
    if mass < 0.25 and hi <= 0.0:
        # Mirror a left-tail interval to the right, sample there, and negate.
        lo, hi, flip = -hi, -lo, True
    todo = np.arange(n)
    rounds = 0
    while todo.size:
        rounds += 1
        if rounds > _MAX_ROUNDS:
            raise RuntimeError(f"trunc_normal_: could not sample N(0, 1) on [{lo}, {hi}]; check mean, std, a and b")
        z, keep = _propose(lo, hi, mass, todo.size, gen)
        out[todo[keep]] = z[keep]
        todo = todo[~keep]
    return -out if flip else out


def _propose(lo: float, hi: float, mass: float, k: int, gen: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """k proposals and which of them are accepted."""
    if mass >= 0.25:
        z = gen.standard_normal(k)
        return z, (z >= lo) & (z <= hi)
    # Closest point of [lo, hi] to 0; the normal density peaks there within the interval.
    near = 0.0 if lo <= 0.0 <= hi else lo
    far = max(lo * lo, hi * hi)
    if math.isfinite(far) and (far - near * near) / 2.0 <= 1.0:
        # Narrow interval: the density varies by at most a factor e across it.
        z = gen.uniform(lo, hi, size=k)
        return z, gen.random(k) <= np.exp((near * near - z * z) / 2.0)
    # Wide interval in the right tail (lo > 0 here): exponential proposal starting at lo.
    rate = (lo + math.sqrt(lo * lo + 4.0)) / 2.0
    z = lo + gen.exponential(1.0 / rate, size=k)
    accept = gen.random(k) <= np.exp(-((z - rate) ** 2) / 2.0)
    return z, accept & (z <= hi)
