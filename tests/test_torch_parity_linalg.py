"""PyTorch parity of lucid.linalg and the norms (the harness: tests/parity.py): inv, det, solve, cholesky, svd,
svdvals, qr, and linalg.norm / vector_norm / matrix_norm / lucid.norm / Tensor.norm in their ord and dim forms.

Decompositions are compared on well-conditioned matrices with distinct singular values, after fixing the signs
that each factorisation leaves free (columns of U and V, the diagonal of R), which two LAPACKs may choose
differently.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import lucid
from lucid import linalg
from tests.parity import OpCase, check_op, op_params, torch  # skips the module without torch
from tests.parity_inputs import conditioned, distinct, spd

pytestmark = pytest.mark.torch

_FOUR_I = 4 * np.eye(4, dtype=np.float32)


def signs(u: Any) -> Any:
    """Columns with a non-negative first row: decompositions may flip a column's sign, libraries differently."""
    lib = lucid if isinstance(u, lucid.Tensor) else torch
    return u * lib.where(u[..., :1, :] >= 0, 1.0, -1.0)


def _qr_fixed(result: Any) -> tuple[Any, Any]:
    """Q and R with R's diagonal made positive (the factorisation is unique up to those signs)."""
    q, r = result
    lib = lucid if isinstance(q, lucid.Tensor) else torch
    k = min(r.shape[-2], r.shape[-1])
    diagonal = r[..., range(k), range(k)] if lib is torch else r[..., np.arange(k), np.arange(k)]
    flip = lib.where(diagonal >= 0, 1.0, -1.0)
    return q[..., :, :k] * flip.unsqueeze(-2), r[..., :k, :] * flip.unsqueeze(-1)


NORMS = [
    OpCase("Sqrt", "norm()", lambda a: a.norm(), lambda a: a.norm(), [(3, 4)]),
    OpCase("Sqrt", "norm dim=1", lambda a: lucid.norm(a, dim=1), lambda a: torch.norm(a, dim=1), [(3, 4)]),
    OpCase(
        "Abs",
        "norm p=1 dims keepdim",
        lambda a: a.norm(p=1, dim=(0, 1), keepdim=True),
        lambda a: a.norm(p=1, dim=(0, 1), keepdim=True),
        [(2, 3, 4)],
    ),
    OpCase("Pow", "norm p=3", lambda a: a.norm(3, -1), lambda a: a.norm(3, -1), [(3, 4)]),
    OpCase(
        "Max",
        "norm p=inf",
        lambda a: a.norm(float("inf"), dim=0),
        lambda a: a.norm(float("inf"), dim=0),
        [distinct(3, 4)],
    ),
    OpCase("Svd", "norm p=nuc", lambda a: a.norm(p="nuc"), lambda a: a.norm(p="nuc"), [conditioned(3, 4)]),
    OpCase("Sqrt", "linalg.norm flat", lambda a: linalg.norm(a), lambda a: torch.linalg.norm(a), [(2, 3, 4)]),
    OpCase("Abs", "linalg.norm matrix ord=1", lambda a: linalg.norm(a, 1), lambda a: torch.linalg.norm(a, 1), [(3, 4)]),
    OpCase(
        "Abs",
        "linalg.norm ord inf dim tuple",
        lambda a: linalg.norm(a, float("inf"), dim=(-1, 0)),
        lambda a: torch.linalg.norm(a, float("inf"), dim=(-1, 0)),
        [(3, 2, 4)],
    ),
    OpCase(
        "Pow",
        "linalg.norm vector ord=0.5 dim=",
        lambda a: linalg.norm(a, 0.5, dim=-1),
        lambda a: torch.linalg.norm(a, 0.5, dim=-1),
        [(3, 4)],
    ),
    OpCase(
        "Sqrt",
        "vector_norm dim keepdim",
        lambda a: linalg.vector_norm(a, dim=(1, 2), keepdim=True),
        lambda a: torch.linalg.vector_norm(a, dim=(1, 2), keepdim=True),
        [(2, 3, 4)],
    ),
    OpCase(
        "Max",
        "vector_norm -inf",
        lambda a: linalg.vector_norm(a, -np.inf),
        lambda a: torch.linalg.vector_norm(a, -np.inf),
        [distinct(3, 4)],
    ),
    OpCase(
        "Sum",
        "vector_norm ord=0",
        # A count: no gradient in lucid (PyTorch's is zero everywhere), so the values alone are compared.
        lambda a: linalg.vector_norm(a.detach(), 0, dim=1),
        lambda a: torch.linalg.vector_norm(a.detach(), 0, dim=1),
        [np.array([[0.0, 1.0, -2.0], [0.0, 0.0, 3.0]], dtype=np.float32)],
    ),
    OpCase(
        "Sqrt",
        "vector_norm of zeros",
        lambda a: linalg.vector_norm(a, dim=1),
        lambda a: torch.linalg.vector_norm(a, dim=1),
        [np.zeros((2, 3), dtype=np.float32)],
    ),
    OpCase(
        "Sqrt", "matrix_norm fro", lambda a: linalg.matrix_norm(a), lambda a: torch.linalg.matrix_norm(a), [(2, 3, 4)]
    ),
    OpCase(
        "Svd",
        "matrix_norm 2 keepdim",
        lambda a: linalg.matrix_norm(a, 2, keepdim=True),
        lambda a: torch.linalg.matrix_norm(a, 2, keepdim=True),
        [conditioned(2, 3, 4)],
    ),
    OpCase(
        "Svd",
        "matrix_norm -2 dims",
        lambda a: linalg.matrix_norm(a, -2, dim=(0, 2)),
        lambda a: torch.linalg.matrix_norm(a, -2, dim=(0, 2)),
        [np.ascontiguousarray(conditioned(2, 4, 3).transpose(1, 0, 2))],
    ),
    OpCase(
        "Svd",
        "matrix_norm nuc",
        lambda a: linalg.matrix_norm(a, "nuc"),
        lambda a: torch.linalg.matrix_norm(a, "nuc"),
        [conditioned(4, 3)],
    ),
    OpCase(
        "Abs",
        "matrix_norm -1",
        lambda a: linalg.matrix_norm(a, -1),
        lambda a: torch.linalg.matrix_norm(a, -1),
        [(3, 4)],
    ),
]

LINALG = [
    OpCase("Inv", "inv", linalg.inv, torch.linalg.inv, [conditioned(3, 3)]),
    OpCase("Inv", "inv batched", linalg.inv, torch.linalg.inv, [conditioned(2, 4, 4)]),
    OpCase("Det", "det", linalg.det, torch.linalg.det, [conditioned(3, 3)]),
    OpCase("Det", "det batched", linalg.det, torch.linalg.det, [conditioned(2, 2, 2)]),
    OpCase("Solve", "solve matrix", linalg.solve, torch.linalg.solve, [conditioned(3, 3), (3, 2)]),
    OpCase("Solve", "solve vector", linalg.solve, torch.linalg.solve, [conditioned(3, 3), (3,)]),
    OpCase("Solve", "solve batch of vectors", linalg.solve, torch.linalg.solve, [conditioned(2, 3, 3), (2, 3)]),
    OpCase("Solve", "solve broadcast", linalg.solve, torch.linalg.solve, [conditioned(3, 3), (2, 3, 2)]),
    OpCase(
        "Solve",
        "solve left=False",
        lambda a, b: linalg.solve(a, b, left=False),
        lambda a, b: torch.linalg.solve(a, b, left=False),
        [conditioned(3, 3), (2, 3)],
    ),
    OpCase("Cholesky", "cholesky", linalg.cholesky, torch.linalg.cholesky, [spd(3)]),
    OpCase(
        "Cholesky",
        "cholesky upper of x x^T",
        lambda x: linalg.cholesky(x @ x.mT + lucid.tensor(_FOUR_I), upper=True),
        lambda x: torch.linalg.cholesky(x @ x.mT + torch.from_numpy(_FOUR_I), upper=True),
        [(4, 4)],
    ),
    OpCase(
        "Svd",
        "svd reduced",
        lambda a: (lambda r: (signs(r.U), r.S, signs(r.Vh.mT)))(linalg.svd(a, full_matrices=False)),
        lambda a: (lambda r: (signs(r.U), r.S, signs(r.Vh.mT)))(torch.linalg.svd(a, full_matrices=False)),
        [conditioned(4, 3)],
        grad_tol=1e-3,
    ),
    OpCase(
        "Svd",
        "svd full wide",
        lambda a: (lambda r: (signs(r.U), r.S, signs(r.Vh[..., :3, :].mT)))(linalg.svd(a)),
        lambda a: (lambda r: (signs(r.U), r.S, signs(r.Vh[..., :3, :].mT)))(torch.linalg.svd(a)),
        [conditioned(2, 3, 5)],
        grad_tol=1e-3,
    ),
    OpCase("Svd", "svdvals", linalg.svdvals, torch.linalg.svdvals, [conditioned(2, 5, 3)]),
    OpCase(
        "Qr",
        "qr tall",
        lambda a: _qr_fixed(linalg.qr(a)),
        lambda a: _qr_fixed(torch.linalg.qr(a)),
        [conditioned(5, 3)],
        grad_tol=1e-3,
    ),
    OpCase(
        "Qr",
        "qr wide batched",
        lambda a: _qr_fixed(linalg.qr(a)),
        lambda a: _qr_fixed(torch.linalg.qr(a)),
        [conditioned(2, 3, 4)],
        grad_tol=1e-3,
    ),
    OpCase(
        "Qr",
        "qr complete",
        lambda a: _qr_fixed(linalg.qr(a, mode="complete")),
        lambda a: _qr_fixed(torch.linalg.qr(a, mode="complete")),
        [conditioned(3, 3)],
        grad_tol=1e-3,
    ),
]


OP_CASES: list[OpCase] = NORMS + LINALG


@pytest.mark.parametrize("case", op_params(OP_CASES))
def test_forward_and_gradients_match_pytorch(case: OpCase) -> None:
    check_op(case)
