"""PyTorch's `clamp` (with `clamp_min` and `clamp_max`): `clip` with bounds that may also be tensors.

Number bounds run the Clip op; tensor bounds are a where() per bound, which routes each element's gradient to
the value taken (the input where it lies within the bounds, inclusive; the bound where it was cut).
"""

from __future__ import annotations

from lucid.autograd.ops.elementwise import Clip, cast, where
from lucid.dtypes import DEFAULT_FLOAT
from lucid.tensor import ArrayLike, Tensor, as_tensor


def clamp(
    input: ArrayLike,  # noqa: A002 - PyTorch's argument names
    min: ArrayLike | None = None,  # noqa: A002
    max: ArrayLike | None = None,  # noqa: A002
) -> Tensor:
    """`input` limited to [min, max] (PyTorch's `clamp`; `clip` with tensor bounds too). Bounds may be numbers or
    tensors that broadcast with `input`; where min > max the result is max, as in PyTorch. The gradient reaches
    `input` where it lies within the bounds (inclusive) and a tensor bound where that bound was taken.

    >>> lucid.clamp(lucid.tensor([-2.0, 0.5, 3.0]), min=-1.0, max=lucid.tensor(1.0))
    tensor([-1. ,  0.5,  1. ])
    """
    if min is None and max is None:
        raise ValueError("clamp: needs at least one of min and max")
    x = as_tensor(input)
    bounds = [b for b in (min, max) if b is not None]
    if x.dtype.kind != "f" and any(
        isinstance(b, float) or (isinstance(b, Tensor) and b.dtype.kind == "f") for b in bounds
    ):
        x = cast(x, DEFAULT_FLOAT)  # a float bound makes the result float, as PyTorch's type promotion does
    if not any(isinstance(b, Tensor) for b in bounds):
        return Clip.apply(x, low=min, high=max)
    # Tensor bounds: a where() per bound routes each element's gradient to the value that was taken; ties keep
    # `input`'s value (the bounds are inclusive).
    if min is not None:
        low = as_tensor(min, like=x)
        x = where(x < low, low, x)
    if max is not None:
        high = as_tensor(max, like=x)
        x = where(x > high, high, x)
    return x


def clamp_min(input: ArrayLike, min: ArrayLike) -> Tensor:  # noqa: A002
    """`clamp(input, min=min)`: values below `min` raised to it.

    >>> lucid.tensor([-1.0, 2.0]).clamp_min(0.0)
    tensor([0., 2.])
    """
    return clamp(input, min=min)


def clamp_max(input: ArrayLike, max: ArrayLike) -> Tensor:  # noqa: A002
    """`clamp(input, max=max)`: values above `max` lowered to it.

    >>> lucid.clamp_max(lucid.tensor([-1.0, 2.0]), lucid.tensor(1.0))
    tensor([-1.,  1.])
    """
    return clamp(input, max=max)
