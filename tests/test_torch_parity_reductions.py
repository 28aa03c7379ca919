"""PyTorch parity of sorting, reductions over a dim, scans and einsum (the harness: tests/parity.py): sort/argsort/
topk, max/min with dim=, amax/amin, sum/mean/var/std with dim=/keepdim=, softmax, logsumexp, cumsum/cumprod and
einsum in PyTorch's equation forms. Indices must equal PyTorch's, so inputs have no ties unless a case is about
ties.
"""

from __future__ import annotations

import numpy as np
import pytest

import lucid
from tests.parity import OpCase, check_op, op_params, torch  # skips the module without torch
from tests.parity_inputs import distinct

pytestmark = pytest.mark.torch

F = torch.nn.functional
_zeros = np.array([[1.5, 0.0, 2.0, 0.0, -3.0], [2.0, -3.0, 0.5, 1.0, 0.0]], dtype=np.float32)

SORT_AND_REDUCE = [
    OpCase("Gather", "sort", lambda a: lucid.sort(a), lambda a: torch.sort(a), [distinct(3, 4)]),
    OpCase(
        "Gather",
        "sort dim=0 descending",
        lambda a: a.sort(dim=0, descending=True),
        lambda a: a.sort(dim=0, descending=True),
        [distinct(3, 4)],
    ),
    OpCase(
        "Gather",
        "sort stable ties",
        lambda a: lucid.sort(a, stable=True),
        lambda a: torch.sort(a, stable=True),
        [np.array([[2.0, 1.0, 2.0, 1.0, 0.0]], dtype=np.float32)],
    ),
    OpCase(
        "Gather",
        "sort descending stable ties",
        lambda a: a.sort(descending=True, stable=True),
        lambda a: a.sort(descending=True, stable=True),
        [np.array([[2.0, 1.0, 2.0, 1.0, 3.0]], dtype=np.float32)],
    ),
    OpCase("Gather", "topk", lambda a: lucid.topk(a, 2), lambda a: torch.topk(a, 2), [distinct(3, 5)]),
    OpCase(
        "Gather",
        "topk smallest dim=0",
        lambda a: a.topk(2, dim=0, largest=False),
        lambda a: a.topk(2, dim=0, largest=False),
        [distinct(4, 3)],
    ),
    OpCase(
        "Gather", "topk k=all", lambda a: a.topk(4, sorted=True), lambda a: a.topk(4, sorted=True), [distinct(2, 4)]
    ),
    OpCase(
        "Gather",
        "topk 10 of 30 (by partition)",
        lambda a: a.topk(10, dim=-1),
        lambda a: a.topk(10, dim=-1),
        [distinct(2, 30)],
    ),
    OpCase(
        "Gather",
        "topk 3 smallest of 30 with one -inf a row",
        lambda a: lucid.topk(a, 3, largest=False),
        lambda a: torch.topk(a, 3, largest=False),
        [np.where(np.arange(60).reshape(2, 30) % 29 == 7, -np.inf, distinct(2, 30)).astype(np.float32)],
    ),
    OpCase("Gather", "max(dim=1)", lambda a: a.max(dim=1), lambda a: a.max(dim=1), [distinct(3, 4)]),
    OpCase(
        "Gather",
        "max(dim=-1, keepdim)",
        lambda a: lucid.max(a, dim=-1, keepdim=True),
        lambda a: torch.max(a, dim=-1, keepdim=True),
        [distinct(2, 3, 4)],
    ),
    OpCase(
        "Gather",
        "min(dim=0) ties take the first",
        lambda a: a.min(dim=0),
        lambda a: a.min(dim=0),
        [np.array([[1.0, 0.0], [1.0, 2.0], [0.5, 0.0]], dtype=np.float32)],
    ),
    OpCase("Maximum", "max(other)", lambda a, b: a.max(b), lambda a, b: a.max(b), [distinct(3), distinct(3)]),
    OpCase("Max", "max axis= (values)", lambda a: a.max(axis=1), lambda a: a.amax(dim=1), [distinct(3, 4)]),
    OpCase(
        "Max",
        "amax dims",
        lambda a: a.amax(dim=(0, -1), keepdim=True),
        lambda a: a.amax(dim=(0, -1), keepdim=True),
        [distinct(2, 3, 4)],
    ),
    OpCase("Max", "amin", lambda a: lucid.amin(a, -1), lambda a: torch.amin(a, -1), [distinct(3, 4)]),
    OpCase(
        "Sum",
        "sum dim= keepdim=",
        lambda a: a.sum(dim=1, keepdim=True),
        lambda a: a.sum(dim=1, keepdim=True),
        [(2, 3, 4)],
    ),
    OpCase(
        "Sum",
        "sum dim tuple negative",
        lambda a: lucid.sum(a, dim=(-1, 0)),
        lambda a: torch.sum(a, dim=(-1, 0)),
        [(2, 3, 4)],
    ),
    OpCase("Sum", "mean dim=", lambda a: a.mean(dim=-1), lambda a: a.mean(dim=-1), [(3, 4)]),
    OpCase(
        "Sum",
        "var unbiased=False",
        lambda a: a.var(dim=1, unbiased=False),
        lambda a: a.var(dim=1, unbiased=False),
        [(3, 5)],
    ),
    OpCase(
        "Sum",
        "std dim keepdim correction",
        lambda a: a.std(dim=0, keepdim=True, correction=0),
        lambda a: a.std(dim=0, keepdim=True, correction=0),
        [(4, 3)],
    ),
    OpCase("Exp", "softmax dim=", lambda a: a.softmax(dim=-1), lambda a: a.softmax(dim=-1), [(2, 5)]),
    OpCase(
        "Exp",
        "F.softmax dim=1",
        lambda a: lucid.nn.functional.softmax(a, dim=1),
        lambda a: F.softmax(a, dim=1),
        [(2, 3, 4)],
    ),
    OpCase("Exp", "log_softmax dim=0", lambda a: a.log_softmax(0), lambda a: a.log_softmax(0), [(3, 4)]),
    OpCase("Exp", "logsumexp", lambda a: lucid.logsumexp(a, 1), lambda a: torch.logsumexp(a, 1), [(3, 4)]),
    OpCase(
        "Exp",
        "logsumexp dims keepdim",
        lambda a: a.logsumexp(dim=(0, -1), keepdim=True),
        lambda a: a.logsumexp(dim=(0, -1), keepdim=True),
        [(2, 3, 4)],
    ),
    OpCase(
        "Exp",
        "logsumexp large and -inf",
        lambda a: a.logsumexp(-1),
        lambda a: a.logsumexp(-1),
        [np.array([[1000.0, 999.0], [-np.inf, -np.inf]], dtype=np.float32)],
    ),
    OpCase("Cumsum", "cumsum", lambda a: lucid.cumsum(a, 0), lambda a: torch.cumsum(a, 0), [(4, 3)]),
    OpCase("Cumsum", "cumsum dim=-1", lambda a: a.cumsum(dim=-1), lambda a: a.cumsum(dim=-1), [(2, 3, 4)]),
    OpCase(
        "Cumsum",
        "cumsum dtype",
        lambda a: a.cumsum(1, dtype=lucid.float64),
        lambda a: a.cumsum(1, dtype=torch.float64),
        [(2, 3)],
    ),
    OpCase("Cumprod", "cumprod", lambda a: lucid.cumprod(a, 1), lambda a: torch.cumprod(a, 1), [(3, 4)]),
    OpCase("Cumprod", "cumprod zeros dim=-1", lambda a: a.cumprod(dim=-1), lambda a: a.cumprod(dim=-1), [_zeros]),
]

EINSUM = [
    OpCase(
        "MatMul",
        "einsum matmul",
        lambda a, b: lucid.einsum("ij,jk->ik", a, b),
        lambda a, b: torch.einsum("ij,jk->ik", a, b),
        [(2, 3), (3, 4)],
    ),
    OpCase(
        "MatMul",
        "einsum bmm",
        lambda a, b: lucid.einsum("bij,bjk->bik", a, b),
        lambda a, b: torch.einsum("bij,bjk->bik", a, b),
        [(2, 3, 4), (2, 4, 5)],
    ),
    OpCase(
        "MatMul",
        "einsum attention",
        lambda q, k: lucid.einsum("bhqd,bhkd->bhqk", q, k),
        lambda q, k: torch.einsum("bhqd,bhkd->bhqk", q, k),
        [(2, 2, 3, 4), (2, 2, 5, 4)],
    ),
    OpCase(
        "MatMul",
        "einsum implicit output",
        lambda a, b: lucid.einsum("ij,kj", a, b),
        lambda a, b: torch.einsum("ij,kj", a, b),
        [(2, 3), (4, 3)],
    ),
    OpCase(
        "MatMul",
        "einsum list of operands",
        lambda a, b: lucid.einsum("ij,j->i", [a, b]),
        lambda a, b: torch.einsum("ij,j->i", [a, b]),
        [(3, 4), (4,)],
    ),
    OpCase(
        "MatMul",
        "einsum three operands",
        lambda a, b, c: lucid.einsum("ab,bc,cd->da", a, b, c),
        lambda a, b, c: torch.einsum("ab,bc,cd->da", a, b, c),
        [(2, 3), (3, 4), (4, 5)],
    ),
    OpCase(
        "MatMul",
        "einsum ellipsis broadcast",
        lambda a, b: lucid.einsum("...ij,...jk->...ik", a, b),
        lambda a, b: torch.einsum("...ij,...jk->...ik", a, b),
        [(2, 1, 3, 4), (5, 4, 2)],
    ),
    OpCase(
        "MatMul",
        "einsum summed size-1 dim",
        lambda a, b: lucid.einsum("ij,jk->ik", a, b),
        lambda a, b: torch.einsum("ij,jk->ik", a, b),
        [(2, 1), (3, 4)],
    ),
    OpCase(
        "Mul",
        "einsum outer",
        lambda a, b: lucid.einsum("i,j->ij", a, b),
        lambda a, b: torch.einsum("i,j->ij", a, b),
        [(3,), (2,)],
    ),
    OpCase(
        "Mul",
        "einsum batch elementwise",
        lambda a, b: lucid.einsum("bi,bi->b", a, b),
        lambda a, b: torch.einsum("bi,bi->b", a, b),
        [(3, 4), (3, 4)],
    ),
    OpCase("Sum", "einsum trace", lambda a: lucid.einsum("ii", a), lambda a: torch.einsum("ii", a), [(3, 3)]),
    OpCase(
        "Sum",
        "einsum diagonal",
        lambda a: lucid.einsum("bii->bi", a),
        lambda a: torch.einsum("bii->bi", a),
        [(2, 3, 3)],
    ),
    OpCase(
        "Transpose",
        "einsum transpose",
        lambda a: lucid.einsum("abc->cab", a),
        lambda a: torch.einsum("abc->cab", a),
        [(2, 3, 4)],
    ),
    OpCase(
        "Sum",
        "einsum spaces and capitals",
        lambda a, b: lucid.einsum("Ab, bC -> AC", a, b),
        lambda a, b: torch.einsum("Ab, bC -> AC", a, b),
        [(2, 3), (3, 2)],
    ),
]

OP_CASES: list[OpCase] = SORT_AND_REDUCE + EINSUM


@pytest.mark.parametrize("case", op_params(OP_CASES))
def test_forward_and_gradients_match_pytorch(case: OpCase) -> None:
    check_op(case)
