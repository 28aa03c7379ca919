"""Fused activations: finite-difference gradients (float64), and the same values and gradients as
the composition of primitives they replace, in float32 as the models use them."""

from __future__ import annotations

import math

import numpy as np
import pytest

import lucid
from lucid.autograd.ops import elementwise as ew
from lucid.autograd.ops.activation import (
    elu,
    gelu,
    hardsigmoid,
    hardswish,
    hardtanh,
    leaky_relu,
    log_softmax,
    softplus,
)
from tests.gradcheck import GradCase, check_gradients

# Both signs, across erf's float64 switch at |x / sqrt 2| = 2.5 and far into the tails.
_gelu_inputs = np.array([[-5.0, -3.6, -3.5, -1.2], [-0.3, 0.0, 0.4, 1.1], [2.2, 3.4, 3.6, 6.0]])
# Away from the kinks (finite differences straddling one measure neither side): inside, below and above the bounds.
_clamped = np.array([[-2.7, -1.3, -0.9, -0.2], [0.1, 0.6, 0.95, 1.2], [2.0, 4.1, 5.9, 6.4]])
# Softplus on both sides of its threshold (20 at beta 1, 10 at beta 2) and deep in the tails.
_softplus_inputs = np.array([[-40.0, -8.0, -1.5, -0.2], [0.0, 0.7, 3.0, 9.0], [12.0, 19.0, 21.0, 30.0]])

CASES = {
    "Gelu": [
        GradCase(gelu, [_gelu_inputs], "gelu across the tails"),
        GradCase(gelu, [(2, 3, 4)], "gelu on normal samples"),
    ],
    "Hardtanh": [
        GradCase(hardtanh, [_clamped], "hardtanh -1 1"),
        GradCase(lambda x: hardtanh(x, 0.0, 6.0), [_clamped], "hardtanh as relu6"),
    ],
    "Softplus": [
        GradCase(softplus, [_softplus_inputs], "softplus beta 1 threshold 20"),
        GradCase(lambda x: softplus(x, 2.0, 10.0), [_softplus_inputs / 2.5], "softplus beta 2 threshold 10"),
        GradCase(lambda x: softplus(x, 1.0, float("inf")), [_softplus_inputs], "softplus without threshold"),
    ],
    "Hardsigmoid": [GradCase(hardsigmoid, [_clamped * 1.4], "hardsigmoid on both sides of +-3")],
    "Hardswish": [GradCase(hardswish, [_clamped * 1.4], "hardswish on both sides of +-3")],
    "LeakyRelu": [
        GradCase(leaky_relu, [_clamped], "leaky relu 0.01"),
        GradCase(lambda x: leaky_relu(x, -0.7), [_clamped], "leaky relu with a negative slope"),
    ],
    "LogSoftmax": [
        GradCase(lambda x: log_softmax(x, 1), [(3, 4, 2)], "log softmax over axis 1"),
        GradCase(lambda x: log_softmax(x, 0), [_gelu_inputs * 30], "log softmax of large values"),
    ],
    "Elu": [
        GradCase(elu, [_gelu_inputs], "elu alpha 1"),
        GradCase(lambda x: elu(x, 1.6733, 1.0507), [(3, 4)], "elu with selu's constants"),
        GradCase(lambda x: elu(x, 2.0, 1.0, 0.5), [(3, 4)], "elu with celu's input scale"),
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


def test_fused_gelu_is_as_accurate_on_both_kernel_paths() -> None:
    # Blocks whose values all lie in [-2, 2] take a float32 polynomial, the others the float64 rational
    # (lucid/_kernels/gelu.py). Both are held to PyTorch's accuracy against float64 truth: a block of each
    # kind, a small one, and a NaN, an infinity and a large value in otherwise small blocks.
    rng = np.random.default_rng(7)
    small = np.linspace(-2.0, 2.0, 200_001)  # several blocks, all on the polynomial path
    mixed = rng.standard_normal(150_000) * 3  # blocks with |x| > 2: the rational path
    data = np.concatenate([small, mixed, [0.0, -2.0, 2.0, 2.0001, -7.5]]).astype(np.float32)
    x = lucid.tensor(data, requires_grad=True)
    out = gelu(x)
    out.sum().backward()
    exact = np.array([v * 0.5 * math.erfc(-v / math.sqrt(2.0)) for v in data.astype(np.float64)])
    np.testing.assert_allclose(out.numpy(), exact, rtol=0, atol=5e-7)
    derivative = np.array(
        [0.5 * math.erfc(-v / math.sqrt(2.0)) + v * math.exp(-v * v / 2) / math.sqrt(2 * math.pi) for v in data]
    )
    np.testing.assert_allclose(x.grad, derivative, rtol=0, atol=1e-6)
    # A NaN or an infinity sends its block to the rational path, which keeps them; the rest stays exact.
    special = gelu(lucid.tensor(np.array([0.5, np.nan, 1.0, np.inf, 1.5], dtype=np.float32))).numpy()
    assert np.isnan(special[1]) and special[3] == np.inf
    np.testing.assert_allclose(special[[0, 2, 4]], [0.345731, 0.841345, 1.399789], atol=1e-6)
