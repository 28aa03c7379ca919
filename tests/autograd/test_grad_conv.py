"""Finite-difference checks of the convolution primitive's hand-written backward (float64)."""

from __future__ import annotations

import pytest

from lucid.autograd.ops.conv import conv2d
from tests.gradcheck import GradCase, check_gradients

CASES: dict[str, list[GradCase]] = {
    "Conv2d": [
        GradCase(lambda x, w, b: conv2d(x, w, b, padding=1), [(2, 3, 5, 5), (4, 3, 3, 3), (4,)], "3x3 pad 1 + bias"),
        GradCase(lambda x, w: conv2d(x, w, stride=2, padding=1), [(1, 2, 7, 6), (3, 2, 3, 3)], "3x3 stride 2"),
        GradCase(lambda x, w, b: conv2d(x, w, b), [(2, 4, 3, 4), (5, 4, 1, 1), (5,)], "1x1 pointwise path"),
        GradCase(lambda x, w: conv2d(x, w, stride=2), [(1, 3, 5, 5), (2, 3, 1, 1)], "1x1 stride 2"),
        GradCase(
            lambda x, w, b: conv2d(x, w, b, stride=(1, 2), padding=(2, 1), dilation=2, groups=2),
            [(1, 4, 6, 7), (6, 2, 3, 2), (6,)],
            "groups 2, dilation 2, asymmetric stride/padding",
        ),
        GradCase(lambda x, w: conv2d(x, w, padding=1, groups=3), [(2, 3, 4, 4), (3, 1, 3, 3)], "depthwise"),
        # 144 output pixels: the weight gradient's per-sample products (fewer pixels take one batched product).
        GradCase(lambda x, w: conv2d(x, w, padding=1, groups=2), [(2, 2, 12, 12), (2, 1, 3, 3)], "large output"),
    ],
}


@pytest.mark.parametrize("case", [c for cases in CASES.values() for c in cases], ids=lambda c: c.label)
def test_conv_gradients_match_finite_differences(case: GradCase) -> None:
    check_gradients(case)
