"""Resampling and padding against PyTorch (tests/parity.py): Upsample / F.interpolate in every mode with size or
scale_factor, align_corners and recompute_scale_factor; PixelShuffle / PixelUnshuffle; F.pad and the padding layers
in every mode, negative padding included; then repr and the errors bad input gets.

PyTorch's backward kernels disagree with its own forward in two corners, which these cases leave out: a
`scale_factor` that leaves an axis's size unchanged (in the linear modes, bicubic and 2-d nearest, whose forward
copies such an axis while its backward follows the scale, or the other way round), and in nearest mode a factor
that doubles an axis without being 2 (2-d's forward halves the index, its backward follows the scale; 1-d and 3-d
the other way round). lucid's gradient is that of its forward, which equals PyTorch's: see
`test_gradient_is_the_adjoint_of_the_forward_where_torch_disagrees_with_itself`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import lucid
from lucid.autograd.ops import resample
from lucid.nn import functional as F  # noqa: N812 - the conventional spelling
from lucid.nn import layers as L  # noqa: N812 - short, like torch.nn as tnn
from tests.parity import LayerCase, OpCase, check_layer, check_op, layer_params, op_params, torch

pytestmark = pytest.mark.torch

tnn = torch.nn
TF = torch.nn.functional


def _case(name: str, args: tuple, kwargs: dict[str, Any], shape: tuple[int, ...], label: str = "") -> LayerCase:
    text = label or " ".join([*(str(a) for a in args), *(f"{k}={v}" for k, v in kwargs.items())])
    return LayerCase(
        f"{name} {text} on {shape}",
        lambda: getattr(L, name)(*args, **kwargs),
        lambda: getattr(tnn, name)(*args, **kwargs),
        [shape],
    )


LAYER_CASES: list[LayerCase] = []

# Upsample: each mode on its input rank, up and down, by size and by (integer and fractional) factors.
_SHAPES = {"linear": (2, 3, 6), "bilinear": (2, 3, 5, 6), "bicubic": (2, 2, 5, 6), "trilinear": (1, 2, 3, 4, 5)}
_SIZES = {1: [(11,), (4,), (1,)], 2: [(9, 13), (3, 4), (7, 1)], 3: [(5, 7, 4), (2, 3, 9)]}
_FACTORS = {1: [2, 0.5, 1.7], 2: [2, (1.5, 3), 0.6], 3: [2, (0.7, 1.5, 2.5)]}
for mode, shape in _SHAPES.items():
    nd = len(shape) - 2
    for align in (False, True):
        for size in _SIZES[nd]:
            LAYER_CASES.append(_case("Upsample", (), {"size": size, "mode": mode, "align_corners": align}, shape))
        for factor in _FACTORS[nd]:
            kwargs = {"scale_factor": factor, "mode": mode, "align_corners": align}
            LAYER_CASES.append(_case("Upsample", (), kwargs, shape))
            LAYER_CASES.append(_case("Upsample", (), {**kwargs, "recompute_scale_factor": True}, shape))
for mode in ("nearest", "nearest-exact", "area"):
    for shape in ((2, 3, 7), (2, 2, 5, 6), (1, 2, 3, 4, 5)):
        nd = len(shape) - 2
        for size in _SIZES[nd]:
            LAYER_CASES.append(_case("Upsample", (), {"size": size, "mode": mode}, shape))
        for factor in (2, 3, 0.5, 1.6):
            LAYER_CASES.append(_case("Upsample", (), {"scale_factor": factor, "mode": mode}, shape))
LAYER_CASES += [
    _case("UpsamplingNearest2d", (), {"scale_factor": 2}, (2, 3, 4, 5)),
    _case("UpsamplingNearest2d", ((7, 3),), {}, (2, 3, 4, 5)),
    _case("UpsamplingBilinear2d", (), {"scale_factor": 2}, (2, 3, 4, 5)),
    _case("UpsamplingBilinear2d", ((3, 8),), {}, (1, 3, 4, 5)),
    _case("PixelShuffle", (2,), {}, (2, 8, 3, 4)),
    _case("PixelShuffle", (3,), {}, (9, 2, 2), "unbatched"),
    _case("PixelShuffle", (2,), {}, (2, 3, 4, 3, 2), "two batch axes"),
    _case("PixelUnshuffle", (2,), {}, (2, 3, 4, 6)),
    _case("PixelUnshuffle", (3,), {}, (2, 6, 3), "unbatched"),
]

# Padding layers: every family and rank, symmetric and per-side widths, negative widths, unbatched.
_PADS = {
    1: [2, (1, 3), (-1, 2), (0, 4)],
    2: [1, (1, 2, 0, 3), (2, -1, 1, 1)],
    3: [1, (1, 0, 2, 1, 0, 2), (-1, 1, 1, 0, 2, -1)],
}
_PAD_SHAPES = {1: [(2, 3, 6), (3, 5)], 2: [(2, 3, 4, 5), (3, 4, 6)], 3: [(1, 2, 3, 4, 5), (2, 3, 4, 4)]}
for nd, widths in _PADS.items():
    for width in widths:
        for shape in _PAD_SHAPES[nd]:
            for family in ("ZeroPad", "ReflectionPad", "ReplicationPad", "CircularPad"):
                LAYER_CASES.append(_case(f"{family}{nd}d", (width,), {}, shape))
            LAYER_CASES.append(_case(f"ConstantPad{nd}d", (width, 2.5), {}, shape))


@pytest.mark.parametrize(("case", "mode"), layer_params(LAYER_CASES))
def test_layer_matches_torch(case: LayerCase, mode: str) -> None:
    check_layer(case, mode)


def _op(op: str, label: str, ours: Callable[..., Any], theirs: Callable[..., Any], *shapes: Any) -> OpCase:
    return OpCase(op, label, ours, theirs, list(shapes))


OP_CASES = [
    _op(
        "Interpolate",
        "bilinear x2 (the decoder upsampler)",
        lambda x: F.interpolate(x, scale_factor=2, mode="bilinear"),
        lambda x: TF.interpolate(x, scale_factor=2, mode="bilinear"),
        (1, 4, 7, 6),
    ),
    _op(
        "Interpolate",
        "bicubic align_corners, per-axis size",
        lambda x: F.interpolate(x, size=(4, 11), mode="bicubic", align_corners=True),
        lambda x: TF.interpolate(x, size=(4, 11), mode="bicubic", align_corners=True),
        (2, 2, 6, 5),
    ),
    _op(
        "Interpolate",
        "nearest 3-d, per-axis factors",
        lambda x: F.interpolate(x, scale_factor=(2, 1.5, 0.5)),
        lambda x: TF.interpolate(x, scale_factor=(2, 1.5, 0.5)),
        (1, 2, 3, 4, 6),
    ),
    _op(
        "Interpolate",
        "same-size linear is a copy",
        lambda x: F.interpolate(x, size=6, mode="linear"),
        lambda x: TF.interpolate(x, size=6, mode="linear"),
        (2, 3, 6),
    ),
    _op(
        "AdaptiveAvgPool2d",
        "area is adaptive average pooling",
        lambda x: F.interpolate(x, size=(3, 4), mode="area"),
        lambda x: TF.interpolate(x, size=(3, 4), mode="area"),
        (2, 2, 7, 9),
    ),
    _op(
        "BorderPad",
        "reflect 3-d",
        lambda x: F.pad(x, (1, 2, 2, 1, 1, 0), mode="reflect"),
        lambda x: TF.pad(x, (1, 2, 2, 1, 1, 0), mode="reflect"),
        (1, 2, 3, 4, 5),
    ),
    _op(
        "BorderPad",
        "replicate wider than the input",
        lambda x: F.pad(x, (5, 0), mode="replicate"),
        lambda x: TF.pad(x, (5, 0), mode="replicate"),
        (2, 3, 3),
    ),
    _op(
        "BorderPad",
        "circular crops first",
        lambda x: F.pad(x, (-1, 3, 2, -2), mode="circular"),
        lambda x: TF.pad(x, (-1, 3, 2, -2), mode="circular"),
        (1, 2, 5, 6),
    ),
    _op(
        "Pad",
        "constant on a leading axis too",
        lambda x: F.pad(x, (1, 1, 0, 2, 1, 0), value=-3.0),
        lambda x: TF.pad(x, (1, 1, 0, 2, 1, 0), value=-3.0),
        (2, 3, 4),
    ),
    _op(
        "Reshape",
        "pixel_shuffle then pixel_unshuffle",
        lambda x: F.pixel_unshuffle(F.pixel_shuffle(x, 2), 2) * F.pixel_shuffle(x, 2).sum(),
        lambda x: TF.pixel_unshuffle(TF.pixel_shuffle(x, 2), 2) * TF.pixel_shuffle(x, 2).sum(),
        (2, 8, 3, 2),
    ),
]


@pytest.mark.parametrize("case", op_params(OP_CASES))
def test_function_matches_torch(case: OpCase) -> None:
    check_op(case)


@pytest.mark.parametrize("case", [c for c in OP_CASES if c.op == "Interpolate"], ids=lambda c: c.label)
def test_the_gather_path_matches_torch(case: OpCase, monkeypatch: pytest.MonkeyPatch) -> None:
    # Short axes run as one matrix product; with that switched off the same cases run through the gathers.
    monkeypatch.setattr(resample, "_DENSE_PER_TAP", 0)
    check_op(case)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "nearest"])
def test_a_nan_or_inf_spreads_only_to_the_outputs_that_read_it(mode: str) -> None:
    x = np.random.default_rng(4).standard_normal((1, 2, 12, 14)).astype(np.float32)
    x[0, 0, 5, 6], x[0, 1, 11, 0] = np.nan, np.inf
    ours = F.interpolate(lucid.tensor(x), scale_factor=2, mode=mode).numpy()
    theirs = TF.interpolate(torch.tensor(x), scale_factor=2, mode=mode).numpy()
    np.testing.assert_array_equal(np.isfinite(ours), np.isfinite(theirs))
    finite = np.isfinite(theirs)
    np.testing.assert_allclose(ours[finite], theirs[finite], atol=1e-5)
    assert 0 < (~finite).sum() < finite.size // 10


def test_forward_matches_torch_where_torchs_backward_disagrees_with_itself() -> None:
    rng = np.random.default_rng(3)
    cases = [
        ((1, 2, 7), {"scale_factor": 1.1, "mode": "nearest"}),
        ((1, 2, 5), {"scale_factor": 2.1, "mode": "nearest"}),
        ((1, 2, 5, 7), {"scale_factor": 1.1, "mode": "nearest"}),
        ((1, 2, 5, 7), {"scale_factor": 2.1, "mode": "nearest"}),
        ((1, 1, 5, 5, 5), {"scale_factor": (1.1, 2.1, 1.9), "mode": "nearest"}),
        ((1, 2, 7, 6), {"scale_factor": (1.1, 2), "mode": "bilinear"}),
        ((1, 2, 7, 6), {"scale_factor": 1.1, "mode": "bicubic"}),
        ((1, 1, 5, 4, 3), {"scale_factor": 1.1, "mode": "trilinear"}),
    ]
    for shape, kwargs in cases:
        x = rng.standard_normal(shape).astype(np.float32)
        ours = F.interpolate(lucid.tensor(x), **kwargs).numpy()
        np.testing.assert_allclose(ours, TF.interpolate(torch.tensor(x), **kwargs).numpy(), atol=1e-5, err_msg=kwargs)


def test_gradient_is_the_adjoint_of_the_forward_where_torch_disagrees_with_itself() -> None:
    # The forward is linear in x, so its gradient for weights g is the matrix M^T g, M read off the forward.
    for shape, kwargs in [((1, 1, 5), {"scale_factor": 2.1}), ((1, 1, 6, 7), {"scale_factor": 1.1, "mode": "bicubic"})]:
        size = int(np.prod(shape))
        columns = [
            F.interpolate(lucid.tensor(np.eye(size)[i].reshape(shape)), **kwargs).numpy().ravel() for i in range(size)
        ]
        matrix = np.stack(columns, axis=1)
        g = np.random.default_rng(0).standard_normal(matrix.shape[0])
        x = lucid.tensor(np.zeros(shape), requires_grad=True)
        out = F.interpolate(x, **kwargs)
        (out * lucid.tensor(g.reshape(out.shape))).sum().backward()
        np.testing.assert_allclose(x.grad.ravel(), matrix.T @ g, atol=1e-12)


_BUILT = [
    ("Upsample", (), {"scale_factor": 2}),
    ("Upsample", (), {"size": (3, 4), "mode": "bilinear", "align_corners": True}),
    ("Upsample", (), {"scale_factor": (2, 3), "mode": "bicubic"}),
    ("UpsamplingNearest2d", (), {"scale_factor": 2}),
    ("UpsamplingBilinear2d", ((5, 6),), {}),
    ("PixelShuffle", (2,), {}),
    ("PixelUnshuffle", (3,), {}),
    ("ZeroPad1d", (2,), {}),
    ("ZeroPad2d", ((1, 2, 3, 4),), {}),
    ("ZeroPad3d", (1,), {}),
    ("ConstantPad1d", (2, 3.5), {}),
    ("ConstantPad2d", ((1, 0, 2, 0), -1), {}),
    ("ConstantPad3d", (1, 0.5), {}),
    ("ReflectionPad1d", ((1, 2),), {}),
    ("ReflectionPad2d", (2,), {}),
    ("ReflectionPad3d", (1,), {}),
    ("ReplicationPad1d", (3,), {}),
    ("ReplicationPad2d", ((1, 2, 0, 1),), {}),
    ("ReplicationPad3d", (2,), {}),
    ("CircularPad1d", (1,), {}),
    ("CircularPad2d", ((0, 1, 1, 0),), {}),
    ("CircularPad3d", (1,), {}),
]


@pytest.mark.parametrize(("name", "args", "kwargs"), _BUILT, ids=[f"{n} {a} {k}" for n, a, k in _BUILT])
def test_repr_and_attributes_match_torch(name: str, args: tuple, kwargs: dict[str, Any]) -> None:
    ours, theirs = getattr(L, name)(*args, **kwargs), getattr(tnn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    for attribute in ("padding", "value", "size", "scale_factor", "mode", "align_corners", "upscale_factor"):
        if hasattr(theirs, attribute):
            assert getattr(ours, attribute) == getattr(theirs, attribute), attribute


_ERRORS = [
    (
        lambda: L.Upsample(scale_factor=2, mode="bilinear")(lucid.zeros(1, 2, 5)),
        r"Upsample: mode 'bilinear' needs 4-D input \(N, C, \*spatial\), got shape \(1, 2, 5\)",
    ),
    (
        lambda: L.Upsample(scale_factor=2, mode="nearest")(lucid.zeros(2, 5)),
        r"Upsample: mode 'nearest' needs 3-D, 4-D or 5-D input",
    ),
    (
        lambda: L.Upsample(scale_factor=0.1)(lucid.zeros(1, 2, 5)),
        r"Upsample: scale_factor 0.1 shrinks input \(1, 2, 5\) to an empty output \(0,\)",
    ),
    (
        lambda: L.Upsample(scale_factor=-2.0)(lucid.zeros(1, 2, 5)),
        r"Upsample: scale_factor must be positive numbers, got -2.0",
    ),
    (
        lambda: L.Upsample(size=(4, 4, 4))(lucid.zeros(1, 2, 5, 5)),
        r"Upsample: size \(4, 4, 4\) must give one value per spatial axis of the input \(1, 2, 5, 5\) \(2\)",
    ),
    (
        lambda: L.Upsample(scale_factor=2, mode="nearest", align_corners=True)(lucid.zeros(1, 2, 5)),
        r"Upsample: align_corners can only be set with the modes linear, bilinear, bicubic and trilinear",
    ),
    (
        lambda: L.Upsample(scale_factor=2, mode="cubic")(lucid.zeros(1, 2, 5)),
        r"Upsample: mode must be one of .*, got 'cubic'",
    ),
    (lambda: F.interpolate(lucid.zeros(1, 2, 5)), r"interpolate: give exactly one of size and scale_factor"),
    (
        lambda: F.interpolate(lucid.zeros(1, 2, 5, 5), scale_factor=2, mode="bilinear", antialias=True),
        r"interpolate: antialias=True is not supported",
    ),
    (
        lambda: F.interpolate(lucid.zeros(1, 2, 5, dtype=lucid.int64), scale_factor=2, mode="linear"),
        r"interpolate: mode 'linear' needs a floating-point input, got dtype int64",
    ),
    (
        lambda: L.PixelShuffle(2)(lucid.zeros(1, 6, 3, 3)),
        r"PixelShuffle: input \(1, 6, 3, 3\) has 6 channels, not a multiple of upscale_factor\^2 = 4",
    ),
    (
        lambda: L.PixelUnshuffle(2)(lucid.zeros(1, 2, 3, 4)),
        r"PixelUnshuffle: input \(1, 2, 3, 4\) has a height or width that is not a multiple of 2",
    ),
    (
        lambda: L.PixelShuffle(2)(lucid.zeros(4, 4)),
        r"PixelShuffle: expected input of shape \(\*, C \* r\^2, H, W\), got \(4, 4\)",
    ),
    (
        lambda: L.ReflectionPad2d(4)(lucid.zeros(1, 2, 4, 6)),
        r"ReflectionPad2d: reflect padding \(4, 4\) of axis 2 must be smaller than the axis size 4 "
        r"\(input shape \(1, 2, 4, 6\)\)",
    ),
    (
        lambda: L.CircularPad1d(4)(lucid.zeros(1, 2, 3)),
        r"CircularPad1d: circular padding \(4, 4\) of axis 2 must be at most the axis size 3",
    ),
    (
        lambda: L.ReplicationPad3d(1)(lucid.zeros(2, 3)),
        r"ReplicationPad3d: expected input of shape \(N, C, D, H, W\) or \(C, D, H, W\), got shape \(2, 3\)",
    ),
    (
        lambda: L.ZeroPad2d((1, 2, 3))(lucid.zeros(1, 2, 3, 3)),
        r"ZeroPad2d: padding must be an int or a tuple of 4 ints, got \(1, 2, 3\)",
    ),
    (
        lambda: F.pad(lucid.zeros(2, 3), (1, 1, 1, 1, 1, 1)),
        r"pad: pad \(1, 1, 1, 1, 1, 1\) must have an even length of at most 2 \* 2 for an input of shape \(2, 3\)",
    ),
    (
        lambda: F.pad(lucid.zeros(2, 3), (-2, -2)),
        r"pad: pad \(-2, -2\) would leave axis 1 of input \(2, 3\) a negative size",
    ),
    (
        lambda: F.pad(lucid.zeros(2, 3), (1, 1), mode="mirror"),
        r"pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got 'mirror'",
    ),
    (
        lambda: F.pad(lucid.zeros(2, 3), (1, 1), mode="reflect", value=1.0),
        r"pad: mode='reflect' takes no fill value, got value=1.0",
    ),
]


@pytest.mark.parametrize(("make", "message"), _ERRORS, ids=[m[:40] for _, m in _ERRORS])
def test_bad_input_gets_an_error_naming_the_layer_and_the_shapes(make: Callable[[], Any], message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        make()
