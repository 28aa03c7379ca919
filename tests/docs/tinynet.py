"""A toy model family for the docs tests: registered by a fixture, never at import (the zoo stays as it is)."""

from __future__ import annotations

from dataclasses import dataclass

from lucid import nn
from lucid.tensor import Tensor


@dataclass(frozen=True)
class TinyNetConfig:
    """Widths of the toy network.

    Attributes:
        channels: Output channels of the only convolution.
        num_classes: Classifier outputs.

    Validation:
        - `channels` and `num_classes` are positive.

    >>> TinyNetConfig(channels=4).channels
    4
    """

    channels: int = 8
    num_classes: int = 10

    def __post_init__(self) -> None:
        for name in ("channels", "num_classes"):
            if getattr(self, name) <= 0:
                raise ValueError(f"TinyNetConfig.{name}: must be positive, got {getattr(self, name)}")


class TinyNet(nn.Module):
    """TinyNet squeezes an image through one convolution into class scores.

    It exists to show that a family with docstrings and no card gets its pages.

    Args:
        config (TinyNetConfig): How wide the convolution and the classifier are.

    >>> TinyNet(TinyNetConfig())(lucid.randn(1, 3, 16, 16)).shape
    (1, 10)
    """

    def __init__(self, config: TinyNetConfig) -> None:
        super().__init__()
        self.config = config
        self.conv = nn.Conv2d(3, config.channels, kernel_size=3, padding=1)
        self.act = nn.ReLU()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.head = nn.Linear(config.channels, config.num_classes)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.flatten(self.pool(self.act(self.conv(x)))))


def tinynet_s(num_classes: int = 10) -> TinyNet:
    """TinyNet-S: four channels.

    Args:
        num_classes: Classifier outputs.

    Returns:
        The toy model.
    """
    return TinyNet(TinyNetConfig(channels=4, num_classes=num_classes))
