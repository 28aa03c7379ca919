"""`model.load_state_dict(lucid.load(path))` restores a model saved with `lucid.save(model.state_dict(), path)`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import lucid
from lucid import nn, optim
from lucid.nn import init


class Affine(nn.Module):
    """y = x @ weight.T + bias, then a per-feature shift held in a buffer."""

    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(lucid.zeros(out_features, in_features))
        self.bias = nn.Parameter(lucid.zeros(out_features))
        self.register_buffer("shift", lucid.zeros(out_features))
        self.register_buffer("scratch", lucid.zeros(out_features), persistent=False)
        init.kaiming_uniform_(self.weight, a=5**0.5)
        init.uniform_(self.bias, -0.1, 0.1)
        init.normal_(self.shift)

    def forward(self, x: lucid.Tensor) -> lucid.Tensor:
        return (x @ self.weight.T + self.bias + self.shift).tanh()


def _model() -> nn.Module:
    return nn.Sequential(Affine(4, 8), Affine(8, 3))


def test_round_trip_restores_every_parameter_and_buffer(tmp_path: Path) -> None:
    source = _model()
    path = tmp_path / "model.npz"
    lucid.save(source.state_dict(), path)
    target = _model()  # different random init
    assert not np.array_equal(target[0].weight.numpy(), source[0].weight.numpy())
    result = target.load_state_dict(lucid.load(path))
    assert list(result.missing_keys) == [] and list(result.unexpected_keys) == []
    assert list(lucid.load(path)) == list(source.state_dict()) == [
        "0.weight", "0.bias", "0.shift", "1.weight", "1.bias", "1.shift",
    ]  # fmt: skip
    for (name, a), b in zip(source.state_dict().items(), target.state_dict().values(), strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
    x = lucid.randn(5, 4)
    np.testing.assert_array_equal(source(x).numpy(), target(x).numpy())
    # Loading fills the existing parameters: they stay trainable Parameters.
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in target.parameters())


def test_trained_weights_survive_a_save_and_load(tmp_path: Path) -> None:
    model = _model()
    opt = optim.AdamW(model.parameters(), lr=0.05)
    x, y = lucid.randn(16, 4), lucid.randn(16, 3)
    for _ in range(5):
        opt.zero_grad()
        ((model(x) - y) ** 2).mean().backward()
        opt.step()
    lucid.save(model.state_dict(), tmp_path / "trained.npz")
    fresh = _model()
    fresh.load_state_dict(lucid.load(tmp_path / "trained.npz"))
    np.testing.assert_array_equal(fresh(x).numpy(), model(x).numpy())


def test_loading_into_a_different_architecture_fails_clearly(tmp_path: Path) -> None:
    lucid.save(_model().state_dict(), tmp_path / "model.npz")
    other = nn.Sequential(Affine(4, 6), Affine(6, 3))
    with pytest.raises(ValueError, match="shape"):
        other.load_state_dict(lucid.load(tmp_path / "model.npz"))
