"""Convolution layers and functions against PyTorch (tests/parity.py): Conv1d/2d/3d, ConvTranspose1d/2d/3d,
Unfold/Fold, over strides, paddings (ints, 'same', 'valid', the four padding modes), dilations, groups,
output_padding and output_size, batched and unbatched; then state_dict keys, repr, and the errors bad input gets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import lucid
from lucid.nn import functional as F  # noqa: N812 - the conventional spelling
from lucid.nn import layers as L  # noqa: N812 - short, like torch.nn as tnn
from tests.parity import LayerCase, OpCase, check_layer, check_op, layer_params, op_params, torch

pytestmark = pytest.mark.torch

tnn = torch.nn
TF = torch.nn.functional


def _pair(name: str, *args: Any, **kwargs: Any) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """Factories for lucid's and torch's layer `name` built with the same arguments."""
    return (lambda: getattr(L, name)(*args, **kwargs)), (lambda: getattr(tnn, name)(*args, **kwargs))


def _case(label: str, name: str, args: tuple, kwargs: dict[str, Any], shape: tuple[int, ...], **extra: Any):
    ours, theirs = _pair(name, *args, **kwargs)
    return LayerCase(f"{name} {label}", ours, theirs, [shape], **extra)


# (label, layer, positional args, keyword args, input shape)
_CONV = [
    ("k3", "Conv1d", (3, 5, 3), {}, (2, 3, 10)),
    ("k4 s2 p1 d2 groups", "Conv1d", (4, 6, 4), {"stride": 2, "padding": 1, "dilation": 2, "groups": 2}, (2, 4, 13)),
    ("pointwise no bias", "Conv1d", (4, 2, 1), {"bias": False}, (3, 4, 7)),
    ("depthwise", "Conv1d", (4, 8, 3), {"padding": 1, "groups": 4}, (2, 4, 9)),
    ("same odd", "Conv1d", (3, 4, 5), {"padding": "same"}, (2, 3, 8)),
    ("same even dilated", "Conv1d", (3, 4, 4), {"padding": "same", "dilation": 3}, (2, 3, 12)),
    ("valid", "Conv1d", (3, 4, 3), {"padding": "valid"}, (2, 3, 8)),
    ("unbatched", "Conv1d", (3, 4, 3), {"stride": 2}, (3, 9)),
    ("reflect", "Conv1d", (3, 4, 3), {"padding": 2, "padding_mode": "reflect"}, (2, 3, 7)),
    ("replicate", "Conv1d", (3, 4, 3), {"padding": 1, "padding_mode": "replicate", "stride": 2}, (2, 3, 7)),
    ("circular same", "Conv1d", (3, 4, 4), {"padding": "same", "padding_mode": "circular"}, (2, 3, 7)),
    ("reflect", "Conv2d", (3, 4, 3), {"padding": (1, 2), "padding_mode": "reflect"}, (2, 3, 6, 7)),
    ("replicate", "Conv2d", (2, 4, 3), {"padding": 1, "padding_mode": "replicate", "groups": 2}, (1, 2, 5, 5)),
    ("circular unbatched", "Conv2d", (3, 4, 3), {"padding": 1, "padding_mode": "circular"}, (3, 5, 6)),
    ("same even kernel", "Conv2d", (3, 4, (2, 4)), {"padding": "same"}, (2, 3, 6, 7)),
    ("k3", "Conv3d", (2, 4, 3), {}, (2, 2, 5, 6, 5)),
    (
        "strided padded dilated",
        "Conv3d",
        (2, 3, (3, 2, 3)),
        {"stride": (2, 1, 2), "padding": 1, "dilation": (1, 2, 1)},
        (1, 2, 6, 7, 7),
    ),
    ("groups no bias", "Conv3d", (4, 6, 2), {"groups": 2, "bias": False}, (2, 4, 3, 4, 3)),
    ("pointwise", "Conv3d", (3, 5, 1), {}, (2, 3, 2, 3, 4)),
    ("same", "Conv3d", (2, 2, 3), {"padding": "same"}, (1, 2, 4, 4, 4)),
    ("unbatched circular", "Conv3d", (2, 3, 3), {"padding": 1, "padding_mode": "circular"}, (2, 4, 4, 5)),
    ("replicate", "Conv3d", (2, 3, 3), {"padding": (0, 1, 2), "padding_mode": "replicate"}, (1, 2, 3, 4, 5)),
]

_TRANSPOSED = [
    ("k3", "ConvTranspose1d", (3, 5, 3), {}, (2, 3, 6)),
    ("s2 p1 op1", "ConvTranspose1d", (4, 6, 4), {"stride": 2, "padding": 1, "output_padding": 1}, (2, 4, 7)),
    (
        "groups dilation op<dilation",
        "ConvTranspose1d",
        (4, 6, 3),
        {"groups": 2, "dilation": 3, "output_padding": 2},
        (2, 4, 5),
    ),
    ("unbatched no bias", "ConvTranspose1d", (3, 2, 2), {"stride": 3, "bias": False}, (3, 5)),
    ("4x4 s2 p1", "ConvTranspose2d", (6, 4, 4), {"stride": 2, "padding": 1}, (2, 6, 5, 4)),
    ("3x3 s2 p1 op1", "ConvTranspose2d", (4, 3, 3), {"stride": 2, "padding": 1, "output_padding": 1}, (1, 4, 5, 5)),
    (
        "asymmetric groups dilation",
        "ConvTranspose2d",
        (6, 4, (3, 2)),
        {"stride": (2, 3), "padding": (1, 0), "output_padding": (1, 2), "groups": 2, "dilation": (2, 1)},
        (2, 6, 4, 3),
    ),
    ("pointwise", "ConvTranspose2d", (4, 3, 1), {}, (2, 4, 3, 5)),
    ("depthwise", "ConvTranspose2d", (4, 4, 3), {"groups": 4, "padding": 1}, (1, 4, 5, 5)),
    ("unbatched", "ConvTranspose2d", (3, 2, 3), {"stride": 2}, (3, 4, 4)),
    ("k2 s2", "ConvTranspose3d", (2, 3, 2), {"stride": 2}, (1, 2, 2, 3, 3)),
    (
        "k3 s2 p1 op1 groups",
        "ConvTranspose3d",
        (4, 2, 3),
        {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2},
        (2, 4, 2, 3, 2),
    ),
    ("unbatched", "ConvTranspose3d", (2, 3, (1, 2, 3)), {"padding": (0, 1, 1)}, (2, 3, 3, 4)),
]

_FOLD = [
    ("3x3", "Unfold", (3,), {}, (2, 3, 5, 6)),
    (
        "2x3 dilated padded strided",
        "Unfold",
        ((2, 3),),
        {"dilation": (2, 1), "padding": 1, "stride": (1, 2)},
        (1, 2, 6, 7),
    ),
    ("unbatched", "Unfold", (2,), {"stride": 2}, (3, 4, 6)),
    ("3x3 overlapping", "Fold", ((4, 5), 3), {"padding": 1}, (2, 18, 20)),
    ("2x2 s2", "Fold", ((4, 6), 2), {"stride": 2}, (1, 12, 6)),
    ("dilated unbatched", "Fold", ((5, 6), (2, 3)), {"dilation": (2, 1), "stride": (1, 2)}, (18, 6)),
]

LAYER_CASES = [_case(*row) for row in _CONV + _TRANSPOSED + _FOLD] + [
    # forward(x, output_size=...) picks among the sizes a strided transposed convolution can produce.
    LayerCase(
        "ConvTranspose2d output_size",
        *_pair("ConvTranspose2d", 4, 3, 3, stride=2, padding=1),
        [(1, 4, 5, 6)],
        kwargs={"output_size": [10, 12]},
    ),
    LayerCase(
        "ConvTranspose1d output_size with N and C",
        *_pair("ConvTranspose1d", 4, 3, 3, stride=3),
        [(2, 4, 5)],
        kwargs={"output_size": [2, 3, 17]},
    ),
    LayerCase(
        "ConvTranspose3d output_size",
        *_pair("ConvTranspose3d", 2, 2, 2, stride=2),
        [(1, 2, 2, 2, 3)],
        kwargs={"output_size": [5, 4, 7]},
    ),
]


@pytest.mark.parametrize(("case", "mode"), layer_params(LAYER_CASES))
def test_layer_matches_torch(case: LayerCase, mode: str) -> None:
    check_layer(case, mode)


OP_CASES = [
    OpCase(
        "Conv1d",
        "conv1d same, groups, bias",
        lambda x, w, b: F.conv1d(x, w, b, padding="same", groups=2),
        lambda x, w, b: TF.conv1d(x, w, b, padding="same", groups=2),
        [(2, 4, 9), (6, 2, 4), (6,)],
    ),
    OpCase(
        "Conv3d",
        "conv3d strided dilated",
        lambda x, w: F.conv3d(x, w, stride=(1, 2, 1), padding=(1, 0, 2), dilation=2),
        lambda x, w: TF.conv3d(x, w, stride=(1, 2, 1), padding=(1, 0, 2), dilation=2),
        [(1, 2, 5, 6, 4), (3, 2, 2, 2, 2)],
    ),
    OpCase(
        "Conv2d",
        "conv2d same with an even kernel",
        lambda x, w: F.conv2d(x, w, padding="same", dilation=(1, 2)),
        lambda x, w: TF.conv2d(x, w, padding="same", dilation=(1, 2)),
        [(1, 3, 6, 7), (2, 3, 4, 3)],
    ),
    OpCase(
        "ConvTranspose1d",
        "conv_transpose1d groups dilation",
        lambda x, w, b: F.conv_transpose1d(x, w, b, 2, 1, 1, 2, 2),
        lambda x, w, b: TF.conv_transpose1d(x, w, b, 2, 1, 1, 2, 2),
        [(2, 4, 6), (4, 3, 3), (6,)],
    ),
    OpCase(
        "ConvTranspose2d",
        "conv_transpose2d s2 p1 op1",
        lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1),
        lambda x, w: TF.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1),
        [(2, 3, 4, 5), (3, 2, 3, 3)],
    ),
    OpCase(
        "ConvTranspose3d",
        "conv_transpose3d unbatched",
        lambda x, w: F.conv_transpose3d(x, w, stride=(2, 1, 2)),
        lambda x, w: TF.conv_transpose3d(x, w, stride=(2, 1, 2)),
        [(2, 2, 3, 2), (2, 3, 2, 2, 2)],
    ),
    OpCase(
        "Im2Col",
        "unfold then fold (the overlap counts)",
        lambda x: F.fold(F.unfold(x, 3, padding=1, stride=2), (5, 6), 3, padding=1, stride=2),
        lambda x: TF.fold(TF.unfold(x, 3, padding=1, stride=2), (5, 6), 3, padding=1, stride=2),
        [(2, 3, 5, 6)],
    ),
    OpCase(
        "Col2Im",
        "fold 1x1 is a reshape",
        lambda c: F.fold(c, (3, 4), 1),
        lambda c: TF.fold(c, (3, 4), 1),
        [(2, 5, 12)],
    ),
]


@pytest.mark.parametrize("case", op_params(OP_CASES))
def test_function_matches_torch(case: OpCase) -> None:
    check_op(case)


# ---- names, shapes and repr ----------------------------------------------------------------------------------------

_BUILT = [
    ("Conv1d", (3, 6, 3), {}),
    ("Conv1d", (4, 8, 2), {"stride": 2, "padding": 1, "groups": 2, "bias": False}),
    ("Conv1d", (3, 4, 4), {"padding": "same", "padding_mode": "reflect", "dilation": 2}),
    ("Conv2d", (3, 4, 3), {"padding": "same"}),
    ("Conv2d", (3, 4, 3), {"padding": "valid", "padding_mode": "circular"}),
    ("Conv3d", (2, 4, (1, 3, 3)), {"padding": (0, 1, 1), "stride": (1, 2, 2)}),
    ("ConvTranspose1d", (4, 6, 3), {"stride": 2, "output_padding": 1, "groups": 2}),
    ("ConvTranspose2d", (64, 32, 4), {"stride": 2, "padding": 1, "bias": False}),
    ("ConvTranspose3d", (2, 4, 3), {"dilation": 2}),
    ("Unfold", (3,), {"padding": 1}),
    ("Unfold", ((2, 3),), {"dilation": 2, "stride": (1, 2)}),
    ("Fold", ((4, 5), 3), {"padding": 1}),
]


@pytest.mark.parametrize(("name", "args", "kwargs"), _BUILT, ids=[f"{n} {k}" for n, _, k in _BUILT])
def test_state_dict_and_repr_match_torch(name: str, args: tuple, kwargs: dict[str, Any]) -> None:
    ours, theirs = (factory() for factory in _pair(name, *args, **kwargs))
    assert repr(ours) == repr(theirs)
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == {
        k: tuple(v.shape) for k, v in theirs.state_dict().items()
    }
    for attribute in ("kernel_size", "stride", "padding", "dilation", "output_padding", "groups", "padding_mode"):
        if hasattr(theirs, attribute):
            assert getattr(ours, attribute) == getattr(theirs, attribute), attribute


def test_default_init_has_pytorchs_bounds() -> None:
    # A transposed weight is (in, out/groups, *k): PyTorch's fan-in is then out/groups * taps, and so is ours.
    layer = L.ConvTranspose2d(64, 8, 4, groups=2)
    bound = 1 / (4 * 16) ** 0.5
    assert layer.weight.shape == (64, 4, 4, 4)
    assert abs(layer.weight.numpy()).max() <= bound and abs(layer.bias.numpy()).max() <= bound
    assert abs(layer.weight.numpy()).max() > 0.8 * bound  # drawn over the whole range, not a narrower one


# ---- errors --------------------------------------------------------------------------------------------------------

_ERRORS = [
    (
        lambda: L.Conv1d(3, 4, 3)(lucid.zeros(2, 3, 4, 4)),
        r"Conv1d: expected input of shape \(N, C, L\) or \(C, L\), got shape \(2, 3, 4, 4\)",
    ),
    (lambda: L.Conv1d(3, 4, 3)(lucid.zeros(2, 5, 9)), r"Conv1d: expected input with 3 channels, got shape \(2, 5, 9\)"),
    (
        lambda: L.Conv3d(2, 4, 3)(lucid.zeros(1, 2, 2, 5, 5)),
        r"Conv3d: input \(1, 2, 2, 5, 5\) padded by \(0, 0, 0\) is smaller than the dilated kernel \(3, 3, 3\)",
    ),
    (lambda: L.Conv1d(3, 4, 3, stride=2, padding="same"), r"Conv1d: padding='same' needs stride 1, got stride=\(2,\)"),
    (lambda: L.Conv2d(3, 4, 3, padding_mode="mirror"), r"Conv2d: padding_mode must be one of .*, got 'mirror'"),
    (
        lambda: L.Conv1d(3, 4, 3, groups=2),
        r"Conv1d: in_channels \(3\) and out_channels \(4\) must both be divisible by groups \(2\)",
    ),
    (lambda: L.Conv3d(2, 4, (3, 3)), r"Conv3d: kernel_size must be an int or a tuple of 3 ints, got \(3, 3\)"),
    (
        lambda: L.ConvTranspose2d(4, 2, 3, stride=2, output_padding=2)(lucid.zeros(1, 4, 3, 3)),
        r"ConvTranspose2d: output_padding \(2, 2\) must be >= 0 and smaller than either the stride \(2, 2\) "
        r"or the dilation \(1, 1\)",
    ),
    (
        lambda: L.ConvTranspose1d(4, 2, 3)(lucid.zeros(1, 3, 5)),
        r"ConvTranspose1d: expected input with 4 channels, got shape \(1, 3, 5\)",
    ),
    (
        lambda: L.ConvTranspose2d(4, 2, 3)(lucid.zeros(4, 5)),
        r"ConvTranspose2d: expected input of shape \(N, C, H, W\) or \(C, H, W\), got shape \(4, 5\)",
    ),
    (
        lambda: L.ConvTranspose2d(4, 2, 3, stride=2)(lucid.zeros(1, 4, 3, 3), output_size=(9, 4)),
        r"ConvTranspose2d: output_size \(9, 4\) is out of reach for input of shape \(1, 4, 3, 3\): "
        r"each size must lie between \(7, 7\) and \(8, 8\)",
    ),
    (
        lambda: L.ConvTranspose1d(4, 2, 3, padding=3)(lucid.zeros(1, 4, 1)),
        r"ConvTranspose1d: input \(1, 4, 1\) with kernel \(3,\), stride \(1,\) and padding \(3,\) gives a "
        r"non-positive output size \(-3,\)",
    ),
    (
        lambda: L.ConvTranspose2d(4, 2, 3, padding_mode="reflect"),
        r'ConvTranspose2d: only padding_mode="zeros" is supported',
    ),
    (
        lambda: F.conv1d(lucid.zeros(1, 4, 8), lucid.zeros(6, 3, 3), groups=2),
        r"conv1d: weight \(6, 3, 3\) with groups=2 expects input with 6 channels, got shape \(1, 4, 8\)",
    ),
    (
        lambda: F.conv3d(lucid.zeros(1, 2, 4, 4, 4), lucid.zeros(3, 2, 3, 3)),
        r"conv3d: weight must have shape \(out_channels, in_channels/groups, kd, kh, kw\), got \(3, 2, 3, 3\)",
    ),
    (
        lambda: F.conv_transpose1d(lucid.zeros(1, 4, 8), lucid.zeros(4, 3, 3), lucid.zeros(4)),
        r"conv_transpose1d: bias must have shape \(3,\), got \(4,\)",
    ),
    (
        lambda: L.Unfold(3)(lucid.zeros(1, 2, 2, 5)),
        r"Unfold: input \(1, 2, 2, 5\) padded by \(0, 0\) is smaller than the dilated kernel \(3, 3\)",
    ),
    (
        lambda: L.Fold((4, 5), 3)(lucid.zeros(1, 18, 7)),
        r"Fold: output_size \(4, 5\) with kernel_size \(3, 3\), dilation \(1, 1\), padding \(0, 0\) and "
        r"stride \(1, 1\) has 6 blocks, but input \(1, 18, 7\) has 7 columns",
    ),
    (
        lambda: L.Fold((4, 5), 3)(lucid.zeros(1, 16, 6)),
        r"Fold: input \(1, 16, 6\) must have a multiple of kernel_size \(3, 3\) = 9 values per column",
    ),
]


@pytest.mark.parametrize(("make", "message"), _ERRORS, ids=[m[:40] for _, m in _ERRORS])
def test_bad_input_gets_an_error_naming_the_layer_and_the_shapes(make: Callable[[], Any], message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        make()
