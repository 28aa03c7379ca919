"""Pixel (un)shuffle: moving values between the channel axis and the two spatial axes, as PyTorch's
`F.pixel_shuffle` and `F.pixel_unshuffle`. Pure reshapes and one transpose, so autograd needs nothing new.
(`interpolate` is an op of its own: lucid/autograd/ops/resample.py.)
"""

from __future__ import annotations

from lucid.autograd.ops import shape
from lucid.tensor import Tensor


def _factor(where: str, name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{where}: {name} must be a positive int, got {value!r}")
    return value


def shuffle(where: str, x: Tensor, upscale_factor: int) -> Tensor:
    """`pixel_shuffle` with its errors naming `where` (the function or the layer)."""
    r = _factor(where, "upscale_factor", upscale_factor)
    if not isinstance(x, Tensor) or x.ndim < 3:
        raise ValueError(f"{where}: expected input of shape (*, C * r^2, H, W), got {getattr(x, 'shape', x)}")
    *lead, c, h, w = x.shape
    if c % (r * r):
        raise ValueError(f"{where}: input {x.shape} has {c} channels, not a multiple of upscale_factor^2 = {r * r}")
    k = len(lead)
    split = shape.reshape(x, (*lead, c // (r * r), r, r, h, w))
    # (*, C, r, r, H, W) -> (*, C, H, r, W, r): each r x r block of channels becomes an r x r patch of pixels.
    order = (*range(k), k, k + 3, k + 1, k + 4, k + 2)
    return shape.reshape(shape.transpose(split, order), (*lead, c // (r * r), h * r, w * r))


def unshuffle(where: str, x: Tensor, downscale_factor: int) -> Tensor:
    """`pixel_unshuffle` with its errors naming `where` (the function or the layer)."""
    r = _factor(where, "downscale_factor", downscale_factor)
    if not isinstance(x, Tensor) or x.ndim < 3:
        raise ValueError(f"{where}: expected input of shape (*, C, H * r, W * r), got {getattr(x, 'shape', x)}")
    *lead, c, h, w = x.shape
    if h % r or w % r:
        raise ValueError(f"{where}: input {x.shape} has a height or width that is not a multiple of {r}")
    k = len(lead)
    split = shape.reshape(x, (*lead, c, h // r, r, w // r, r))
    # (*, C, H, r, W, r) -> (*, C, r, r, H, W): each r x r patch of pixels becomes r * r channels.
    order = (*range(k), k, k + 2, k + 4, k + 1, k + 3)
    return shape.reshape(shape.transpose(split, order), (*lead, c * r * r, h // r, w // r))


def pixel_shuffle(x: Tensor, upscale_factor: int) -> Tensor:
    """Rearrange `(*, C * r^2, H, W)` into `(*, C, H * r, W * r)`, as PyTorch's `F.pixel_shuffle`.

    >>> pixel_shuffle(lucid.arange(4.0).reshape(1, 4, 1, 1), 2).tolist()
    [[[[0.0, 1.0], [2.0, 3.0]]]]
    """
    return shuffle("pixel_shuffle", x, upscale_factor)


def pixel_unshuffle(x: Tensor, downscale_factor: int) -> Tensor:
    """Rearrange `(*, C, H * r, W * r)` into `(*, C * r^2, H, W)`, the inverse of `pixel_shuffle`, as PyTorch.

    >>> pixel_unshuffle(lucid.arange(4.0).reshape(1, 1, 2, 2), 2).reshape(-1).tolist()
    [0.0, 1.0, 2.0, 3.0]
    """
    return unshuffle("pixel_unshuffle", x, downscale_factor)
