"""Image functions behind the transforms, with torchvision.transforms.functional's names and arguments.

Each takes a lucid Tensor (..., C, H, W) or a NumPy image (H, W, C) / (H, W) and returns the same kind; a NumPy
image gets exactly what torchvision's tensor function gives for the same pixels channels-first.

>>> import lucid.transforms.functional as TF
>>> img = np.zeros((32, 48, 3), dtype=np.uint8)
>>> TF.resize(img, 16).shape, TF.center_crop(img, 8).shape
((16, 24, 3), (8, 8, 3))
"""

from lucid.transforms._color import (
    adjust_brightness,
    adjust_contrast,
    adjust_hue,
    adjust_saturation,
    rgb_to_grayscale,
)
from lucid.transforms._convert import normalize, to_tensor
from lucid.transforms._geometry import center_crop, crop, hflip, pad, resize, resized_crop, vflip
from lucid.transforms._image import InterpolationMode, get_dimensions

__all__ = [
    "InterpolationMode",
    "adjust_brightness",
    "adjust_contrast",
    "adjust_hue",
    "adjust_saturation",
    "center_crop",
    "crop",
    "get_dimensions",
    "hflip",
    "normalize",
    "pad",
    "resize",
    "resized_crop",
    "rgb_to_grayscale",
    "to_tensor",
    "vflip",
]
