"""Resampling an image's last two axes, with the same sampling positions and weights as PyTorch's
`interpolate(..., align_corners=False)` that torchvision's tensor `resize` calls:

- bilinear: each output pixel blends the two input pixels around `(i + 0.5) * scale - 0.5`;
- bilinear with antialias (torchvision's default): when shrinking, a triangle filter as wide as the scale (the
  separable filter PIL and PyTorch's `_upsample_bilinear2d_aa` use), so every input pixel counts; when enlarging
  it equals plain bilinear;
- nearest: input pixel `floor(i * scale)` (PyTorch's legacy "nearest").

Bilinear resampling along one axis is a matrix with a few non-zero weights per row, so an image is resized with two
matrix products (width, then height) instead of a loop over pixels. Integer images are resized in float32, rounded
and cast back, as torchvision does for uint8 tensors.
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


def bilinear_matrix(in_size: int, out_size: int, dtype: np.dtype) -> np.ndarray:
    """(out_size, in_size) weights of plain bilinear resampling along one axis, computed in `dtype` step by step as
    PyTorch computes them (so a uint8 result rounds the same way)."""
    f = dtype.type
    scale = f(in_size) / f(out_size)
    source = np.maximum(scale * (np.arange(out_size, dtype=dtype) + f(0.5)) - f(0.5), f(0.0))
    left = np.minimum(source.astype(np.int64), in_size - 1)
    right = np.minimum(left + 1, in_size - 1)
    to_right = np.clip(source - left.astype(dtype), f(0.0), f(1.0))
    matrix = np.zeros((out_size, in_size), dtype=dtype)
    rows = np.arange(out_size)
    np.add.at(matrix, (rows, left), f(1.0) - to_right)
    np.add.at(matrix, (rows, right), to_right)  # at the last pixel left == right and the weights add up to 1
    return matrix


def antialias_matrix(in_size: int, out_size: int, dtype: np.dtype) -> np.ndarray:
    """(out_size, in_size) weights of antialiased bilinear resampling along one axis. The steps PyTorch takes in
    double (the pixel centres, the filter's argument) are taken in float64 here too, the rest in `dtype`."""
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
    totals = np.zeros(out_size, dtype=dtype)
    for tap in range(taps):  # summed tap by tap, in PyTorch's order (a handful of taps, never the pixels)
        totals = totals + weights[:, tap]
    weights = weights / np.where(totals == 0.0, f(1.0), totals)[:, None]
    matrix = np.zeros((out_size, in_size), dtype=dtype)
    inside = pixels < in_size
    rows = np.broadcast_to(np.arange(out_size)[:, None], pixels.shape)
    matrix[rows[inside], pixels[inside]] = weights[inside]
    return matrix


def resize_array(array: np.ndarray, height: int, width: int, mode: str, antialias: bool) -> np.ndarray:
    """`array` (..., H, W) resampled to (..., height, width), in its own dtype."""
    in_height, in_width = array.shape[-2:]
    if mode == "nearest":
        rows = nearest_indices(in_height, height)
        cols = nearest_indices(in_width, width)
        return array[..., rows[:, None], cols[None, :]]
    work_dtype = array.dtype if array.dtype in (np.float32, np.float64) else np.dtype(np.float32)
    make = antialias_matrix if antialias else bilinear_matrix
    across = make(in_width, width, work_dtype)
    down = make(in_height, height, work_dtype)
    out = np.matmul(down, np.matmul(array.astype(work_dtype, copy=False), across.T))
    if array.dtype == work_dtype:
        return out
    limits = np.iinfo(array.dtype) if array.dtype.kind in "iu" else None
    out = np.round(out)
    if limits is not None:
        out = np.clip(out, limits.min, limits.max)
    return out.astype(array.dtype)
