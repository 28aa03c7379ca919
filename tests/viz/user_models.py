"""Small user-defined models for the tracer, CLI and browser tests: keyword arguments, tuple and dict outputs,
state a forward could disturb, and a layer that fails."""

from __future__ import annotations

import lucid
from lucid import nn


class Split(nn.Module):
    """A keyword-only option that changes the output shapes, and a tuple output."""

    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Linear(8, 6)

    def forward(self, x: lucid.Tensor, *, keep: int = 4, scale: float = 1.0) -> tuple[lucid.Tensor, lucid.Tensor]:
        y = self.proj(x) * scale
        return y[:, :keep], y[:, keep:]


class Heads(nn.Module):
    """A tensor passed by keyword, and a dict holding a list as output."""

    def __init__(self) -> None:
        super().__init__()
        self.act = nn.ReLU()

    def forward(self, a: lucid.Tensor, b: lucid.Tensor | None = None) -> dict:
        return {"first": a, "pair": [self.act(b), b]}


class TupleNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.split = Split()
        self.heads = Heads()

    def forward(self, x: lucid.Tensor, *, keep: int = 4) -> tuple:
        a, b = self.split(x, keep=keep, scale=0.5)
        out = self.heads(a, b=b)
        return out["first"], out


class SmallCNN(nn.Module):
    """Every kind of state a forward could disturb: BatchNorm statistics, dropout, a random draw."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU())
        self.drop = nn.Dropout(0.5)
        self.head = nn.Linear(4, 2)

    def forward(self, x: lucid.Tensor) -> lucid.Tensor:
        x = self.features(x).mean(axis=(2, 3))
        # Noise, as in noise-injection layers: draws from lucid.random even in eval mode.
        x = self.drop(x) + lucid.randn(*x.shape) * 0.0
        return self.head(x)


class Broken(nn.Module):
    """The third layer expects 5 features and gets 8."""

    def __init__(self) -> None:
        super().__init__()
        self.seq = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(5, 2))

    def forward(self, x: lucid.Tensor) -> lucid.Tensor:
        return self.seq(x)
