"""Resampling layers: Upsample (and its two fixed-mode spellings), PixelShuffle and PixelUnshuffle."""

from __future__ import annotations

from collections.abc import Sequence

from lucid.autograd.ops.resample import resample
from lucid.nn.functional.resample import shuffle, unshuffle
from lucid.nn.module import Module
from lucid.tensor import Tensor


class Upsample(Module):
    """Resample to `size` or by `scale_factor` with `F.interpolate`'s modes, as `torch.nn.Upsample`.

    >>> nn.Upsample(scale_factor=2, mode="bilinear")(lucid.randn(1, 3, 5, 7)).shape
    (1, 3, 10, 14)
    """

    def __init__(
        self,
        size: int | Sequence[int] | None = None,
        scale_factor: float | Sequence[float] | None = None,
        mode: str = "nearest",
        align_corners: bool | None = None,
        recompute_scale_factor: bool | None = None,
    ) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        # PyTorch keeps the factor as a float (or a tuple of floats), which its repr shows.
        if isinstance(scale_factor, Sequence):
            self.scale_factor: float | tuple[float, ...] | None = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode, self.align_corners = mode, align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, x: Tensor) -> Tensor:
        args = (self.size, self.scale_factor, self.mode, self.align_corners, self.recompute_scale_factor, False)
        return resample(type(self).__name__, x, *args)

    def extra_repr(self) -> str:
        if self.scale_factor is not None:
            text = f"scale_factor={self.scale_factor!r}"
        else:
            text = f"size={self.size!r}"
        return text + f", mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """`Upsample(mode="nearest")` for 4-D input, as `torch.nn.UpsamplingNearest2d`.

    >>> nn.UpsamplingNearest2d(scale_factor=2)(lucid.randn(1, 3, 4, 4)).shape
    (1, 3, 8, 8)
    """

    def __init__(self, size: int | Sequence[int] | None = None, scale_factor: float | None = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """`Upsample(mode="bilinear", align_corners=True)`, as `torch.nn.UpsamplingBilinear2d`.

    >>> nn.UpsamplingBilinear2d(size=(6, 9))(lucid.randn(1, 3, 4, 4)).shape
    (1, 3, 6, 9)
    """

    def __init__(self, size: int | Sequence[int] | None = None, scale_factor: float | None = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


class PixelShuffle(Module):
    """`(*, C * r^2, H, W)` to `(*, C, H * r, W * r)`, as `torch.nn.PixelShuffle`.

    >>> nn.PixelShuffle(3)(lucid.randn(2, 18, 4, 4)).shape
    (2, 2, 12, 12)
    """

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, x: Tensor) -> Tensor:
        return shuffle("PixelShuffle", x, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """`(*, C, H * r, W * r)` to `(*, C * r^2, H, W)`, as `torch.nn.PixelUnshuffle`.

    >>> nn.PixelUnshuffle(2)(lucid.randn(2, 3, 8, 8)).shape
    (2, 12, 4, 4)
    """

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, x: Tensor) -> Tensor:
        return unshuffle("PixelUnshuffle", x, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"
