"""Finite-difference checks (float64) of gather, scatter and scatter_add, and of what is composed from them: sort,
topk, max/min with dim=, index_select, masked_fill."""

from __future__ import annotations

import numpy as np
import pytest

import lucid
from tests.gradcheck import GradCase, check_gradients

_rows = np.array([[0, 0, 3], [2, 1, 0]])  # repeats 0 in row 0: its gradient must sum
_unique_rows = np.array(
    [[3, 0], [1, 2]]
)  # scatter overwrites: distinct targets per line, so the last write is the only one

CASES: dict[str, list[GradCase]] = {
    "Gather": [
        GradCase(lambda a: lucid.gather(a, 1, _rows), [(2, 4)], "gather dim 1 with a repeat"),
        GradCase(lambda a: lucid.gather(a, 0, np.array([[1, 0], [1, 1]])), [(2, 3)], "gather dim 0, index narrower"),
        GradCase(lambda a: a.gather(-1, np.array([[[2], [0]]])), [(1, 2, 3)], "gather dim -1, 3-D"),
        GradCase(lambda a: lucid.sort(a, dim=1).values, [(3, 4)], "sort values"),
        GradCase(lambda a: a.sort(dim=0, descending=True)[0], [(3, 4)], "sort descending dim 0"),
        GradCase(lambda a: lucid.topk(a, 2).values, [(3, 5)], "topk largest"),
        GradCase(lambda a: a.topk(2, dim=0, largest=False).values, [(4, 3)], "topk smallest dim 0"),
        GradCase(lambda a: a.max(dim=1).values, [(3, 4)], "max(dim=1).values"),
        GradCase(lambda a: lucid.min(a, dim=0, keepdim=True).values, [(3, 4)], "min(dim=0, keepdim)"),
    ],
    "Scatter": [
        GradCase(lambda a, s: lucid.scatter(a, 1, _unique_rows, s), [(2, 4), (2, 2)], "scatter dim 1"),
        GradCase(lambda a, s: a.scatter(0, np.array([[1, 0, 1]]), s), [(2, 3), (2, 4)], "scatter dim 0, src larger"),
        GradCase(lambda a: lucid.scatter(a, 1, _unique_rows, value=2.5), [(2, 4)], "scatter a number"),
    ],
    "ScatterAdd": [
        GradCase(lambda a, s: lucid.scatter_add(a, 1, _rows, s), [(2, 4), (2, 3)], "scatter_add with a repeat"),
        GradCase(lambda a, s: a.scatter_add(0, np.array([[0, 0], [0, 0]]), s), [(2, 3), (3, 2)], "all to row 0"),
    ],
    "GetItem": [
        GradCase(lambda a: lucid.index_select(a, 1, np.array([2, 0, 2])), [(2, 3)], "index_select with a repeat"),
        GradCase(lambda a: a.index_select(-2, lucid.tensor([1])), [(3, 2)], "index_select dim -2"),
    ],
    "Where": [
        GradCase(lambda a: lucid.masked_fill(a, np.array([True, False, True]), -1.0), [(2, 3)], "masked_fill"),
        GradCase(lambda a, v: a.masked_fill(np.array([[True], [False]]), v), [(2, 3), ()], "masked_fill a 0-d tensor"),
    ],
}


@pytest.mark.parametrize("case", [c for cases in CASES.values() for c in cases], ids=lambda c: c.label)
def test_index_gradients_match_finite_differences(case: GradCase) -> None:
    check_gradients(case)


def test_scatter_with_repeated_targets_gives_every_source_the_targets_gradient_as_pytorch() -> None:
    # Only one of the two sources survives the write; PyTorch's formula still gives both the target's gradient.
    a = lucid.zeros(3, requires_grad=True)
    src = lucid.tensor([1.0, 2.0], requires_grad=True)
    out = lucid.scatter(a, 0, lucid.tensor([1, 1]), src)
    (out * lucid.tensor([1.0, 5.0, 1.0])).sum().backward()
    assert src.grad.tolist() == [5.0, 5.0]
    assert a.grad.tolist() == [1.0, 0.0, 1.0]
