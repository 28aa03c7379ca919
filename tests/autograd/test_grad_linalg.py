"""Finite-difference checks (float64) of lucid.linalg: inv, det, solve, cholesky, svd, qr and the norms.

Decompositions are checked as PyTorch's gradcheck checks them: on well-conditioned matrices with distinct singular
values (built from random orthogonal factors and chosen singular values), since singular vectors are not
differentiable where singular values meet. Cholesky's input is made symmetric positive-definite by the function
itself (x x^T + 3 I), so every perturbation stays symmetric.
"""

from __future__ import annotations

import numpy as np
import pytest

import lucid
from lucid import linalg
from tests.gradcheck import GradCase, check_gradients

_rng = np.random.default_rng(3)


def conditioned(*shape: int) -> np.ndarray:
    """A (batch of) m x n matrices with singular values spread over [1, 3]."""
    *batch, m, n = shape
    out = np.empty(shape)
    for index in np.ndindex(*batch):
        u, _ = np.linalg.qr(_rng.standard_normal((m, m)))
        v, _ = np.linalg.qr(_rng.standard_normal((n, n)))
        s = np.zeros((m, n))
        k = min(m, n)
        s[range(k), range(k)] = np.linspace(3.0, 1.0, k)
        out[index] = u @ s @ v.T
    return out


def _spd(x: lucid.Tensor) -> lucid.Tensor:
    return x @ x.mT + 3.0 * lucid.tensor(np.eye(x.shape[-1]))


def _sign_fixed(u: lucid.Tensor) -> lucid.Tensor:
    # Column signs are a free choice of the decomposition: fix them by the first row so values are comparable.
    return u * lucid.where(u[..., :1, :] >= 0, 1.0, -1.0)


CASES: dict[str, list[GradCase]] = {
    "Inv": [
        GradCase(linalg.inv, [conditioned(3, 3)], "inv"),
        GradCase(lambda a: linalg.inv(a) @ a.mT, [conditioned(2, 3, 3)], "inv batched"),
    ],
    "Det": [
        GradCase(linalg.det, [conditioned(3, 3)], "det"),
        GradCase(linalg.det, [conditioned(2, 2, 2)], "det batched"),
        GradCase(
            linalg.det, [np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.0, 1.0, 5.0]])], "det of a singular matrix"
        ),
    ],
    "Solve": [
        GradCase(linalg.solve, [conditioned(3, 3), (3, 2)], "solve matrix rhs"),
        GradCase(linalg.solve, [conditioned(2, 3, 3), (2, 3)], "solve batch of vectors"),
        GradCase(linalg.solve, [conditioned(3, 3), (2, 3, 1)], "solve broadcast A"),
        GradCase(lambda a, b: linalg.solve(a, b, left=False), [conditioned(3, 3), (2, 3)], "solve left=False"),
    ],
    "Cholesky": [
        GradCase(lambda x: linalg.cholesky(_spd(x)), [(3, 3)], "cholesky"),
        GradCase(lambda x: linalg.cholesky(_spd(x), upper=True), [(2, 3, 3)], "cholesky upper batched"),
    ],
    "Svd": [
        GradCase(linalg.svdvals, [conditioned(4, 3)], "svdvals"),
        GradCase(lambda a: _sign_fixed(linalg.svd(a, full_matrices=False).U), [conditioned(4, 3)], "svd U tall"),
        GradCase(lambda a: _sign_fixed(linalg.svd(a, full_matrices=False).Vh.mT), [conditioned(3, 5)], "svd Vh wide"),
        GradCase(
            lambda a: linalg.svd(a).U * linalg.svd(a).S.unsqueeze(-2), [conditioned(2, 3, 3)], "svd square batched"
        ),
        GradCase(lambda a: linalg.svd(a).Vh[..., :3, :], [conditioned(3, 5)], "svd full_matrices first rows"),
        GradCase(lambda a: linalg.matrix_norm(a, "nuc"), [conditioned(3, 4)], "nuclear norm"),
        GradCase(lambda a: linalg.matrix_norm(a, 2), [conditioned(4, 3)], "spectral norm"),
    ],
    "Qr": [
        GradCase(lambda a: linalg.qr(a).Q, [conditioned(5, 3)], "qr Q tall"),
        GradCase(lambda a: linalg.qr(a).R, [conditioned(5, 3)], "qr R tall"),
        GradCase(lambda a: linalg.qr(a).Q, [conditioned(2, 3, 3)], "qr Q square batched"),
        GradCase(lambda a: linalg.qr(a).R, [conditioned(3, 5)], "qr R wide"),
        GradCase(lambda a: linalg.qr(a).Q, [conditioned(3, 5)], "qr Q wide"),
        GradCase(lambda a: linalg.qr(a, mode="complete").R, [conditioned(3, 4)], "qr complete wide"),
    ],
    "Sqrt": [
        GradCase(lambda a: linalg.vector_norm(a), [(3, 4)], "vector 2-norm"),
        GradCase(lambda a: linalg.norm(a, dim=1, keepdim=True), [(3, 4)], "linalg.norm dim 1"),
        GradCase(lambda a: a.norm(p="fro", dim=(0, 1)), [(3, 4)], "Tensor.norm fro"),
    ],
    "Pow": [
        GradCase(lambda a: linalg.vector_norm(a, 3, dim=0), [(3, 4)], "vector 3-norm"),
        GradCase(lambda a: lucid.norm(a, p=0.5), [(2, 3)], "0.5-norm"),
    ],
    "Abs": [
        GradCase(lambda a: linalg.vector_norm(a, 1, dim=-1), [(3, 4)], "vector 1-norm"),
        GradCase(lambda a: linalg.matrix_norm(a, 1), [(3, 4)], "matrix 1-norm"),
        GradCase(lambda a: linalg.matrix_norm(a, -np.inf, keepdim=True), [(2, 3, 4)], "matrix -inf-norm keepdim"),
    ],
}


@pytest.mark.parametrize("case", [c for cases in CASES.values() for c in cases], ids=lambda c: c.label)
def test_linalg_gradients_match_finite_differences(case: GradCase) -> None:
    check_gradients(case)


def test_a_two_norm_of_zeros_has_a_zero_gradient_as_pytorchs() -> None:
    x = lucid.zeros(2, 3, dtype=lucid.float64, requires_grad=True)
    linalg.vector_norm(x, dim=1).sum().backward()
    assert np.array_equal(x.grad, np.zeros((2, 3)))


def test_qr_refuses_gradients_it_cannot_define() -> None:
    tall = lucid.tensor(conditioned(4, 3), requires_grad=True)
    with pytest.raises(RuntimeError, match="mode='complete' is not differentiable for tall"):
        linalg.qr(tall, mode="complete").Q.sum().backward()
    with pytest.raises(RuntimeError, match="mode='r'"):
        linalg.qr(lucid.tensor(conditioned(4, 3), requires_grad=True), mode="r").R.sum().backward()
