"""Finite-difference checks (float64) of cumsum and cumprod, including zeros in cumprod's input."""

from __future__ import annotations

import numpy as np
import pytest

import lucid
from tests.gradcheck import GradCase, check_gradients

_zeros = np.array([[1.5, 0.0, 2.0, 0.0, -3.0], [2.0, -3.0, 0.5, 1.0, 0.0], [0.0, 1.0, 2.0, 3.0, 4.0]])

CASES: dict[str, list[GradCase]] = {
    "Cumsum": [
        GradCase(lambda a: lucid.cumsum(a, 0), [(4, 3)], "cumsum dim 0"),
        GradCase(lambda a: a.cumsum(dim=-1), [(2, 3, 4)], "cumsum dim -1"),
        GradCase(lambda a: lucid.cumsum(a, 0), [()], "cumsum 0-d"),
    ],
    "Cumprod": [
        GradCase(lambda a: lucid.cumprod(a, 1), [(3, 4)], "cumprod dim 1"),
        GradCase(lambda a: a.cumprod(dim=1), [_zeros], "cumprod with zeros (first, repeated, last)"),
        GradCase(lambda a: lucid.cumprod(a, 0), [_zeros.T.copy()], "cumprod with zeros, dim 0"),
    ],
}


@pytest.mark.parametrize("case", [c for cases in CASES.values() for c in cases], ids=lambda c: c.label)
def test_scan_gradients_match_finite_differences(case: GradCase) -> None:
    check_gradients(case)
