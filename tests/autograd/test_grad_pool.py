"""Finite-difference checks of the pooling primitives' hand-written backward (float64)."""

from __future__ import annotations

import numpy as np
import pytest

from lucid.nn.functional.pool import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_avg_pool3d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    adaptive_max_pool3d,
    avg_pool1d,
    avg_pool2d,
    avg_pool3d,
    max_pool1d,
    max_pool2d,
    max_pool3d,
)
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
    "AvgPool1d": [
        GradCase(lambda x: avg_pool1d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False), [(2, 2, 8)], "ceil"),
        GradCase(lambda x: avg_pool1d(x, 2), [(1, 3, 7)], "k2"),
    ],
    "AvgPool3d": [
        GradCase(lambda x: avg_pool3d(x, (2, 3, 2), (1, 2, 2), (1, 1, 0)), [(1, 2, 3, 5, 4)], "padded, strided"),
        GradCase(lambda x: avg_pool3d(x, 2, ceil_mode=True, divisor_override=3), [(1, 1, 3, 3, 5)], "ceil, override"),
    ],
    "MaxPool1d": [
        GradCase(lambda x: max_pool1d(x, 3, 2, 1), [_distinct(2, 2, 9)], "k3 s2 p1"),
        GradCase(lambda x: max_pool1d(x, 2, 1, dilation=3, ceil_mode=True), [_distinct(1, 2, 8)], "dilated"),
    ],
    "MaxPool3d": [
        GradCase(lambda x: max_pool3d(x, 2), [_distinct(1, 2, 4, 4, 4)], "2x2x2"),
        GradCase(
            lambda x: max_pool3d(x, (3, 2, 2), (2, 1, 2), (1, 0, 1), ceil_mode=True), [_distinct(1, 1, 5, 4, 5)], "ceil"
        ),
    ],
    "AdaptiveAvgPool1d": [
        GradCase(lambda x: adaptive_avg_pool1d(x, 3), [(2, 2, 7)], "overlapping windows"),
    ],
    "AdaptiveAvgPool3d": [
        GradCase(lambda x: adaptive_avg_pool3d(x, (2, 1, 3)), [(1, 2, 3, 4, 5)], "uneven windows"),
    ],
    "AdaptiveMaxPool1d": [
        GradCase(lambda x: adaptive_max_pool1d(x, 3), [_distinct(2, 2, 7)], "overlapping windows"),
        GradCase(lambda x: adaptive_max_pool1d(x, 9), [_distinct(1, 2, 5)], "more outputs than inputs"),
    ],
    "AdaptiveMaxPool2d": [
        GradCase(lambda x: adaptive_max_pool2d(x, (3, 2)), [_distinct(2, 2, 5, 7)], "uneven windows"),
        GradCase(lambda x: adaptive_max_pool2d(x, 1), [_distinct(1, 3, 4, 4)], "global"),
    ],
    "AdaptiveMaxPool3d": [
        GradCase(lambda x: adaptive_max_pool3d(x, (2, 3, 2)), [_distinct(1, 2, 3, 4, 5)], "uneven windows"),
    ],
}


@pytest.mark.parametrize("case", [c for cases in CASES.values() for c in cases], ids=lambda c: c.label)
def test_pool_gradients_match_finite_differences(case: GradCase) -> None:
    check_gradients(case)
