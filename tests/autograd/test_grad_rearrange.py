"""Finite-difference checks (float64) of roll, and of flip, repeat, expand, permute, tril/triu, unflatten, clone,
clamp with tensor bounds, logsumexp, outer and einsum, which are compositions of other ops."""

from __future__ import annotations

import numpy as np
import pytest

import lucid
from tests.gradcheck import GradCase, check_gradients

CASES: dict[str, list[GradCase]] = {
    "Roll": [
        GradCase(lambda a: lucid.roll(a, 1, 0), [(3, 4)], "roll dim 0"),
        GradCase(lambda a: a.roll((2, -1), (1, 0)), [(3, 4)], "roll two dims"),
        GradCase(lambda a: lucid.roll(a, -5), [(3, 4)], "roll flattened"),
    ],
    "Clone": [GradCase(lambda a: a.clone() * a, [(2, 3)], "clone")],
    "GetItem": [
        GradCase(lambda a: lucid.flip(a, (0, 2)), [(2, 3, 4)], "flip two dims"),
        GradCase(lambda a: a.flip(-1), [(3, 4)], "flip(-1)"),
    ],
    "BroadcastTo": [
        GradCase(lambda a: a.repeat(2, 1, 3), [(2, 3)], "repeat with a new dim"),
        GradCase(lambda a: a.expand(2, -1, 4), [(3, 1)], "expand -1"),
    ],
    "Transpose": [GradCase(lambda a: a.permute(2, 0, 1), [(2, 3, 4)], "permute")],
    "Reshape": [GradCase(lambda a: a.unflatten(1, (2, -1)), [(3, 6)], "unflatten")],
    "Tril": [
        GradCase(lambda a: lucid.tril(a, -1), [(2, 3, 4)], "tril -1 batched"),
        GradCase(lambda a: a.tril(), [(3, 3)], "tril"),
    ],
    "Triu": [
        GradCase(lambda a: a.triu(diagonal=1), [(4, 3)], "triu 1"),
        GradCase(lambda a: lucid.triu(a, -1), [(2, 2, 3)], "triu -1 batched"),
    ],
    "Where": [
        GradCase(
            lambda x, lo, hi: lucid.clamp(x, min=lo, max=hi),
            [np.array([[-2.0, 0.1, 3.0], [0.4, -0.6, 2.5]]), np.array([-1.0, 0.0, 0.5]), np.array([[1.0], [2.0]])],
            "clamp with tensor bounds",
        ),
    ],
    "Exp": [
        GradCase(lambda a: lucid.logsumexp(a, dim=1), [(3, 4)], "logsumexp dim 1"),
        GradCase(lambda a: a.logsumexp((0, 2), keepdim=True), [(2, 3, 4)], "logsumexp two dims keepdim"),
    ],
    "MatMul": [
        GradCase(lambda a, b: lucid.einsum("bij,bjk->bik", a, b), [(2, 3, 4), (2, 4, 2)], "einsum bmm"),
        GradCase(lambda a, b: lucid.einsum("ij,kj", a, b), [(2, 3), (4, 3)], "einsum implicit a b^T"),
        GradCase(lambda a, b, c: lucid.einsum("ab,bc,cd->ad", a, b, c), [(2, 3), (3, 4), (4, 2)], "einsum chain"),
        GradCase(lambda a, b: lucid.einsum("...ij,...j->...i", a, b), [(2, 3, 4), (4,)], "einsum ellipsis"),
    ],
    "Mul": [
        GradCase(lambda a, b: lucid.outer(a, b), [(3,), (4,)], "outer"),
        GradCase(lambda a, b: lucid.einsum("i,j->ij", a, b), [(3,), (2,)], "einsum outer"),
        GradCase(lambda a, b: lucid.einsum("bhqd,bhkd->bhqk", a, b)[..., 0], [(1, 2, 3, 4), (1, 2, 3, 4)], "attention"),
    ],
    "Sum": [
        GradCase(lambda a: lucid.einsum("ii", a), [(3, 3)], "einsum trace"),
        GradCase(lambda a: lucid.einsum("iji->j", a), [(3, 2, 3)], "einsum diagonal then sum"),
        GradCase(lambda a: lucid.einsum("ij->", a), [(3, 2)], "einsum sum all"),
    ],
}


@pytest.mark.parametrize("case", [c for cases in CASES.values() for c in cases], ids=lambda c: c.label)
def test_rearrange_gradients_match_finite_differences(case: GradCase) -> None:
    check_gradients(case)
