"""A small user model for the snapshot and diff CLI tests, reached as `regression_nets:small_cnn` (not registered,
so the registry, and the golden folder that mirrors it, stay as they are)."""

from __future__ import annotations

from lucid import Tensor, nn


class SmallCNN(nn.Module):
    def __init__(self, stride: int = 2, num_classes: int = 5) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3, stride=stride, padding=1), nn.ReLU())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(8, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.pool(self.features(x)).flatten(1))


def small_cnn(stride: int = 2, num_classes: int = 5) -> nn.Module:
    model = SmallCNN(stride, num_classes)
    model.default_input_shape = (1, 3, 16, 16)
    return model
