"""ColorJitter: random brightness, contrast, saturation and hue, applied in a random order, as torchvision's."""

from __future__ import annotations

import numbers
from typing import Any

import lucid.random
from lucid.transforms._color import adjust_brightness, adjust_contrast, adjust_hue, adjust_saturation
from lucid.transforms._image import Image

Range = tuple[float, float] | None


def _check_input(
    value: Any, name: str, center: float = 1.0, bound: tuple[float, float] = (0.0, float("inf")), clip: bool = True
) -> Range:
    """A number v gives [center - v, center + v] (clipped at 0 for the factors); a pair is taken as given. The
    no-op range [center, center] gives None (the adjustment is skipped)."""
    if isinstance(value, numbers.Number) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"ColorJitter: {name}={value!r} must be non-negative when it is a single number")
        low, high = center - float(value), center + float(value)
        if clip:
            low = max(low, 0.0)
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        low, high = float(value[0]), float(value[1])
    else:
        raise TypeError(f"ColorJitter: {name} should be a number or a (min, max) pair, got {value!r}")
    if not bound[0] <= low <= high <= bound[1]:
        raise ValueError(f"ColorJitter: {name} values should lie in {bound} as (min, max), got {[low, high]}")
    if low == high == center:
        return None
    return low, high


class ColorJitter:
    """Randomly change brightness, contrast, saturation and hue. Each factor is drawn uniformly from its range
    (a number v gives [max(0, 1 - v), 1 + v], or [-v, v] for hue, with hue within [-0.5, 0.5]); the four
    adjustments run in a random order, as torchvision's ColorJitter.

    >>> jitter = lucid.transforms.ColorJitter(brightness=0.4, hue=0.1)
    >>> jitter
    ColorJitter(brightness=(0.6, 1.4), contrast=None, saturation=None, hue=(-0.1, 0.1))
    >>> jitter(np.zeros((4, 4, 3), dtype=np.uint8)).shape
    (4, 4, 3)
    """

    def __init__(
        self,
        brightness: float | tuple[float, float] = 0,
        contrast: float | tuple[float, float] = 0,
        saturation: float | tuple[float, float] = 0,
        hue: float | tuple[float, float] = 0,
    ) -> None:
        self.brightness = _check_input(brightness, "brightness")
        self.contrast = _check_input(contrast, "contrast")
        self.saturation = _check_input(saturation, "saturation")
        self.hue = _check_input(hue, "hue", center=0.0, bound=(-0.5, 0.5), clip=False)

    @staticmethod
    def get_params(
        brightness: Range, contrast: Range, saturation: Range, hue: Range
    ) -> tuple[list[int], float | None, float | None, float | None, float | None]:
        """The order of the four adjustments (0 brightness, 1 contrast, 2 saturation, 3 hue) and each factor (None
        for a range that is None), drawn as torchvision draws them.

        >>> order, b, c, s, h = lucid.transforms.ColorJitter.get_params((0.5, 1.5), None, None, None)
        >>> sorted(order), 0.5 <= b <= 1.5, c
        ([0, 1, 2, 3], True, None)
        """
        rng = lucid.random.generator()
        order = rng.permutation(4).tolist()
        factors = [
            None if r is None else float(rng.uniform(r[0], r[1])) for r in (brightness, contrast, saturation, hue)
        ]
        return order, factors[0], factors[1], factors[2], factors[3]

    def __call__(self, img: Image) -> Image:
        order, brightness, contrast, saturation, hue = self.get_params(
            self.brightness, self.contrast, self.saturation, self.hue
        )
        for step in order:
            if step == 0 and brightness is not None:
                img = adjust_brightness(img, brightness)
            elif step == 1 and contrast is not None:
                img = adjust_contrast(img, contrast)
            elif step == 2 and saturation is not None:
                img = adjust_saturation(img, saturation)
            elif step == 3 and hue is not None:
                img = adjust_hue(img, hue)
        return img

    def __repr__(self) -> str:
        return (
            f"ColorJitter(brightness={self.brightness}, contrast={self.contrast}, saturation={self.saturation}, "
            f"hue={self.hue})"
        )
