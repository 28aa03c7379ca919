"""MACs of the 1-d and 3-d convolutions, the transposed convolutions and every pooling layer, as viz counts them,
against closed forms written here from the layers' shapes (and, for the convolutions, PyTorch's FlopCounterMode,
which counts a multiply and an add as two FLOPs). Resampling and padding count 0. And no op of the convolution and
pooling families can be added without a MAC rule.
"""

from __future__ import annotations

import importlib
import inspect
import math
import pkgutil

import pytest

import lucid.autograd.ops
from lucid import nn
from lucid.autograd.function import Function
from viz.macs import MAC_RULES
from viz.trace import trace


def _macs(layer: nn.Module, shape: tuple[int, ...]) -> int:
    calls = trace(layer, input_shape=shape).calls
    assert [call.path for call in calls] == [""]
    return calls[0].macs


def _conv_out(size: int, k: int, s: int, p: int, d: int) -> int:
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


# (layer, input shape, closed form): convolution MACs are N * C_out * outputs * (C_in / groups) * taps.
CONV_CASES = [
    (lambda: nn.Conv1d(4, 6, 3), (2, 4, 11), 2 * 6 * 9 * 4 * 3),
    (lambda: nn.Conv1d(4, 6, 5, stride=2, padding=2, dilation=2, groups=2), (3, 4, 17), 3 * 6 * 7 * 2 * 5),
    (lambda: nn.Conv1d(4, 8, 1, bias=False), (1, 4, 9), 8 * 9 * 4),
    (lambda: nn.Conv1d(3, 3, 4, padding="same", padding_mode="reflect"), (1, 3, 10), 3 * 10 * 3 * 4),
    (lambda: nn.Conv3d(2, 4, 3, padding=1), (1, 2, 4, 5, 6), 4 * (4 * 5 * 6) * 2 * 27),
    (
        lambda: nn.Conv3d(4, 8, (1, 3, 2), stride=(1, 2, 2), groups=4),
        (2, 4, 3, 9, 8),
        2 * 8 * (3 * _conv_out(9, 3, 2, 0, 1) * _conv_out(8, 2, 2, 0, 1)) * 1 * 6,
    ),
    # Transposed: every input element times the (C_out / groups) * taps block of the weight.
    (lambda: nn.ConvTranspose1d(4, 6, 3, stride=2), (2, 4, 7), 2 * 4 * 7 * 6 * 3),
    (lambda: nn.ConvTranspose1d(4, 6, 4, stride=2, padding=1, groups=2), (1, 4, 5), 4 * 5 * 3 * 4),
    (lambda: nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1), (1, 64, 32, 32), 64 * 32 * 32 * 32 * 16),
    (
        lambda: nn.ConvTranspose2d(6, 4, (3, 2), stride=(2, 3), output_padding=(1, 2), dilation=2, groups=2),
        (2, 6, 5, 4),
        2 * 6 * 5 * 4 * 2 * 6,
    ),
    (lambda: nn.ConvTranspose3d(2, 4, 2, stride=2, bias=False), (1, 2, 3, 4, 5), 2 * 60 * 4 * 8),
]

# Pools: output elements * window taps (1 per tap: an accumulate or a compare).
POOL_CASES = [
    (lambda: nn.AvgPool1d(3, 2, 1), (2, 3, 10), 2 * 3 * 5 * 3),
    (lambda: nn.AvgPool1d(2, ceil_mode=True), (1, 4, 9), 4 * 5 * 2),
    (lambda: nn.MaxPool1d(3, 1, dilation=2), (2, 2, 9), 2 * 2 * 5 * 3),
    (lambda: nn.AvgPool3d(2), (1, 3, 4, 6, 8), 3 * (2 * 3 * 4) * 8),
    (lambda: nn.AvgPool3d((1, 3, 3), 1, (0, 1, 1), count_include_pad=False), (1, 2, 3, 5, 5), 2 * 75 * 9),
    (lambda: nn.MaxPool3d(3, 2, 1, ceil_mode=True), (2, 1, 6, 7, 5), 2 * (4 * 4 * 3) * 27),
    (lambda: nn.MaxPool2d(2, return_indices=True), (1, 3, 8, 6), 3 * 12 * 4),
]


def _span(size: int, out: int) -> int:
    # Window o covers [floor(o * size / out), ceil((o + 1) * size / out)), written out once more, independently.
    return sum(math.ceil((o + 1) * size / out) - math.floor(o * size / out) for o in range(out))


# Adaptive pools: the window sizes summed (windows may overlap), per axis multiplied.
ADAPTIVE_CASES = [
    (lambda: nn.AdaptiveAvgPool1d(3), (2, 4, 7), 2 * 4 * _span(7, 3)),
    (lambda: nn.AdaptiveMaxPool1d(5), (1, 3, 5), 3 * 5),
    (lambda: nn.AdaptiveMaxPool2d((3, 2)), (2, 2, 7, 5), 2 * 2 * _span(7, 3) * _span(5, 2)),
    (lambda: nn.AdaptiveMaxPool2d(1), (1, 8, 7, 7), 8 * 49),
    (lambda: nn.AdaptiveAvgPool3d((2, None, 3)), (1, 2, 5, 4, 7), 2 * _span(5, 2) * 4 * _span(7, 3)),
    (lambda: nn.AdaptiveMaxPool3d(2), (1, 1, 3, 5, 4), _span(3, 2) * _span(5, 2) * _span(4, 2)),
]


@pytest.mark.parametrize(("layer", "shape", "expected"), CONV_CASES + POOL_CASES + ADAPTIVE_CASES)
def test_macs_match_the_closed_form(layer: object, shape: tuple[int, ...], expected: int) -> None:
    assert _macs(layer(), shape) == expected


def test_an_overlapping_adaptive_window_counts_twice() -> None:
    # 5 -> 3: windows [0, 2), [1, 4), [3, 5) read 7 elements of 5.
    assert _span(5, 3) == 7
    assert _macs(nn.AdaptiveAvgPool1d(3), (1, 1, 5)) == 7


@pytest.mark.parametrize(
    "layer",
    [
        lambda: nn.Upsample(scale_factor=2, mode="bilinear"),
        lambda: nn.Upsample(size=(5, 9), mode="bicubic", align_corners=True),
        lambda: nn.Upsample(scale_factor=3, mode="nearest"),
        lambda: nn.ReflectionPad2d(2),
        lambda: nn.ZeroPad2d((1, 0, 2, 1)),
        lambda: nn.PixelShuffle(2),
        lambda: nn.Unfold(3),
    ],
)
def test_resampling_and_padding_count_zero(layer: object) -> None:
    assert _macs(layer(), (1, 4, 6, 6)) == 0


def test_area_interpolation_counts_as_the_adaptive_pooling_it_is() -> None:
    assert _macs(nn.Upsample(size=(3, 2), mode="area"), (1, 2, 7, 5)) == 2 * _span(7, 3) * _span(5, 2)


def _registered_in(prefixes: tuple[str, ...]) -> dict[str, type[Function]]:
    for info in pkgutil.iter_modules(lucid.autograd.ops.__path__):
        importlib.import_module(f"lucid.autograd.ops.{info.name}")
    found = {}
    for name, op in Function.registry.items():
        module = inspect.getmodule(op).__name__.rsplit(".", 1)[-1]
        if module.startswith(prefixes):
            found[name] = op
    return found


def test_every_convolution_and_pooling_op_has_a_mac_rule() -> None:
    ops = _registered_in(("conv", "pool"))
    # Guards the test itself: the families it covers are found.
    assert {"Conv1d", "Conv2d", "Conv3d", "ConvTranspose2d", "MaxPool3d", "AdaptiveMaxPool2d"} <= set(ops)
    missing = sorted(set(ops) - set(MAC_RULES))
    assert not missing, f"convolution/pooling ops without a MAC rule in viz/macs.py: {missing}"


@pytest.mark.torch
@pytest.mark.parametrize(("layer", "shape", "expected"), CONV_CASES)
def test_convolution_macs_match_pytorchs_flop_counter(layer: object, shape: tuple[int, ...], expected: int) -> None:
    torch = pytest.importorskip("torch")
    from torch.utils.flop_counter import FlopCounterMode

    ours = layer()
    name = type(ours).__name__
    kwargs = {k: getattr(ours, k) for k in ("stride", "dilation", "groups", "padding_mode")}
    kwargs["bias"] = ours.bias is not None
    padding = ours.padding
    if name.startswith("ConvTranspose"):
        del kwargs["padding_mode"]
        kwargs["output_padding"] = ours.output_padding
    theirs = getattr(torch.nn, name)(ours.in_channels, ours.out_channels, ours.kernel_size, padding=padding, **kwargs)
    with FlopCounterMode(display=False) as counter:
        theirs(torch.zeros(shape))
    assert counter.get_total_flops() == 2 * _macs(ours, shape) == 2 * expected
