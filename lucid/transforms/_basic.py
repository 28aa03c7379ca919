"""Composition and conversion transforms: Compose, ToTensor, Normalize, Lambda."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from lucid.tensor import Tensor
from lucid.transforms._convert import check_std, normalize, to_tensor
from lucid.transforms._image import Image


class Compose:
    """Apply transforms one after another.

    >>> t = lucid.transforms.Compose([lucid.transforms.ToTensor(), lucid.transforms.Normalize([0.5], [0.5])])
    >>> t(np.full((2, 2), 255, dtype=np.uint8)).tolist()
    [[[1.0, 1.0], [1.0, 1.0]]]
    """

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        self.transforms = list(transforms)
        for i, t in enumerate(self.transforms):
            if not callable(t):
                raise TypeError(f"Compose: transform {i} is not callable, got {type(t).__name__}")

    def __call__(self, img: Any) -> Any:
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        lines = [f"    {t}" for t in self.transforms]
        return "Compose(\n" + "\n".join(lines) + "\n)"


class ToTensor:
    """A NumPy image (H, W, C) or (H, W) to a (C, H, W) Tensor; uint8 becomes float32 in [0, 1].

    >>> lucid.transforms.ToTensor()(np.zeros((4, 5, 3), dtype=np.uint8)).shape
    (3, 4, 5)
    """

    def __call__(self, pic: np.ndarray) -> Tensor:
        return to_tensor(pic)

    def __repr__(self) -> str:
        return "ToTensor()"


class Normalize:
    """(x - mean) / std per channel, for float Tensor images (..., C, H, W) (or NumPy (H, W, C) float images).
    A zero in `std` is refused when the transform is made.

    >>> norm = lucid.transforms.Normalize(mean=[0.5, 0.5, 0.5], std=[0.5, 0.5, 0.5])
    >>> norm(lucid.zeros(3, 1, 1)).numpy().ravel().tolist()
    [-1.0, -1.0, -1.0]
    """

    def __init__(self, mean: float | Sequence[float], std: float | Sequence[float], inplace: bool = False) -> None:
        check_std(std, np.dtype(np.float64), "Normalize")
        self.mean = mean
        self.std = std
        self.inplace = inplace

    def __call__(self, tensor: Image) -> Image:
        return normalize(tensor, self.mean, self.std, self.inplace)

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean}, std={self.std})"


class Lambda:
    """Wrap a function as a transform.

    >>> lucid.transforms.Lambda(lambda x: x * 2)(3)
    6
    """

    def __init__(self, lambd: Callable[[Any], Any]) -> None:
        if not callable(lambd):
            raise TypeError(f"Lambda: expected a callable, got {type(lambd).__name__}")
        self.lambd = lambd

    def __call__(self, img: Any) -> Any:
        return self.lambd(img)

    def __repr__(self) -> str:
        return "Lambda()"
