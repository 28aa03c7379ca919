"""The two kinds of image the transforms take, brought to one layout: a lucid Tensor is (..., C, H, W) (or (H, W)),
a NumPy image is (H, W, C) or (H, W), as an image library loads it. Each transform works on a channels-first view
and hands back the kind it was given."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

import numpy as np

from lucid.tensor import Tensor

Image = Any  # Tensor | np.ndarray


class InterpolationMode(Enum):
    """How Resize and RandomResizedCrop compute new pixels (torchvision's names; the string values work too).

    >>> nearest = lucid.transforms.Resize([2, 4], interpolation=lucid.transforms.InterpolationMode.NEAREST)
    >>> nearest(np.arange(4).reshape(2, 2))
    array([[0, 0, 1, 1],
           [2, 2, 3, 3]])
    """

    NEAREST = "nearest"
    BILINEAR = "bilinear"


def interpolation_mode(value: Any, where: str) -> InterpolationMode:
    """Accept our enum, its string value, or another library's enum with the same value (torchvision's)."""
    name = value.value if isinstance(value, Enum) else value
    for mode in InterpolationMode:
        if name == mode.value:
            return mode
    raise ValueError(
        f"{where}: interpolation must be one of {[m.value for m in InterpolationMode]} (an InterpolationMode or its "
        f"name), got {value!r}"
    )


def as_chw(img: Image, where: str) -> tuple[np.ndarray, Callable[[np.ndarray], Image]]:
    """A channels-first NumPy view of `img`, and the function that turns a result back into `img`'s kind."""
    if isinstance(img, Tensor):
        if img.ndim < 2:
            raise ValueError(
                f"{where}: expected a Tensor image of shape (..., C, H, W) or (H, W), got shape {img.shape}"
            )
        return img.numpy(), _to_tensor
    if isinstance(img, np.ndarray):
        if img.ndim == 2:
            return img[None], _to_plane
        if img.ndim == 3:
            return img.transpose(2, 0, 1), _to_hwc
        raise ValueError(f"{where}: expected a NumPy image of shape (H, W) or (H, W, C), got shape {img.shape}")
    raise TypeError(
        f"{where}: expected a lucid Tensor (..., C, H, W) or a NumPy image (H, W, C), got {type(img).__name__}"
    )


def _to_tensor(array: np.ndarray) -> Tensor:
    return Tensor(array)


def _to_plane(array: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(array[0])


def _to_hwc(array: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(array.transpose(1, 2, 0))


def channels_first(img: Image, where: str) -> np.ndarray:
    """`img` as (..., C, H, W) with a channel axis, for transforms that look at channels (colour)."""
    array, _ = as_chw(img, where)
    if isinstance(img, Tensor) and img.ndim < 3:
        raise ValueError(f"{where}: expected a Tensor image of shape (..., C, H, W), got shape {img.shape}")
    return array


def check_channels(array: np.ndarray, allowed: tuple[int, ...], where: str) -> int:
    channels = array.shape[-3]
    if channels not in allowed:
        raise ValueError(f"{where}: expected an image with {' or '.join(map(str, allowed))} channels, got {channels}")
    return channels


def max_value(dtype: np.dtype) -> float:
    """The brightest value of a pixel of this dtype: 1.0 for floats, the integer maximum otherwise."""
    if dtype.kind == "f":
        return 1.0
    return float(np.iinfo(dtype).max)


def get_dimensions(img: Image) -> list[int]:
    """[channels, height, width] of a Tensor (..., C, H, W) or a NumPy (H, W, C) image (1 channel for (H, W)).

    >>> lucid.transforms.functional.get_dimensions(np.zeros((4, 6, 3), dtype=np.uint8))
    [3, 4, 6]
    """
    array, _ = as_chw(img, "get_dimensions")
    channels = 1 if array.ndim == 2 else array.shape[-3]
    return [int(channels), int(array.shape[-2]), int(array.shape[-1])]
