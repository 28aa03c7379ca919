"""Finite-difference checks (float64) of matmul: vectors, matrices and broadcast batches."""

from __future__ import annotations

import numpy as np
import pytest

import lucid
from tests.gradcheck import GradCase, check_gradients

CASES: dict[str, list[GradCase]] = {
    "MatMul": [
        GradCase(lambda a, b: a @ b, [(3, 4), (4, 2)], "matrix @ matrix"),
        GradCase(lambda a, b: a @ b, [(4,), (4, 2)], "vector @ matrix"),
        GradCase(lambda a, b: a @ b, [(3, 4), (4,)], "matrix @ vector"),
        GradCase(lambda a, b: lucid.matmul(a, b), [(4,), (4,)], "vector @ vector"),
        GradCase(lambda a, b: a @ b, [(2, 3, 4), (2, 4, 2)], "batch @ batch"),
        GradCase(lambda a, b: a @ b, [(2, 1, 3, 4), (5, 4, 2)], "broadcast batches (2,1,..)@(5,..)"),
        GradCase(lambda a, b: a @ b, [(3, 4), (2, 4, 5)], "matrix @ batch"),
        GradCase(lambda a, b: a @ b, [(4,), (2, 4, 3)], "vector @ batch"),
        GradCase(lambda a, b: a @ b, [(2, 3, 4), (4,)], "batch @ vector"),
        GradCase(lambda a: a @ a.mT, [(2, 3, 4)], "a @ a^T shares one input"),
    ],
}


@pytest.mark.parametrize("case", [c for cases in CASES.values() for c in cases], ids=lambda c: c.label)
def test_matmul_gradients_match_finite_differences(case: GradCase) -> None:
    check_gradients(case)


def test_matmul_with_a_constant_side_leaves_it_without_gradient() -> None:
    w = lucid.randn(4, 2, requires_grad=True)
    x = lucid.randn(3, 4)
    (x @ w).sum().backward()
    assert x.grad is None
    np.testing.assert_allclose(w.grad, np.broadcast_to(x.numpy().sum(axis=0)[:, None], (4, 2)), rtol=1e-6)


def test_numpy_array_on_the_left_of_at_gives_a_tensor() -> None:
    w = lucid.ones(2, 2, requires_grad=True)
    out = np.ones((3, 2), dtype=np.float32) @ w
    assert isinstance(out, lucid.Tensor) and out.requires_grad and out.shape == (3, 2)
