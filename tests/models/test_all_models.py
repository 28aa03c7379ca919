"""Checks every registered model gets for free: parametrized over `lucid.models.list_models()`.

A new model family only has to register its factories; these tests then build each one, run a
forward pass at its default input shape, run a backward pass, and check that its factory
rejects bad arguments.
"""

from __future__ import annotations

import numpy as np
import pytest

import lucid
import lucid.models as models

NAMES = models.list_models()


@pytest.mark.parametrize("name", NAMES)
def test_forward_gives_one_logit_row_per_image(name: str) -> None:
    entry = models.get_model_entry(name)
    model = models.create_model(name).eval()
    assert model.model_name == name
    shape = (1, *entry.default_input_shape[1:])  # batch 1 keeps the big variants affordable
    with lucid.no_grad():
        out = model(lucid.randn(*shape))
    assert out.shape == (1, model.num_classes)
    assert np.isfinite(out.numpy()).all()


@pytest.mark.parametrize("name", NAMES)
def test_backward_reaches_every_parameter(name: str) -> None:
    entry = models.get_model_entry(name)
    model = models.create_model(name, num_classes=3).train()
    x = lucid.randn(1, *entry.default_input_shape[1:])  # batch 1: train-mode norms still see a whole map
    loss = (model(x) * lucid.tensor([1.0, -2.0, 0.5])).sum()
    loss.backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None or not np.isfinite(p.grad).all()]
    assert missing == []


@pytest.mark.parametrize("name", NAMES)
def test_factory_rejects_bad_arguments(name: str) -> None:
    with pytest.raises(ValueError, match="num_classes"):
        models.create_model(name, num_classes=-1)
    with pytest.raises(TypeError, match="no_such_option"):
        models.create_model(name, no_such_option=1)
