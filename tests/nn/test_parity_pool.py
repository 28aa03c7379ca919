"""Pooling layers and functions against PyTorch (tests/parity.py): AvgPool/MaxPool 1-d and 3-d over kernel, stride,
padding, dilation, ceil_mode and count_include_pad, the adaptive average and max pools over even, uneven and
overlapping windows, return_indices, unbatched input; then repr and the errors bad input gets.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import lucid
from lucid.nn import functional as F  # noqa: N812 - the conventional spelling
from lucid.nn import layers as L  # noqa: N812 - short, like torch.nn as tnn
from tests.parity import LayerCase, OpCase, check_layer, check_op, layer_params, op_params, torch

pytestmark = pytest.mark.torch

tnn = torch.nn
TF = torch.nn.functional


def _distinct(*shape: int, seed: int = 0) -> np.ndarray:
    """Values 0.37 apart in random order: no ties, so the max and its gradient are the same in both libraries."""
    count = int(np.prod(shape))
    return (np.random.default_rng(seed).permutation(count) * 0.37 - count * 0.1).reshape(shape).astype(np.float32)


def _case(name: str, args: tuple, kwargs: dict[str, Any], spec: Any, label: str = "") -> LayerCase:
    text = label or " ".join([*(str(a) for a in args), *(f"{k}={v}" for k, v in kwargs.items())])
    return LayerCase(
        f"{name} {text}",
        lambda: getattr(L, name)(*args, **kwargs),
        lambda: getattr(tnn, name)(*args, **kwargs),
        [spec],
    )


LAYER_CASES: list[LayerCase] = []

# 1-d: every combination of kernel, stride, padding (within half the kernel), ceil_mode and count_include_pad.
for k, s, p, ceil, include in itertools.product((1, 2, 3), (1, 2, 3), (0, 1), (False, True), (False, True)):
    if 2 * p <= k:
        kwargs = {"stride": s, "padding": p, "ceil_mode": ceil, "count_include_pad": include}
        LAYER_CASES.append(_case("AvgPool1d", (k,), kwargs, (2, 3, 10)))
for k, s, p, d, ceil in itertools.product((2, 3), (1, 2), (0, 1), (1, 2), (False, True)):
    LAYER_CASES.append(
        _case("MaxPool1d", (k,), {"stride": s, "padding": p, "dilation": d, "ceil_mode": ceil}, _distinct(2, 3, 11))
    )

# 3-d: a spread of geometries (the full product would be thousands of cases for the same code path).
_POOL3D = [
    ((2,), {}),
    ((3,), {"stride": 2, "padding": 1}),
    (((3, 2, 2),), {"stride": (2, 1, 2), "padding": (1, 0, 1), "ceil_mode": True}),
    (((1, 3, 3),), {"stride": 1, "padding": (0, 1, 1)}),
    ((2,), {"stride": 1, "ceil_mode": True}),
    (((2, 3, 1),), {"stride": (2, 2, 1), "ceil_mode": True}),
]
for args, kwargs in _POOL3D:
    for include in (True, False):
        LAYER_CASES.append(_case("AvgPool3d", args, {**kwargs, "count_include_pad": include}, (2, 2, 5, 6, 7)))
    LAYER_CASES.append(_case("MaxPool3d", args, kwargs, _distinct(2, 2, 5, 6, 7)))
LAYER_CASES += [
    _case("AvgPool3d", (2,), {"divisor_override": 5}, (1, 2, 4, 4, 6)),
    _case("AvgPool3d", (3,), {"stride": 2, "padding": 1}, (2, 5, 6, 7), "unbatched"),
    _case("AvgPool1d", (3,), {"padding": 1}, (3, 8), "unbatched"),
    _case("MaxPool1d", (3,), {"stride": 2, "dilation": 2}, _distinct(3, 11), "unbatched"),
    _case("MaxPool3d", (2,), {"stride": (1, 2, 2), "dilation": (2, 1, 1)}, _distinct(2, 5, 6, 7), "unbatched"),
    # return_indices: the positions must equal PyTorch's exactly.
    _case("MaxPool1d", (3, 2, 1), {"return_indices": True}, _distinct(2, 3, 10)),
    _case("MaxPool2d", (3, 2, 1), {"return_indices": True, "ceil_mode": True}, _distinct(2, 3, 9, 10)),
    _case("MaxPool2d", (2,), {"return_indices": True, "dilation": 2}, _distinct(3, 7, 9), "unbatched indices"),
    _case("MaxPool3d", (2,), {"return_indices": True, "padding": 1}, _distinct(1, 2, 5, 4, 6)),
]

# Adaptive: windows that divide evenly, windows of two lengths, overlapping ones, more outputs than inputs.
_ADAPTIVE = {
    1: [(1, (2, 3, 9)), (3, (2, 3, 9)), (4, (2, 3, 10)), (7, (2, 3, 5)), (3, (4, 10))],
    2: [(1, (2, 3, 7, 7)), ((3, 4), (2, 2, 7, 9)), ((None, 2), (1, 3, 5, 5)), ((5, 8), (1, 2, 4, 3)), (2, (3, 6, 5))],
    3: [(1, (1, 2, 3, 4, 5)), ((2, 3, 2), (2, 2, 5, 7, 3)), ((None, 4, 2), (1, 2, 3, 5, 5)), ((2, 1, 3), (2, 4, 3, 5))],
}
for nd, rows in _ADAPTIVE.items():
    for size, shape in rows:
        LAYER_CASES.append(_case(f"AdaptiveAvgPool{nd}d", (size,), {}, shape, f"{size} on {shape}"))
        LAYER_CASES.append(_case(f"AdaptiveMaxPool{nd}d", (size,), {}, _distinct(*shape), f"{size} on {shape}"))
LAYER_CASES += [
    _case("AdaptiveMaxPool1d", (4, True), {}, _distinct(2, 3, 10), "return_indices"),
    _case("AdaptiveMaxPool2d", ((3, 2), True), {}, _distinct(2, 2, 7, 5), "return_indices"),
    _case("AdaptiveMaxPool3d", (2, True), {}, _distinct(2, 3, 5, 4), "return_indices unbatched"),
]


@pytest.mark.parametrize(("case", "mode"), layer_params(LAYER_CASES))
def test_layer_matches_torch(case: LayerCase, mode: str) -> None:
    check_layer(case, mode)


_WITH_NAN = np.array([[[1.0, np.nan, 3.0, np.nan, 2.0, 5.0, np.nan, 0.0, 1.0]]], dtype=np.float32)
_NAN_IMAGE = _distinct(1, 2, 4, 6)
_NAN_IMAGE[0, 0, 1, 1] = _NAN_IMAGE[0, 0, 0, 2] = _NAN_IMAGE[0, 1, 3, 5] = np.nan

OP_CASES = [
    OpCase(
        "AvgPool1d",
        "avg_pool1d ceil, exclude pad",
        lambda x: F.avg_pool1d(x, 3, 2, 1, True, False),
        lambda x: TF.avg_pool1d(x, 3, 2, 1, True, False),
        [(2, 3, 8)],
    ),
    OpCase(
        "AvgPool3d",
        "avg_pool3d divisor_override",
        lambda x: F.avg_pool3d(x, 2, 1, divisor_override=3),
        lambda x: TF.avg_pool3d(x, 2, 1, divisor_override=3),
        [(1, 2, 3, 4, 4)],
    ),
    OpCase(
        "MaxPool1d",
        "max_pool1d with indices",
        lambda x: F.max_pool1d(x, 2, return_indices=True),
        lambda x: TF.max_pool1d(x, 2, return_indices=True),
        [_distinct(2, 2, 9)],
    ),
    OpCase(
        "MaxPool3d",
        "max_pool3d with indices, ceil",
        lambda x: F.max_pool3d(x, 2, 2, 1, ceil_mode=True, return_indices=True),
        lambda x: TF.max_pool3d(x, 2, 2, 1, ceil_mode=True, return_indices=True),
        [_distinct(1, 2, 5, 4, 5)],
    ),
    OpCase(
        "AdaptiveAvgPool1d",
        "adaptive_avg_pool1d",
        lambda x: F.adaptive_avg_pool1d(x, 4),
        lambda x: TF.adaptive_avg_pool1d(x, 4),
        [(2, 3, 9)],
    ),
    OpCase(
        "AdaptiveAvgPool3d",
        "adaptive_avg_pool3d",
        lambda x: F.adaptive_avg_pool3d(x, (2, None, 3)),
        lambda x: TF.adaptive_avg_pool3d(x, (2, None, 3)),
        [(1, 2, 5, 3, 7)],
    ),
    OpCase(
        "AdaptiveMaxPool2d",
        "adaptive_max_pool2d with indices",
        lambda x: F.adaptive_max_pool2d(x, (4, 3), return_indices=True),
        lambda x: TF.adaptive_max_pool2d(x, (4, 3), return_indices=True),
        [_distinct(2, 2, 9, 7)],
    ),
    OpCase(
        "AdaptiveMaxPool1d",
        "ties go to the first maximum",
        lambda x: F.adaptive_max_pool1d(x, 3, return_indices=True),
        lambda x: TF.adaptive_max_pool1d(x, 3, return_indices=True),
        [np.array([[[1.0, 3.0, 3.0, 2.0, 3.0, 0.0, 0.0]]], dtype=np.float32)],
    ),
    OpCase(
        "MaxPool1d",
        "NaN propagates; its index is the window's last NaN",
        lambda x: F.max_pool1d(x, 3, 1, 1, return_indices=True),
        lambda x: TF.max_pool1d(x, 3, 1, 1, return_indices=True),
        [_WITH_NAN],
    ),
    OpCase(
        "AdaptiveMaxPool1d",
        "NaN in uneven windows",
        lambda x: F.adaptive_max_pool1d(x, 4, return_indices=True),
        lambda x: TF.adaptive_max_pool1d(x, 4, return_indices=True),
        [_WITH_NAN],
    ),
    OpCase(
        "AdaptiveMaxPool2d",
        "NaN in even windows",
        lambda x: F.adaptive_max_pool2d(x, (2, 3), return_indices=True),
        lambda x: TF.adaptive_max_pool2d(x, (2, 3), return_indices=True),
        [_NAN_IMAGE],
    ),
    OpCase(
        "MaxPool1d",
        "ties go to the first maximum",
        lambda x: F.max_pool1d(x, 3, 1, return_indices=True),
        lambda x: TF.max_pool1d(x, 3, 1, return_indices=True),
        [np.array([[[1.0, 3.0, 3.0, 2.0, 3.0, 0.0, 0.0]]], dtype=np.float32)],
    ),
]


@pytest.mark.parametrize("case", op_params(OP_CASES))
def test_function_matches_torch(case: OpCase) -> None:
    check_op(case)


_BUILT = [
    ("AvgPool1d", (3,), {}),
    ("AvgPool1d", (3, 2, 1), {"ceil_mode": True}),
    ("AvgPool3d", ((1, 2, 2),), {"divisor_override": 2}),
    ("MaxPool1d", (2,), {"dilation": 2}),
    ("MaxPool3d", (3, 2, 1), {"return_indices": True, "ceil_mode": True}),
    ("AdaptiveAvgPool1d", (5,), {}),
    ("AdaptiveAvgPool3d", ((None, 2, 2),), {}),
    ("AdaptiveMaxPool1d", (5,), {}),
    ("AdaptiveMaxPool2d", ((2, 3), True), {}),
    ("AdaptiveMaxPool3d", (1,), {}),
]


@pytest.mark.parametrize(("name", "args", "kwargs"), _BUILT, ids=[f"{n} {a}" for n, a, _ in _BUILT])
def test_repr_and_attributes_match_torch(name: str, args: tuple, kwargs: dict[str, Any]) -> None:
    ours, theirs = getattr(L, name)(*args, **kwargs), getattr(tnn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    for attribute in ("kernel_size", "stride", "padding", "dilation", "output_size", "return_indices", "ceil_mode"):
        if hasattr(theirs, attribute):
            assert getattr(ours, attribute) == getattr(theirs, attribute), attribute


def test_indices_run_shape_only() -> None:
    with lucid.meta():
        x = lucid.zeros(2, 3, 9, 8)
    out, indices = F.max_pool2d(x, 2, return_indices=True)
    assert out.is_meta and indices.is_meta and indices.shape == out.shape == (2, 3, 4, 4)
    assert indices.dtype == np.int64
    out, indices = F.adaptive_max_pool2d(x, (2, 3), return_indices=True)
    assert indices.is_meta and indices.shape == (2, 3, 2, 3)


_ERRORS = [
    (
        lambda: L.MaxPool1d(2)(lucid.zeros(2, 3, 4, 4)),
        r"MaxPool1d: expected input of shape \(N, C, L\) or \(C, L\), got shape \(2, 3, 4, 4\)",
    ),
    (
        lambda: L.AvgPool3d(2)(lucid.zeros(3, 4, 4)),
        r"AvgPool3d: expected input of shape \(N, C, D, H, W\) or \(C, D, H, W\), got shape \(3, 4, 4\)",
    ),
    (
        lambda: L.AvgPool1d(4, padding=3)(lucid.zeros(1, 2, 9)),
        r"AvgPool1d: padding \(3,\) must be at most half of the \(dilated\) kernel size \(4,\)",
    ),
    (
        lambda: L.MaxPool3d(3)(lucid.zeros(1, 1, 2, 5, 5)),
        r"MaxPool3d: input of shape \(1, 1, 2, 5, 5\) is too small for the window; output would be \(0, 1, 1\)",
    ),
    (
        lambda: L.AvgPool3d(2, divisor_override=0)(lucid.zeros(1, 1, 2, 2, 2)),
        r"AvgPool3d: divisor_override must be a positive int, got 0",
    ),
    (
        lambda: L.MaxPool1d(2, stride=0)(lucid.zeros(1, 1, 4)),
        r"MaxPool1d: kernel_size, stride and dilation must be >= 1",
    ),
    (
        lambda: L.AdaptiveMaxPool2d(0)(lucid.zeros(1, 1, 4, 4)),
        r"AdaptiveMaxPool2d: output_size must be positive, got \(0, 0\)",
    ),
    (
        lambda: L.AdaptiveAvgPool1d((2, 2))(lucid.zeros(1, 1, 4)),
        r"AdaptiveAvgPool1d: output_size must be an int, got \(2, 2\)",
    ),
    (
        lambda: L.AdaptiveMaxPool3d(2)(lucid.zeros(1, 4, 4)),
        r"AdaptiveMaxPool3d: expected input of shape \(N, C, D, H, W\) or \(C, D, H, W\), got shape \(1, 4, 4\)",
    ),
    (lambda: F.avg_pool1d(lucid.zeros(1, 2, 5), (2, 2)), r"avg_pool1d: kernel_size must be an int, got \(2, 2\)"),
]


@pytest.mark.parametrize(("make", "message"), _ERRORS, ids=[m[:40] for _, m in _ERRORS])
def test_bad_input_gets_an_error_naming_the_layer_and_the_shapes(make: Callable[[], Any], message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_a_pooled_output_can_be_changed_in_place_before_backward() -> None:
    # PyTorch's max pooling keeps indices rather than its output, so `y += 1` before backward is allowed; so here.
    data = _distinct(1, 2, 6, 6)
    ours, theirs = lucid.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    for pool, x in ((F.max_pool2d, ours), (TF.max_pool2d, theirs)):
        y = pool(x, 3, 2, 1)
        y += 1
        (y * y).sum().backward()
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-6)
