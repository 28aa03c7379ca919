"""Resampling an image's last two axes, with the same sampling positions and weights as PyTorch's
`interpolate(..., align_corners=False)` that torchvision's tensor `resize` calls:

- bilinear: each output pixel blends the two input pixels around `(i + 0.5) * scale - 0.5`;
- bilinear with antialias (torchvision's default): when shrinking, a triangle filter as wide as the scale (the
  separable filter PIL and PyTorch's `_upsample_bilinear2d_aa` use), so every input pixel counts; when enlarging
  it equals plain bilinear;
- nearest: input pixel `floor(i * scale)` (PyTorch's legacy "nearest").

Along one axis each output pixel is a weighted sum of a few neighbouring input pixels ("taps"): the image is
resampled across (width), then down (height), one tap at a time over the whole image, summing the taps in the order
PyTorch does. Integer images are resized in float32, rounded and cast back, as torchvision does for uint8 tensors.
"""

from __future__ import annotations

import numpy as np


def nearest_indices(in_size: int, out_size: int) -> np.ndarray:
    """Source index of each output position along one axis."""
    if out_size == in_size:
        return np.arange(out_size)
    if out_size == 2 * in_size:
        return np.arange(out_size) >> 1
    # PyTorch computes this scale and product in float32; so do we, to pick the same pixels.
    scale = np.float32(in_size) / np.float32(out_size)
    picked = np.floor(np.arange(out_size, dtype=np.float32) * scale).astype(np.int64)
    return np.minimum(picked, in_size - 1)


def bilinear_taps(in_size: int, out_size: int, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """(out_size, 2) source indices and weights of plain bilinear resampling along one axis, computed in `dtype`
    step by step as PyTorch computes them (so a uint8 result rounds the same way)."""
    f = dtype.type
    scale = f(in_size) / f(out_size)
    source = np.maximum(scale * (np.arange(out_size, dtype=dtype) + f(0.5)) - f(0.5), f(0.0))
    left = np.minimum(source.astype(np.int64), in_size - 1)
    right = np.minimum(left + 1, in_size - 1)  # at the last pixel both taps read it, with weights adding up to 1
    to_right = np.clip(source - left.astype(dtype), f(0.0), f(1.0))
    return np.stack((left, right), axis=1), np.stack((f(1.0) - to_right, to_right), axis=1)


def antialias_taps(in_size: int, out_size: int, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """(out_size, taps) source indices and weights of antialiased bilinear resampling along one axis. The steps
    PyTorch takes in double (the pixel centres, the filter's argument) are taken in float64 here too, the rest in
    `dtype`. Taps past a pixel's window get weight 0 (and a valid index)."""
    f = dtype.type
    scale = f(in_size) / f(out_size)
    support = scale if scale >= 1.0 else f(1.0)  # the triangle's half-width, in input pixels
    stretch = f(1.0 / np.float64(scale)) if scale >= 1.0 else f(1.0)
    centers = (np.float64(scale) * (np.arange(out_size) + 0.5)).astype(dtype)
    # int() truncation toward zero, as PyTorch's static_cast computes the window's first and last pixel.
    first = np.maximum(((centers - support).astype(np.float64) + 0.5).astype(np.int64), 0)
    stop = np.minimum(((centers + support).astype(np.float64) + 0.5).astype(np.int64), in_size)
    taps = int(np.ceil(support)) * 2 + 1
    pixels = first[:, None] + np.arange(taps)[None, :]
    offsets = (pixels.astype(dtype) - centers[:, None]).astype(np.float64) + 0.5
    distance = np.abs((offsets * np.float64(stretch)).astype(dtype))
    weights = np.where(distance < f(1.0), f(1.0) - distance, f(0.0))
    weights = np.where(pixels < stop[:, None], weights, f(0.0))
    totals = weights[:, 0].copy()
    for tap in range(1, taps):  # summed tap by tap, in PyTorch's order
        totals = totals + weights[:, tap]
    weights = weights / np.where(totals == 0.0, f(1.0), totals)[:, None]
    return np.minimum(pixels, in_size - 1), weights


def resample_axis(array: np.ndarray, index: np.ndarray, weight: np.ndarray, axis: int) -> np.ndarray:
    """Weighted sums of `array`'s pixels along `axis` (-1 or -2): output pixel i is sum_t weight[i, t] *
    array[index[i, t]], with the taps added one after another."""

    def tap(t: int) -> np.ndarray:
        w = weight[:, t] if axis == -1 else weight[:, t, None]
        return np.take(array, index[:, t], axis=axis) * w

    out = tap(0)
    for t in range(1, index.shape[1]):
        if weight[:, t].any():  # a tap outside every window would add exactly zero
            out += tap(t)
    return out


def resize_array(array: np.ndarray, height: int, width: int, mode: str, antialias: bool) -> np.ndarray:
    """`array` (..., H, W) resampled to (..., height, width), in its own dtype."""
    in_height, in_width = array.shape[-2:]
    if mode == "nearest":
        rows = nearest_indices(in_height, height)
        cols = nearest_indices(in_width, width)
        return array[..., rows[:, None], cols[None, :]]
    work_dtype = array.dtype if array.dtype in (np.float32, np.float64) else np.dtype(np.float32)
    taps_for = antialias_taps if antialias else bilinear_taps
    # Channels-first and contiguous: a NumPy (H, W, C) image arrives as a strided view, which gathers slowly.
    out = np.ascontiguousarray(array, dtype=work_dtype)
    # An axis whose size stays is left alone: its weights would be exactly the identity.
    if width != in_width:
        out = resample_axis(out, *taps_for(in_width, width, work_dtype), axis=-1)
    if height != in_height:
        out = resample_axis(out, *taps_for(in_height, height, work_dtype), axis=-2)
    if array.dtype == work_dtype:
        return out if out is not array else out.copy()
    out = np.round(out)
    if array.dtype.kind in "iu":
        limits = np.iinfo(array.dtype)
        out = np.clip(out, limits.min, limits.max)
    return out.astype(array.dtype)
