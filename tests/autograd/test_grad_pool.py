"""Finite-difference checks of the pooling primitives' hand-written backward (float64)."""

from __future__ import annotations

import numpy as np
import pytest

from lucid.autograd.ops.pool import adaptive_avg_pool2d, avg_pool2d, max_pool2d
from tests.gradcheck import GradCase, check_gradients


def _distinct(*shape: int) -> np.ndarray:
    """Values 0.1 apart in random order: no ties, so max pooling is differentiable at them."""
    count = int(np.prod(shape))
    return (np.random.default_rng(1).permutation(count) * 0.1).reshape(shape)


CASES: dict[str, list[GradCase]] = {
    "AvgPool2d": [
        GradCase(lambda x: avg_pool2d(x, 3, 1, 1, count_include_pad=False), [(2, 2, 5, 5)], "3x3 s1 p1 exclude pad"),
        GradCase(lambda x: avg_pool2d(x, 3, 2, 1), [(1, 2, 6, 7)], "3x3 s2 p1 include pad"),
        GradCase(lambda x: avg_pool2d(x, 2, ceil_mode=True), [(1, 1, 5, 5)], "2x2 ceil_mode"),
        GradCase(
            lambda x: avg_pool2d(x, (3, 2), (2, 1), (1, 0), ceil_mode=True, count_include_pad=False),
            [(1, 2, 6, 5)],
            "rectangular, ceil_mode, exclude pad",
        ),
    ],
    "MaxPool2d": [
        GradCase(lambda x: max_pool2d(x, 2), [_distinct(2, 2, 4, 6)], "2x2"),
        GradCase(lambda x: max_pool2d(x, 3, 2, 1), [_distinct(1, 2, 7, 7)], "3x3 s2 p1 overlapping"),
        GradCase(lambda x: max_pool2d(x, 3, 2, 1, ceil_mode=True), [_distinct(1, 1, 6, 6)], "ceil_mode"),
        GradCase(lambda x: max_pool2d(x, 2, 1, dilation=2), [_distinct(1, 2, 5, 6)], "dilation 2"),
    ],
    "AdaptiveAvgPool2d": [
        GradCase(lambda x: adaptive_avg_pool2d(x, 1), [(2, 3, 4, 5)], "global"),
        GradCase(lambda x: adaptive_avg_pool2d(x, (3, 2)), [(1, 2, 7, 5)], "uneven windows"),
    ],
}


@pytest.mark.parametrize("case", [c for cases in CASES.values() for c in cases], ids=lambda c: c.label)
def test_pool_gradients_match_finite_differences(case: GradCase) -> None:
    check_gradients(case)
