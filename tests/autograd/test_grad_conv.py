"""Finite-difference checks of the convolution primitives' hand-written backward (float64): convolutions,
transposed convolutions, and unfold/fold."""

from __future__ import annotations

import pytest

from lucid.autograd.ops.conv import conv1d, conv2d, conv3d
from lucid.autograd.ops.conv_transpose import conv_transpose1d, conv_transpose2d, conv_transpose3d
from lucid.autograd.ops.fold import fold, unfold
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
    "Conv1d": [
        GradCase(lambda x, w, b: conv1d(x, w, b, padding=1), [(2, 3, 7), (4, 3, 3), (4,)], "k3 pad 1 + bias"),
        GradCase(
            lambda x, w: conv1d(x, w, stride=2, padding=2, dilation=2, groups=2),
            [(1, 4, 9), (6, 2, 3)],
            "stride 2, dilation 2, groups 2",
        ),
        GradCase(lambda x, w: conv1d(x, w), [(2, 4, 5), (3, 4, 1)], "pointwise"),
        GradCase(lambda x, w: conv1d(x, w, padding="same"), [(1, 2, 6), (2, 2, 4)], "'same' with an even kernel"),
    ],
    "Conv3d": [
        GradCase(lambda x, w, b: conv3d(x, w, b, padding=1), [(1, 2, 3, 4, 3), (2, 2, 3, 3, 3), (2,)], "k3 pad 1"),
        GradCase(
            lambda x, w: conv3d(x, w, stride=(1, 2, 1), dilation=(2, 1, 1), groups=2),
            [(1, 2, 5, 4, 3), (4, 1, 2, 2, 2)],
            "strided, dilated, grouped",
        ),
    ],
    "ConvTranspose1d": [
        GradCase(
            lambda x, w, b: conv_transpose1d(x, w, b, stride=2, padding=1, output_padding=1),
            [(2, 3, 5), (3, 2, 3), (2,)],
            "stride 2, output_padding 1, bias",
        ),
        GradCase(
            lambda x, w: conv_transpose1d(x, w, groups=2, dilation=2, output_padding=1),
            [(1, 4, 4), (4, 1, 3)],
            "groups 2, dilation 2 (output_padding < dilation)",
        ),
    ],
    "ConvTranspose2d": [
        GradCase(
            lambda x, w, b: conv_transpose2d(x, w, b, stride=2, padding=1),
            [(1, 3, 3, 4), (3, 2, 4, 4), (2,)],
            "4x4 stride 2 pad 1 (the usual 2x upsampler)",
        ),
        GradCase(
            lambda x, w: conv_transpose2d(x, w, stride=(2, 3), padding=(1, 0), output_padding=(1, 2), groups=2),
            [(2, 4, 3, 2), (4, 1, 3, 2)],
            "asymmetric, grouped, output_padding",
        ),
        GradCase(lambda x, w: conv_transpose2d(x, w), [(2, 3, 3, 3), (3, 2, 1, 1)], "pointwise"),
    ],
    "ConvTranspose3d": [
        GradCase(
            lambda x, w, b: conv_transpose3d(x, w, b, stride=2, padding=(0, 1, 0), output_padding=(1, 0, 0)),
            [(1, 2, 2, 3, 2), (2, 2, 2, 3, 2), (2,)],
            "stride 2",
        ),
    ],
    "Im2Col": [
        GradCase(lambda x: unfold(x, 3, padding=1), [(2, 2, 4, 5)], "3x3 pad 1 (overlapping blocks)"),
        GradCase(lambda x: unfold(x, (2, 3), dilation=(2, 1), stride=(1, 2)), [(1, 3, 5, 6)], "dilated, strided"),
    ],
    "Col2Im": [
        GradCase(lambda c: fold(c, (4, 5), 3, padding=1), [(2, 18, 20)], "3x3 pad 1 (overlaps add)"),
        GradCase(lambda c: fold(c, (5, 6), (2, 3), dilation=(2, 1), stride=(1, 2)), [(1, 18, 6)], "dilated, strided"),
    ],
}


@pytest.mark.parametrize("case", [c for cases in CASES.values() for c in cases], ids=lambda c: c.label)
def test_conv_gradients_match_finite_differences(case: GradCase) -> None:
    check_gradients(case)
