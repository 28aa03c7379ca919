"""Conversion to tensors and per-channel normalization, as torchvision's `to_tensor` and `normalize`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lucid.tensor import Tensor
from lucid.transforms._image import Image


def to_tensor(pic: np.ndarray) -> Tensor:
    """A NumPy image (H, W, C) or (H, W) as a (C, H, W) Tensor; uint8 pixels become float32 in [0, 1] (divided by
    255), other dtypes are kept, as torchvision's `to_tensor`.

    >>> t = lucid.transforms.functional.to_tensor(np.full((2, 3, 1), 255, dtype=np.uint8))
    >>> t.shape, t.dtype, float(t.max())
    ((1, 2, 3), dtype('float32'), 1.0)
    """
    if not isinstance(pic, np.ndarray):
        raise TypeError(f"to_tensor: pic should be a NumPy image (H, W, C) or (H, W), got {type(pic).__name__}")
    if pic.ndim not in (2, 3):
        raise ValueError(f"to_tensor: pic should be 2 or 3 dimensional (H, W[, C]), got shape {pic.shape}")
    array = pic[:, :, None] if pic.ndim == 2 else pic
    chw = np.ascontiguousarray(array.transpose(2, 0, 1))
    if chw.dtype == np.uint8:
        return Tensor._wrap(chw.astype(np.float32) / np.float32(255))
    return Tensor(chw)


def _per_channel(values: float | Sequence[float], dtype: np.dtype, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=dtype)
    if array.ndim > 1:
        raise ValueError(f"normalize: {name} must be a number or a sequence of one value per channel, got {values!r}")
    return array.reshape(-1, 1, 1)


def check_std(std: float | Sequence[float], dtype: np.dtype, where: str) -> None:
    values = np.atleast_1d(np.asarray(std, dtype=dtype))
    zeros = np.flatnonzero(values == 0)
    if zeros.size:
        channel = int(zeros[0])
        underflow = np.atleast_1d(np.asarray(std, dtype=np.float64))[channel] != 0
        note = f" after conversion to {dtype}" if underflow else ""
        raise ValueError(f"{where}: std={std!r} is zero{note} at channel {channel}, and dividing by it would give inf")


def normalize(
    tensor: Image, mean: float | Sequence[float], std: float | Sequence[float], inplace: bool = False
) -> Image:
    """(x - mean) / std per channel, in the image's float dtype, as torchvision's `normalize`. On a Tensor it is
    made of lucid ops, so gradients flow through it; `inplace=True` writes the result into the tensor given.
    A NumPy (H, W, C) float image is normalized along its last axis.

    >>> x = lucid.ones(3, 2, 2)
    >>> lucid.transforms.functional.normalize(x, [0.5, 0.5, 0.5], [0.5, 0.25, 1.0])[:, 0, 0].tolist()
    [1.0, 2.0, 0.5]
    """
    if isinstance(tensor, np.ndarray):
        if tensor.ndim != 3:
            raise ValueError(f"normalize: expected a NumPy image of shape (H, W, C), got shape {tensor.shape}")
        channels_first = Tensor(np.ascontiguousarray(tensor.transpose(2, 0, 1)))
        out = normalize(channels_first, mean, std).numpy()
        result = np.ascontiguousarray(out.transpose(1, 2, 0))
        if inplace:
            tensor[...] = result
            return tensor
        return result
    if not isinstance(tensor, Tensor):
        raise TypeError(f"normalize: expected a lucid Tensor (..., C, H, W), got {type(tensor).__name__}")
    if tensor.dtype.kind != "f":
        raise TypeError(f"normalize: expected a float tensor, got dtype {tensor.dtype} (use ToTensor first)")
    if tensor.ndim < 3:
        raise ValueError(f"normalize: expected a tensor image of shape (..., C, H, W), got shape {tensor.shape}")
    check_std(std, tensor.dtype, "normalize")
    mean_t = Tensor._wrap(_per_channel(mean, tensor.dtype, "mean"))
    std_t = Tensor._wrap(_per_channel(std, tensor.dtype, "std"))
    channels = tensor.shape[-3]
    for name, values in (("mean", mean_t), ("std", std_t)):
        if values.shape[0] not in (1, channels):
            raise ValueError(
                f"normalize: {name} has {values.shape[0]} values but the image has {channels} channels "
                f"(shape {tensor.shape})"
            )
    if inplace:
        tensor.data = (tensor.data - mean_t.data) / std_t.data
        return tensor
    return (tensor - mean_t) / std_t
