"""Geometric image functions (resize, pad, crop, flip), each matching torchvision.transforms.functional on tensors.
A NumPy (H, W, C) image goes through the same computation as the tensor holding its pixels channels-first."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from lucid.transforms._image import Image, InterpolationMode, as_chw, interpolation_mode
from lucid.transforms._resize import resize_array

PADDING_MODES = ("constant", "edge", "reflect", "symmetric")


def _positive_int(value: Any, where: str, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{where}: {name} must be a positive integer, got {value!r}")
    return int(value)


def pair_size(size: Any, where: str) -> tuple[int, int]:
    """(h, w) from an int (a square) or a sequence of one or two ints, as torchvision's `_setup_size`."""
    if isinstance(size, numbers.Number) and not isinstance(size, bool):
        side = _positive_int(size, where, "size")
        return side, side
    if isinstance(size, Sequence) and not isinstance(size, str) and len(size) in (1, 2):
        h = _positive_int(size[0], where, "size")
        w = _positive_int(size[-1], where, "size")
        return h, w
    raise ValueError(f"{where}: size must be an int or a sequence (h, w), got {size!r}")


def resized_output_size(height: int, width: int, size: Any, max_size: int | None, where: str) -> tuple[int, int]:
    """The (h, w) a resize to `size` gives: an int (or one-element sequence) sets the shorter side, keeping the
    aspect ratio (the longer side rounds down), capped by `max_size`; a pair is (h, w) as given."""
    if isinstance(size, Sequence) and not isinstance(size, str) and len(size) == 2:
        if max_size is not None:
            raise ValueError(
                f"{where}: max_size only applies when size is an int (the shorter side), got size={size!r}"
            )
        return _positive_int(size[0], where, "size"), _positive_int(size[1], where, "size")
    if isinstance(size, Sequence) and not isinstance(size, str) and len(size) == 1:
        size = size[0]
    if isinstance(size, bool) or not isinstance(size, numbers.Integral):
        raise TypeError(f"{where}: size must be an int or a sequence of one or two ints, got {size!r}")
    short_target = _positive_int(size, where, "size")
    short, long = (width, height) if width <= height else (height, width)
    new_short, new_long = short_target, int(short_target * long / short)
    if max_size is not None:
        if max_size <= short_target:
            raise ValueError(f"{where}: max_size={max_size} must be larger than the shorter side's size={size}")
        if new_long > max_size:
            new_short, new_long = int(max_size * new_short / new_long), max_size
    return (new_long, new_short) if width <= height else (new_short, new_long)


def resize(
    img: Image,
    size: Any,
    interpolation: Any = InterpolationMode.BILINEAR,
    max_size: int | None = None,
    antialias: bool = True,
) -> Image:
    """Resize to `size`: an int sets the shorter side (keeping the aspect ratio), (h, w) sets both. Bilinear (with
    antialiasing when shrinking, torchvision's default) or nearest, as torchvision's tensor `resize`.

    >>> img = np.arange(16, dtype=np.float32).reshape(4, 4)
    >>> lucid.transforms.functional.resize(img, 2, antialias=False)
    array([[ 2.5,  4.5],
           [10.5, 12.5]], dtype=float32)
    """
    mode = interpolation_mode(interpolation, "resize")
    array, restore = as_chw(img, "resize")
    height, width = resized_output_size(array.shape[-2], array.shape[-1], size, max_size, "resize")
    if (height, width) == array.shape[-2:]:
        return img
    return restore(resize_array(array, height, width, mode.value, bool(antialias)))


def padding_ltrb(padding: Any, where: str) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) from an int, a pair (left/right, top/bottom) or four values."""
    values = [padding] if isinstance(padding, numbers.Number) else padding
    if not isinstance(values, Sequence) or len(values) not in (1, 2, 4):
        raise ValueError(f"{where}: padding must be an int or a sequence of 1, 2 or 4 ints, got {padding!r}")
    for value in values:
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
            raise ValueError(f"{where}: padding values must be non-negative integers, got padding={padding!r}")
    if len(values) == 1:
        return (int(values[0]),) * 4  # type: ignore[return-value]
    if len(values) == 2:
        return int(values[0]), int(values[1]), int(values[0]), int(values[1])
    return int(values[0]), int(values[1]), int(values[2]), int(values[3])


def pad_array(array: np.ndarray, ltrb: tuple[int, int, int, int], fill: float, mode: str) -> np.ndarray:
    left, top, right, bottom = ltrb
    widths = [(0, 0)] * (array.ndim - 2) + [(top, bottom), (left, right)]
    if mode == "constant":
        return np.pad(array, widths, mode="constant", constant_values=fill)
    return np.pad(array, widths, mode=mode)


def pad(img: Image, padding: Any, fill: float = 0, padding_mode: str = "constant") -> Image:
    """Pad the borders: `padding` is an int, (left/right, top/bottom) or (left, top, right, bottom); `padding_mode`
    is "constant" (with `fill`), "edge", "reflect" or "symmetric", as torchvision's `pad`.

    >>> lucid.transforms.functional.pad(np.ones((1, 2), dtype=np.uint8), [1, 0])
    array([[0, 1, 1, 0]], dtype=uint8)
    """
    if padding_mode not in PADDING_MODES:
        raise ValueError(f"pad: padding_mode must be one of {PADDING_MODES}, got {padding_mode!r}")
    if not isinstance(fill, numbers.Number) or isinstance(fill, bool):
        raise TypeError(f"pad: fill must be a number, got {fill!r}")
    ltrb = padding_ltrb(padding, "pad")
    array, restore = as_chw(img, "pad")
    return restore(pad_array(array, ltrb, fill, padding_mode))


def crop(img: Image, top: int, left: int, height: int, width: int) -> Image:
    """The (height, width) box whose top-left corner is (top, left); parts outside the image are zeros, as in
    torchvision's `crop`.

    >>> lucid.transforms.functional.crop(np.arange(9).reshape(3, 3), 1, 1, 2, 2)
    array([[4, 5],
           [7, 8]])
    """
    for name, value in (("top", top), ("left", left), ("height", height), ("width", width)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"crop: {name} must be an int, got {value!r}")
    if height <= 0 or width <= 0:
        raise ValueError(f"crop: height and width must be positive, got height={height}, width={width}")
    array, restore = as_chw(img, "crop")
    return restore(crop_array(array, int(top), int(left), int(height), int(width)))


def crop_array(array: np.ndarray, top: int, left: int, height: int, width: int) -> np.ndarray:
    h, w = array.shape[-2:]
    bottom, right = top + height, left + width
    inside = array[..., max(top, 0) : max(bottom, 0), max(left, 0) : max(right, 0)]
    if top >= 0 and left >= 0 and bottom <= h and right <= w:
        return inside.copy()
    ltrb = (
        max(-left + min(0, right), 0),
        max(-top + min(0, bottom), 0),
        max(right - max(w, left), 0),
        max(bottom - max(h, top), 0),
    )
    return pad_array(inside, ltrb, 0, "constant")


def center_crop(img: Image, output_size: Any) -> Image:
    """The central (h, w) box (an int makes it square); an image smaller than the box is padded with zeros first,
    as torchvision's `center_crop`. Odd leftovers put the box's corner at `round((H - h) / 2)` (half to even).

    >>> lucid.transforms.functional.center_crop(np.arange(16).reshape(4, 4), 2)
    array([[ 5,  6],
           [ 9, 10]])
    """
    crop_h, crop_w = pair_size(output_size, "center_crop")
    array, restore = as_chw(img, "center_crop")
    h, w = array.shape[-2:]
    if crop_w > w or crop_h > h:
        ltrb = (
            (crop_w - w) // 2 if crop_w > w else 0,
            (crop_h - h) // 2 if crop_h > h else 0,
            (crop_w - w + 1) // 2 if crop_w > w else 0,
            (crop_h - h + 1) // 2 if crop_h > h else 0,
        )
        array = pad_array(array, ltrb, 0, "constant")
        h, w = array.shape[-2:]
        if (crop_h, crop_w) == (h, w):
            return restore(array)
    top = round((h - crop_h) / 2.0)
    left = round((w - crop_w) / 2.0)
    return restore(crop_array(array, top, left, crop_h, crop_w))


def resized_crop(
    img: Image,
    top: int,
    left: int,
    height: int,
    width: int,
    size: Any,
    interpolation: Any = InterpolationMode.BILINEAR,
    antialias: bool = True,
) -> Image:
    """`crop` then `resize` to `size`, as torchvision's `resized_crop`.

    >>> out = lucid.transforms.functional.resized_crop(np.zeros((8, 8, 3), np.uint8), 0, 0, 4, 4, [2, 2])
    >>> out.shape
    (2, 2, 3)
    """
    return resize(crop(img, top, left, height, width), size, interpolation, antialias=antialias)


def hflip(img: Image) -> Image:
    """Mirror left to right.

    >>> lucid.transforms.functional.hflip(np.array([[1, 2, 3]]))
    array([[3, 2, 1]])
    """
    array, restore = as_chw(img, "hflip")
    return restore(array[..., ::-1].copy())


def vflip(img: Image) -> Image:
    """Mirror top to bottom.

    >>> lucid.transforms.functional.vflip(np.array([[1], [2]]))
    array([[2],
           [1]])
    """
    array, restore = as_chw(img, "vflip")
    return restore(array[..., ::-1, :].copy())
