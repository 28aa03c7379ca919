"""Finite-difference checks of the resampling and border-padding primitives' hand-written backward (float64)."""

from __future__ import annotations

import pytest

from lucid.autograd.ops import resample
from lucid.autograd.ops.padding import pad
from lucid.autograd.ops.resample import interpolate
from tests.gradcheck import GradCase, check_gradients

CASES: dict[str, list[GradCase]] = {
    "Interpolate": [
        GradCase(lambda x: interpolate(x, scale_factor=2, mode="nearest"), [(1, 2, 3, 4)], "nearest x2"),
        GradCase(lambda x: interpolate(x, size=(5, 2), mode="nearest"), [(1, 2, 3, 4)], "nearest up and down"),
        GradCase(lambda x: interpolate(x, size=7, mode="nearest-exact"), [(2, 2, 5)], "nearest-exact 1-d"),
        GradCase(lambda x: interpolate(x, scale_factor=1.7, mode="linear"), [(2, 2, 5)], "linear"),
        GradCase(
            lambda x: interpolate(x, size=(5, 3), mode="bilinear", align_corners=True),
            [(1, 2, 3, 4)],
            "bilinear align_corners, up and down",
        ),
        GradCase(lambda x: interpolate(x, scale_factor=2, mode="bicubic"), [(1, 1, 3, 4)], "bicubic x2"),
        GradCase(lambda x: interpolate(x, size=(2, 3), mode="bicubic"), [(1, 2, 5, 5)], "bicubic down"),
        GradCase(lambda x: interpolate(x, size=(3, 2, 4), mode="trilinear"), [(1, 1, 2, 3, 3)], "trilinear"),
        GradCase(lambda x: interpolate(x, scale_factor=1.1, mode="nearest"), [(1, 1, 7)], "a non-integer factor"),
    ],
    "BorderPad": [
        GradCase(lambda x: pad(x, (2, 1, 1, 3), mode="reflect"), [(1, 2, 4, 5)], "reflect"),
        GradCase(lambda x: pad(x, (3, 4), mode="replicate"), [(2, 3, 3)], "replicate wider than the input"),
        GradCase(lambda x: pad(x, (1, 2, 3, 0, 1, 1), mode="circular"), [(1, 3, 3, 4)], "circular 3-d"),
        GradCase(lambda x: pad(x, (-1, 2), mode="reflect"), [(1, 2, 5)], "reflect and crop"),
    ],
}


@pytest.mark.parametrize("case", [c for cases in CASES.values() for c in cases], ids=lambda c: c.label)
def test_resample_and_pad_gradients_match_finite_differences(case: GradCase) -> None:
    check_gradients(case)


@pytest.mark.parametrize("case", CASES["Interpolate"], ids=lambda c: c.label)
def test_the_gather_path_has_the_same_gradients(case: GradCase, monkeypatch: pytest.MonkeyPatch) -> None:
    # Short axes run as one matrix product; with that switched off the same cases run through the gathers.
    monkeypatch.setattr(resample, "_DENSE_PER_TAP", 0)
    check_gradients(case)
