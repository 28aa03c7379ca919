"""Input checks shared by the layers: errors name the layer, the expected and the received shape."""

from __future__ import annotations

from lucid.tensor import Tensor

IMAGE = ("(N, C, H, W)", "(C, H, W)")  # batched, or one unbatched image, as PyTorch's 2-D layers accept


def check_input(layer: str, x: object, layouts: tuple[str, ...], channels: int | None = None) -> None:
    """Require `x` to match one of `layouts` (e.g. "(N, C, H, W)") and, if given, `channels` on its C axis.

    >>> check_input("Conv2d", lucid.zeros(1, 3, 8, 8), IMAGE, 3)  # passes: returns None
    >>> check_input("Conv2d", lucid.zeros(1, 4, 8, 8), IMAGE, 3)
    Traceback (most recent call last):
    ...
    ValueError: Conv2d: expected input with 3 channels, got shape (1, 4, 8, 8)
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"{layer}: expected a lucid Tensor, got {type(x).__name__}")
    axes_by_rank = {len(layout.strip("()").split(", ")): layout.strip("()").split(", ") for layout in layouts}
    axes = axes_by_rank.get(x.ndim)
    if axes is None:
        raise ValueError(f"{layer}: expected input of shape {' or '.join(layouts)}, got shape {x.shape}")
    if channels is not None and x.shape[axes.index("C")] != channels:
        raise ValueError(f"{layer}: expected input with {channels} channels, got shape {x.shape}")
