"""lucid.transforms: image transforms with torchvision.transforms' names, arguments and results.

They take lucid Tensors (..., C, H, W) and NumPy images (H, W, C) or (H, W), and give back the same kind (ToTensor
turns a NumPy image into a Tensor). A NumPy image gets what torchvision's tensor transforms give for the same
pixels channels-first. Random transforms draw from lucid's random source, so `lucid.random.seed(n)` repeats them;
inside DataLoader workers each worker's source is seeded on its own.

>>> import lucid.transforms as T
>>> train = T.Compose([T.RandomResizedCrop(8), T.RandomHorizontalFlip(), T.ToTensor(),
...                    T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
>>> train(np.zeros((16, 20, 3), dtype=np.uint8)).shape
(3, 8, 8)
"""

from lucid.transforms import functional
from lucid.transforms._basic import Compose, Lambda, Normalize, ToTensor
from lucid.transforms._color_jitter import ColorJitter
from lucid.transforms._geometric import (
    CenterCrop,
    RandomCrop,
    RandomHorizontalFlip,
    RandomResizedCrop,
    RandomVerticalFlip,
    Resize,
)
from lucid.transforms._image import InterpolationMode

__all__ = [
    "CenterCrop",
    "ColorJitter",
    "Compose",
    "InterpolationMode",
    "Lambda",
    "Normalize",
    "RandomCrop",
    "RandomHorizontalFlip",
    "RandomResizedCrop",
    "RandomVerticalFlip",
    "Resize",
    "ToTensor",
    "functional",
]
