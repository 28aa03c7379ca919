"""Fused activations: finite-difference gradients (float64), and the same values and gradients as
the composition of primitives they replace, in float32 as the models use them."""

from __future__ import annotations

import math

import numpy as np
import pytest

import lucid
from lucid.autograd.ops import elementwise as ew
from lucid.autograd.ops.activation import gelu
from tests.gradcheck import GradCase, check_gradients

# Both signs, across erf's float64 switch at |x / sqrt 2| = 2.5 and far into the tails.
_gelu_inputs = np.array([[-5.0, -3.6, -3.5, -1.2], [-0.3, 0.0, 0.4, 1.1], [2.2, 3.4, 3.6, 6.0]])

CASES = {
    "Gelu": [
        GradCase(gelu, [_gelu_inputs], "gelu across the tails"),
        GradCase(gelu, [(2, 3, 4)], "gelu on normal samples"),
    ],
}


@pytest.mark.parametrize("case", [c for cases in CASES.values() for c in cases], ids=lambda c: c.label)
def test_activation_gradients_match_finite_differences(case: GradCase) -> None:
    check_gradients(case)


def _composed_gelu(x: lucid.Tensor) -> lucid.Tensor:
    return x * 0.5 * (1.0 + ew.erf(x * math.sqrt(0.5)))


def test_fused_gelu_matches_the_composition_in_float32() -> None:
    data = (np.random.default_rng(3).standard_normal((4, 64, 7, 7)) * 2).astype(np.float32)
    weights = np.random.default_rng(4).standard_normal(data.shape).astype(np.float32)
    results = []
    for fn in (gelu, _composed_gelu):
        x = lucid.tensor(data, requires_grad=True)
        out = fn(x)
        (out * lucid.tensor(weights)).sum().backward()
        assert out.dtype == np.float32 and x.grad.dtype == np.float32
        results.append((out.numpy(), x.grad))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-5, atol=1e-6)


def test_fused_gelu_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    data = np.linspace(-8, 8, 1001).astype(np.float32)
    x = lucid.tensor(data, requires_grad=True)
    out = gelu(x)
    out.sum().backward()
    tx = torch.tensor(data, requires_grad=True)
    torch.nn.functional.gelu(tx).sum().backward()
    # In float32, Phi(x) = 0.5 (1 + erf) cancels in the left tail for both libraries, so values are
    # compared with float64 truth within a few float32 ulps of 1 (PyTorch's own error is ~3e-7).
    truth = [v * 0.5 * math.erfc(-v / math.sqrt(2.0)) for v in data.astype(np.float64)]
    np.testing.assert_allclose(out.numpy(), truth, rtol=0, atol=5e-7)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=0, atol=1e-6)
