"""Geometric transforms: Resize, CenterCrop, RandomCrop, RandomResizedCrop and the random flips, with
torchvision's arguments, defaults, reprs and parameter sampling. Random ones draw from lucid's random source
(`lucid.random.seed(n)` repeats them); their `get_params` static methods give the parameters a call would use."""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Sequence
from typing import Any

import lucid.random
from lucid.transforms._geometry import (
    PADDING_MODES,
    center_crop,
    crop,
    hflip,
    pad,
    padding_ltrb,
    pair_size,
    resize,
    resized_crop,
    resized_output_size,
    vflip,
)
from lucid.transforms._image import Image, InterpolationMode, get_dimensions, interpolation_mode


class Resize:
    """Resize to `size`: an int sets the shorter side (the longer keeps the aspect ratio, rounded down, and is capped
    by `max_size`), (h, w) sets both. Bilinear by default, antialiased when shrinking (torchvision's default,
    `antialias=True`; pass False for plain bilinear), or nearest.

    >>> lucid.transforms.Resize(16)(np.zeros((32, 64, 3), dtype=np.uint8)).shape
    (16, 32, 3)
    """

    def __init__(
        self,
        size: int | Sequence[int],
        interpolation: Any = InterpolationMode.BILINEAR,
        max_size: int | None = None,
        antialias: bool = True,
    ) -> None:
        if isinstance(size, bool) or not isinstance(size, (int, Sequence)):
            raise TypeError(f"Resize: size should be an int or a sequence, got {type(size).__name__}")
        if isinstance(size, Sequence) and len(size) not in (1, 2):
            raise ValueError(f"Resize: a size sequence should have 1 or 2 values, got {size!r}")
        resized_output_size(8, 8, size, max_size, "Resize")  # checks size and max_size now, not at the first image
        self.size = size
        self.max_size = max_size
        self.interpolation = interpolation_mode(interpolation, "Resize")
        self.antialias = antialias

    def __call__(self, img: Image) -> Image:
        return resize(img, self.size, self.interpolation, self.max_size, self.antialias)

    def __repr__(self) -> str:
        return (
            f"Resize(size={self.size}, interpolation={self.interpolation.value}, max_size={self.max_size}, "
            f"antialias={self.antialias})"
        )


def _stored_size(size: Any, where: str) -> Any:
    """The size as torchvision stores it (and shows it in the repr): a pair as given, anything else as (s, s)."""
    pair = pair_size(size, where)
    return size if isinstance(size, Sequence) and len(size) == 2 else pair


class CenterCrop:
    """The central (h, w) box (an int gives a square); a smaller image is zero-padded first, as torchvision.

    >>> lucid.transforms.CenterCrop(2)(np.arange(16).reshape(4, 4))
    array([[ 5,  6],
           [ 9, 10]])
    """

    def __init__(self, size: int | Sequence[int]) -> None:
        self.size = _stored_size(size, "CenterCrop")

    def __call__(self, img: Image) -> Image:
        return center_crop(img, self.size)

    def __repr__(self) -> str:
        return f"CenterCrop(size={self.size})"


def _randint(low: int, high: int) -> int:
    """An int in [low, high), from lucid's random source."""
    return int(lucid.random.generator().integers(low, high))


def _uniform(low: float, high: float) -> float:
    return float(lucid.random.generator().uniform(low, high))


class RandomCrop:
    """A random (h, w) box, after optional `padding`; `pad_if_needed` pads a too-small side by the missing amount on
    both ends (as torchvision does) instead of refusing it.

    >>> lucid.transforms.RandomCrop(2, padding=1)(np.ones((3, 3), dtype=np.uint8)).shape
    (2, 2)
    """

    def __init__(
        self,
        size: int | Sequence[int],
        padding: int | Sequence[int] | None = None,
        pad_if_needed: bool = False,
        fill: float = 0,
        padding_mode: str = "constant",
    ) -> None:
        self.size = pair_size(size, "RandomCrop")
        if padding is not None:
            padding_ltrb(padding, "RandomCrop")
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"RandomCrop: padding_mode must be one of {PADDING_MODES}, got {padding_mode!r}")
        self.padding = padding
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode

    @staticmethod
    def get_params(img: Image, output_size: tuple[int, int]) -> tuple[int, int, int, int]:
        """(top, left, height, width) of a uniformly placed `output_size` box inside `img`.

        >>> lucid.transforms.RandomCrop.get_params(np.zeros((4, 4)), (4, 4))
        (0, 0, 4, 4)
        """
        _, h, w = get_dimensions(img)
        th, tw = output_size
        if h < th or w < tw:
            raise ValueError(
                f"RandomCrop: required crop size {(th, tw)} is larger than the input image size {(h, w)} "
                "(pass padding or pad_if_needed=True)"
            )
        if w == tw and h == th:
            return 0, 0, h, w
        top = _randint(0, h - th + 1)
        left = _randint(0, w - tw + 1)
        return top, left, th, tw

    def __call__(self, img: Image) -> Image:
        if self.padding is not None:
            img = pad(img, self.padding, self.fill, self.padding_mode)
        _, height, width = get_dimensions(img)
        if self.pad_if_needed and width < self.size[1]:
            img = pad(img, [self.size[1] - width, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and height < self.size[0]:
            img = pad(img, [0, self.size[0] - height], self.fill, self.padding_mode)
        top, left, h, w = self.get_params(img, self.size)
        return crop(img, top, left, h, w)

    def __repr__(self) -> str:
        return f"RandomCrop(size={self.size}, padding={self.padding})"


def _check_range(value: Any, where: str, name: str) -> tuple[float, float]:
    if not isinstance(value, Sequence) or len(value) != 2:
        raise TypeError(f"{where}: {name} should be a sequence (min, max), got {value!r}")
    low, high = value
    for v in (low, high):
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or v <= 0:
            raise ValueError(f"{where}: {name} values should be positive numbers, got {name}={value!r}")
    if low > high:
        warnings.warn(f"{where}: {name} should be of kind (min, max), got {value!r}", stacklevel=3)
    return float(low), float(high)


class RandomResizedCrop:
    """A random box of random area (`scale`, a fraction of the image's area) and aspect ratio (`ratio`, drawn
    uniformly in log space), resized to `size`: torchvision's sampling, ten tries then a central fallback.

    >>> lucid.transforms.RandomResizedCrop(8)(np.zeros((20, 30, 3), dtype=np.uint8)).shape
    (8, 8, 3)
    """

    def __init__(
        self,
        size: int | Sequence[int],
        scale: tuple[float, float] = (0.08, 1.0),
        ratio: tuple[float, float] = (3.0 / 4.0, 4.0 / 3.0),
        interpolation: Any = InterpolationMode.BILINEAR,
        antialias: bool = True,
    ) -> None:
        self.size = _stored_size(size, "RandomResizedCrop")
        self.scale = _check_range(scale, "RandomResizedCrop", "scale")
        self.ratio = _check_range(ratio, "RandomResizedCrop", "ratio")
        self.interpolation = interpolation_mode(interpolation, "RandomResizedCrop")
        self.antialias = antialias

    @staticmethod
    def get_params(img: Image, scale: Sequence[float], ratio: Sequence[float]) -> tuple[int, int, int, int]:
        """(top, left, height, width) of the box a call would crop, drawn as torchvision draws it.

        >>> top, left, h, w = lucid.transforms.RandomResizedCrop.get_params(np.zeros((10, 10)), (1.0, 1.0), (1.0, 1.0))
        >>> (top, left, h, w)
        (0, 0, 10, 10)
        """
        _, height, width = get_dimensions(img)
        area = height * width
        log_low, log_high = math.log(ratio[0]), math.log(ratio[1])
        for _ in range(10):
            target_area = area * _uniform(scale[0], scale[1])
            aspect = math.exp(_uniform(log_low, log_high))
            w = round(math.sqrt(target_area * aspect))
            h = round(math.sqrt(target_area / aspect))
            if 0 < w <= width and 0 < h <= height:
                top = _randint(0, height - h + 1)
                left = _randint(0, width - w + 1)
                return top, left, h, w
        # Ten misses (an extreme scale or ratio): the largest central box within the ratio bounds.
        in_ratio = float(width) / float(height)
        if in_ratio < min(ratio):
            w = width
            h = round(w / min(ratio))
        elif in_ratio > max(ratio):
            h = height
            w = round(h * max(ratio))
        else:
            w, h = width, height
        return (height - h) // 2, (width - w) // 2, h, w

    def __call__(self, img: Image) -> Image:
        top, left, h, w = self.get_params(img, self.scale, self.ratio)
        return resized_crop(img, top, left, h, w, list(self.size), self.interpolation, antialias=self.antialias)

    def __repr__(self) -> str:
        return (
            f"RandomResizedCrop(size={self.size}, scale={tuple(round(s, 4) for s in self.scale)}, "
            f"ratio={tuple(round(r, 4) for r in self.ratio)}, interpolation={self.interpolation.value}, "
            f"antialias={self.antialias})"
        )


def _check_probability(p: Any, where: str) -> float:
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 <= p <= 1:
        raise ValueError(f"{where}: p should be a probability in [0, 1], got p={p!r}")
    return p  # kept as given, so the repr shows it as written (p=1, as torchvision)


class RandomHorizontalFlip:
    """Mirror left to right with probability `p`.

    >>> lucid.transforms.RandomHorizontalFlip(p=1.0)(np.array([[1, 2]]))
    array([[2, 1]])
    """

    def __init__(self, p: float = 0.5) -> None:
        self.p = _check_probability(p, "RandomHorizontalFlip")

    def __call__(self, img: Image) -> Image:
        if lucid.random.generator().random() < self.p:
            return hflip(img)
        return img

    def __repr__(self) -> str:
        return f"RandomHorizontalFlip(p={self.p})"


class RandomVerticalFlip:
    """Mirror top to bottom with probability `p`.

    >>> lucid.transforms.RandomVerticalFlip(p=1.0)(np.array([[1], [2]]))
    array([[2],
           [1]])
    """

    def __init__(self, p: float = 0.5) -> None:
        self.p = _check_probability(p, "RandomVerticalFlip")

    def __call__(self, img: Image) -> Image:
        if lucid.random.generator().random() < self.p:
            return vflip(img)
        return img

    def __repr__(self) -> str:
        return f"RandomVerticalFlip(p={self.p})"
