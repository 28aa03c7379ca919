"""Loss ops: finite-difference gradients (float64), and PyTorch's values where the composition would fail."""

from __future__ import annotations

import numpy as np
import pytest

import lucid
from lucid.autograd.ops.loss import BinaryCrossEntropy, smooth_l1
from tests.gradcheck import GradCase, check_gradients

# Probabilities away from 0 and 1 (finite differences must stay inside), with targets that are not just 0 or 1.
_probs = np.array([[0.05, 0.3, 0.5], [0.7, 0.93, 0.2]])
_targets = np.array([[0.0, 1.0, 0.4], [1.0, 0.25, 0.0]])

CASES = {
    "BinaryCrossEntropy": [
        GradCase(BinaryCrossEntropy.apply, [_probs, _targets], "bce of probabilities and soft targets"),
        GradCase(BinaryCrossEntropy.apply, [_probs, np.array([1.0, 0.0, 0.5])], "bce with broadcast targets"),
    ],
    "SmoothL1": [
        # Differences on both sides of beta (|d| of 0.1 to 3), away from |d| = beta itself.
        GradCase(lambda x, t: smooth_l1(x, t, 1.0), [_probs * 4 - 2, _targets], "smooth l1 beta 1"),
        GradCase(lambda x, t: smooth_l1(x, t, 0.5, huber=True), [_probs * 4 - 2, _targets[0]], "huber delta 0.5"),
    ],
}


@pytest.mark.parametrize("case", [c for cases in CASES.values() for c in cases], ids=lambda c: c.label)
def test_loss_gradients_match_finite_differences(case: GradCase) -> None:
    check_gradients(case)


def test_binary_cross_entropy_is_finite_at_saturated_probabilities_as_in_torch() -> None:
    # Float32 sigmoids give exactly 0 and 1 for large logits: the loss is clamped at 100, and the slope stays
    # finite ((x - t) / max(x (1 - x), 1e-12)), where the composed logs would give NaN.
    torch = pytest.importorskip("torch")
    probs = np.array([0.0, 1.0, 1.0, 0.0, 0.5], dtype=np.float32)
    targets = np.array([0.0, 0.0, 1.0, 1.0, 0.3], dtype=np.float32)
    x = lucid.tensor(probs, requires_grad=True)
    t = lucid.tensor(targets, requires_grad=True)
    out = BinaryCrossEntropy.apply(x, t)
    out.sum().backward()
    tx, tt = torch.tensor(probs, requires_grad=True), torch.tensor(targets, requires_grad=True)
    expected = torch.nn.functional.binary_cross_entropy(tx, tt, reduction="none")
    expected.sum().backward()
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-6)  # PyTorch's target slope is +-inf there
    assert np.isfinite(x.grad).all()
