"""End to end: a small CNN learns a synthetic task with SGD and AdamW, step for step as PyTorch does."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import lucid
from lucid import nn, optim
from lucid.nn import functional, layers

torch = pytest.importorskip("torch")

BATCH = 16
MATCH_STEPS = 5


def make_data() -> tuple[np.ndarray, np.ndarray]:
    """64 noisy 1x8x8 images; class 1 when the top half is brighter than the bottom half."""
    rng = np.random.default_rng(0)
    images = rng.standard_normal((64, 1, 8, 8)).astype(np.float32)
    labels = (images[:, 0, :4].mean(axis=(1, 2)) > images[:, 0, 4:].mean(axis=(1, 2))).astype(np.int64)
    # Make the rule easy to see, so a few dozen steps are enough to learn it.
    images[:, 0, :4] += np.where(labels == 1, 0.5, -0.5)[:, None, None].astype(np.float32)
    return images, labels


def build_cnn(nn_: Any) -> Any:
    # Convolutions feeding BatchNorm have no bias (BatchNorm cancels it; its gradient is only rounding
    # noise, which Adam would amplify into steps that differ between the two libraries).
    return nn_.Sequential(
        nn_.Conv2d(1, 4, kernel_size=3, padding=1, bias=False),
        nn_.BatchNorm2d(4),
        nn_.ReLU(),
        nn_.Conv2d(4, 8, kernel_size=3, stride=2, padding=1, bias=False),
        nn_.BatchNorm2d(8),
        nn_.ReLU(),
        nn_.AdaptiveAvgPool2d(1),
        nn_.Flatten(),
        nn_.Linear(8, 2),
    )


def twin_models() -> tuple[nn.Module, Any]:
    """A lucid CNN and a PyTorch CNN with the same initial weights (copied from PyTorch)."""
    torch.manual_seed(0)
    theirs = build_cnn(torch.nn)
    ours = build_cnn(
        SimpleNamespace(Sequential=nn.Sequential, **{name: getattr(layers, name) for name in layers.__all__})
    )
    ours.load_state_dict({key: value.numpy() for key, value in theirs.state_dict().items()})
    return ours, theirs


def batches(steps: int) -> list[tuple[np.ndarray, np.ndarray]]:
    images, labels = make_data()
    order = np.random.default_rng(1).permutation(len(images))
    out = []
    for step in range(steps):
        index = order[(step * BATCH) % len(images) :][:BATCH]
        out.append((images[index], labels[index]))
    return out


def train_lucid(model: nn.Module, opt: optim.Optimizer, data: list[tuple[np.ndarray, np.ndarray]]) -> list[float]:
    losses = []
    model.train()
    for images, labels in data:
        loss = functional.cross_entropy(model(lucid.tensor(images)), lucid.tensor(labels))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def train_torch(model: Any, opt: Any, data: list[tuple[np.ndarray, np.ndarray]]) -> list[float]:
    losses = []
    model.train()
    for images, labels in data:
        loss = torch.nn.functional.cross_entropy(model(torch.from_numpy(images)), torch.from_numpy(labels))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


OPTIMIZERS: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    "sgd_momentum": (
        lambda params: optim.SGD(params, lr=0.1, momentum=0.9),
        lambda params: torch.optim.SGD(params, lr=0.1, momentum=0.9),
    ),
    "adamw": (
        lambda params: optim.AdamW(params, lr=0.02, weight_decay=0.01),
        lambda params: torch.optim.AdamW(params, lr=0.02, weight_decay=0.01),
    ),
}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_first_steps_match_torch(name: str) -> None:
    make_ours, make_theirs = OPTIMIZERS[name]
    ours, theirs = twin_models()
    data = batches(MATCH_STEPS)
    our_losses = train_lucid(ours, make_ours(ours.parameters()), data)
    their_losses = train_torch(theirs, make_theirs(theirs.parameters()), data)
    np.testing.assert_allclose(our_losses, their_losses, rtol=0, atol=1e-4)
    # The weights and BatchNorm running statistics followed the same path too.
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), rtol=1e-3, atol=1e-4, err_msg=key)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_training_drives_the_loss_down(name: str) -> None:
    make_ours, _ = OPTIMIZERS[name]
    ours, _ = twin_models()
    images, labels = make_data()
    losses = train_lucid(ours, make_ours(ours.parameters()), batches(60))
    start, end = float(np.mean(losses[:4])), float(np.mean(losses[-4:]))
    assert end < 0.5 * start, f"{name}: loss went from {start:.3f} to only {end:.3f}"
    # And the model has learned the rule, not just the batches: evaluate on all 64 images in eval mode.
    ours.eval()
    with lucid.no_grad():
        predicted = ours(lucid.tensor(images)).numpy().argmax(axis=1)
    assert (predicted == labels).mean() >= 0.9
