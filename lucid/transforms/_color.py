"""Colour adjustments matching torchvision.transforms.functional on tensors, step by step in the same dtype:
uint8 images are blended in float32 and truncated back to uint8 as torchvision does, float images stay in [0, 1]."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from lucid.transforms._image import Image, as_chw, channels_first, check_channels, max_value


def _compute_dtype(array: np.ndarray) -> np.dtype:
    return array.dtype if array.dtype.kind == "f" else np.dtype(np.float32)


def _check_factor(value: Any, where: str, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: {name} must be a number, got {value!r}")
    return float(value)


def _blend(image: np.ndarray, other: np.ndarray, ratio: float) -> np.ndarray:
    """ratio * image + (1 - ratio) * other, clipped to the dtype's range and cast back (truncating, as torch)."""
    dtype = _compute_dtype(image)
    mixed = dtype.type(ratio) * image.astype(dtype) + dtype.type(1.0 - ratio) * other.astype(dtype)
    return np.clip(mixed, 0, max_value(image.dtype)).astype(image.dtype)


def _grayscale(array: np.ndarray) -> np.ndarray:
    """ITU-R 601 luma of (..., 3, H, W), kept as (..., 1, H, W) in the image's dtype."""
    dtype = _compute_dtype(array)
    r, g, b = (array[..., i, :, :].astype(dtype) for i in range(3))
    luma = dtype.type(0.2989) * r + dtype.type(0.587) * g + dtype.type(0.114) * b
    return luma.astype(array.dtype)[..., None, :, :]


def rgb_to_grayscale(img: Image, num_output_channels: int = 1) -> Image:
    """Luma `0.2989 R + 0.587 G + 0.114 B`, in 1 channel or repeated in 3, as torchvision's `rgb_to_grayscale`.

    >>> lucid.transforms.functional.rgb_to_grayscale(lucid.ones(3, 1, 1)).shape
    (1, 1, 1)
    """
    if num_output_channels not in (1, 3):
        raise ValueError(f"rgb_to_grayscale: num_output_channels must be 1 or 3, got {num_output_channels!r}")
    array = channels_first(img, "rgb_to_grayscale")
    _, restore = as_chw(img, "rgb_to_grayscale")
    channels = check_channels(array, (1, 3), "rgb_to_grayscale")
    gray = _grayscale(array) if channels == 3 else array.copy()
    if num_output_channels == 3:
        gray = np.broadcast_to(gray, (*gray.shape[:-3], 3, *gray.shape[-2:])).copy()
    return restore(gray)


def adjust_brightness(img: Image, brightness_factor: float) -> Image:
    """Scale every pixel by `brightness_factor` (0 gives black, 1 the image), clipped to the valid range.

    >>> lucid.transforms.functional.adjust_brightness(np.full((1, 1, 3), 100, np.uint8), 1.5)[0, 0].tolist()
    [150, 150, 150]
    """
    factor = _check_factor(brightness_factor, "adjust_brightness", "brightness_factor")
    if factor < 0:
        raise ValueError(f"adjust_brightness: brightness_factor must be non-negative, got {factor}")
    array = channels_first(img, "adjust_brightness")
    _, restore = as_chw(img, "adjust_brightness")
    check_channels(array, (1, 3), "adjust_brightness")
    return restore(_blend(array, np.zeros_like(array), factor))


def adjust_contrast(img: Image, contrast_factor: float) -> Image:
    """Blend with the image's mean grey level: 0 gives flat grey, 1 the image, 2 doubles the contrast.

    >>> out = lucid.transforms.functional.adjust_contrast(lucid.tensor([[[0.2, 0.6]]]), 0.0)
    >>> np.allclose(out.numpy(), 0.4)
    True
    """
    factor = _check_factor(contrast_factor, "adjust_contrast", "contrast_factor")
    if factor < 0:
        raise ValueError(f"adjust_contrast: contrast_factor must be non-negative, got {factor}")
    array = channels_first(img, "adjust_contrast")
    _, restore = as_chw(img, "adjust_contrast")
    channels = check_channels(array, (1, 3), "adjust_contrast")
    dtype = _compute_dtype(array)
    gray = _grayscale(array) if channels == 3 else array
    mean = gray.astype(dtype).mean(axis=(-3, -2, -1), keepdims=True, dtype=dtype)
    return restore(_blend(array, mean, factor))


def adjust_saturation(img: Image, saturation_factor: float) -> Image:
    """Blend with the image's grey version: 0 gives greyscale, 1 the image, 2 doubles the saturation.

    >>> out = lucid.transforms.functional.adjust_saturation(lucid.tensor([[[1.0]], [[0.0]], [[0.0]]]), 0.0)
    >>> [round(v, 4) for v in out.numpy().ravel().tolist()]
    [0.2989, 0.2989, 0.2989]
    """
    factor = _check_factor(saturation_factor, "adjust_saturation", "saturation_factor")
    if factor < 0:
        raise ValueError(f"adjust_saturation: saturation_factor must be non-negative, got {factor}")
    array = channels_first(img, "adjust_saturation")
    _, restore = as_chw(img, "adjust_saturation")
    if check_channels(array, (1, 3), "adjust_saturation") == 1:
        return img
    return restore(_blend(array, _grayscale(array), factor))


def _rgb_to_hsv(rgb: np.ndarray) -> np.ndarray:
    r, g, b = rgb[..., 0, :, :], rgb[..., 1, :, :], rgb[..., 2, :, :]
    top = rgb.max(axis=-3)
    bottom = rgb.min(axis=-3)
    flat = top == bottom  # grey pixels: no hue or saturation; the divisors below become 1 to avoid 0/0
    spread = top - bottom
    one = np.ones_like(top)
    s = spread / np.where(flat, one, top)
    divisor = np.where(flat, one, spread)
    rc, gc, bc = (top - r) / divisor, (top - g) / divisor, (top - b) / divisor
    hr = (top == r) * (bc - gc)
    hg = ((top == g) & (top != r)) * (2.0 + rc - bc)
    hb = ((top != g) & (top != r)) * (4.0 + gc - rc)
    h = np.fmod((hr + hg + hb) / 6.0 + 1.0, 1.0)
    return np.stack((h, s, top), axis=-3)


def _hsv_to_rgb(hsv: np.ndarray) -> np.ndarray:
    h, s, v = hsv[..., 0, :, :], hsv[..., 1, :, :], hsv[..., 2, :, :]
    sector = np.floor(h * 6.0)
    f = h * 6.0 - sector
    sector = sector.astype(np.int32) % 6
    p = np.clip(v * (1.0 - s), 0.0, 1.0)
    q = np.clip(v * (1.0 - s * f), 0.0, 1.0)
    t = np.clip(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    # Which of v, p, q, t each channel takes in each of the six hue sectors.
    red = np.choose(sector, (v, q, p, p, t, v))
    green = np.choose(sector, (t, v, v, q, p, p))
    blue = np.choose(sector, (p, p, t, v, v, q))
    return np.stack((red, green, blue), axis=-3)


def adjust_hue(img: Image, hue_factor: float) -> Image:
    """Rotate every pixel's hue by `hue_factor` turns (in [-0.5, 0.5]) in HSV space, as torchvision's `adjust_hue`.

    >>> out = lucid.transforms.functional.adjust_hue(lucid.tensor([[[1.0]], [[0.0]], [[0.0]]]), 1 / 3)
    >>> [round(v, 4) for v in out.numpy().ravel().tolist()]  # red turned to green
    [0.0, 1.0, 0.0]
    """
    factor = _check_factor(hue_factor, "adjust_hue", "hue_factor")
    if not -0.5 <= factor <= 0.5:
        raise ValueError(f"adjust_hue: hue_factor must be in [-0.5, 0.5], got {factor}")
    array = channels_first(img, "adjust_hue")
    _, restore = as_chw(img, "adjust_hue")
    if check_channels(array, (1, 3), "adjust_hue") == 1:
        return img
    # torchvision works in float32 whatever the image's dtype (convert_image_dtype(img, torch.float32)).
    work = array.astype(np.float32)
    if array.dtype.kind != "f":
        work = work / np.float32(max_value(array.dtype))
    hsv = _rgb_to_hsv(work)
    hsv[..., 0, :, :] = np.mod(hsv[..., 0, :, :] + work.dtype.type(factor), 1.0)
    rgb = _hsv_to_rgb(hsv)
    if array.dtype.kind == "f":
        return restore(rgb.astype(array.dtype))
    # float to integer as torchvision's convert_image_dtype: scale by max + 1 - 1e-3, then truncate
    return restore((rgb * np.float32(max_value(array.dtype) + 1.0 - 1e-3)).astype(array.dtype))
