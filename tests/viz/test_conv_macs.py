"""Convolution MACs as viz counts them, for every kind of grouping, against two independent references: the closed
form N·Cout·Hout·Wout·(Cin/groups)·kh·kw, and PyTorch's FlopCounterMode on the same convolution (which counts a
multiply and an add as two FLOPs, so its figure is twice the MACs; it does not count the bias add either).

The 1-d, 3-d and transposed convolutions and the pooling layers are checked the same way in test_conv_pool_macs.py.
"""

from __future__ import annotations

import pytest

from lucid import nn
from viz.trace import trace

IN_CHANNELS = 8
# groups=1 is a dense convolution, 8 (= IN_CHANNELS) a depthwise one; out_channels=16 is a multiple of all four.
GROUPS = [1, 2, 4, IN_CHANNELS]
# (kernel, stride, padding, dilation, input shape): odd and non-square sizes, so a swapped axis or a floor done
# wrong changes the count.
GEOMETRIES = [
    ((3, 3), (2, 2), (1, 1), (1, 1), (2, IN_CHANNELS, 13, 10)),
    ((3, 3), (1, 1), (2, 2), (2, 2), (1, IN_CHANNELS, 11, 9)),
    ((1, 3), (2, 1), (0, 1), (1, 3), (3, IN_CHANNELS, 7, 12)),
    ((1, 1), (1, 1), (0, 0), (1, 1), (1, IN_CHANNELS, 5, 6)),  # lucid's pointwise path: a plain matrix product
]
GEOMETRY_IDS = ["k3-s2-p1", "k3-p2-d2", "k1x3-s2x1-d1x3", "k1"]
Geometry = tuple[tuple[int, int], tuple[int, int], tuple[int, int], tuple[int, int], tuple[int, int, int, int]]


def _viz_macs(conv: nn.Conv2d, shape: tuple[int, ...]) -> int:
    """The MACs viz attributes to the convolution's one call."""
    calls = trace(conv, input_shape=shape).calls
    assert [call.path for call in calls] == [""]
    return calls[0].macs


def _closed_form(out_channels: int, groups: int, geometry: Geometry) -> int:
    kernel, stride, padding, dilation, (n, c, h, w) = geometry
    # Output size along one axis, as PyTorch documents it for Conv2d.
    h_out, w_out = (
        (size + 2 * p - d * (k - 1) - 1) // s + 1
        for size, k, s, p, d in zip((h, w), kernel, stride, padding, dilation, strict=True)
    )
    return n * out_channels * h_out * w_out * (c // groups) * kernel[0] * kernel[1]


def _conv(out_channels: int, groups: int, bias: bool, geometry: Geometry) -> nn.Conv2d:
    kernel, stride, padding, dilation, _ = geometry
    return nn.Conv2d(IN_CHANNELS, out_channels, kernel, stride, padding, dilation, groups=groups, bias=bias)


@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no-bias"])
@pytest.mark.parametrize("geometry", GEOMETRIES, ids=GEOMETRY_IDS)
@pytest.mark.parametrize("groups", GROUPS, ids=[f"groups{g}" for g in GROUPS])
def test_conv2d_macs_match_the_closed_form(groups: int, geometry: Geometry, bias: bool) -> None:
    assert _viz_macs(_conv(16, groups, bias, geometry), geometry[-1]) == _closed_form(16, groups, geometry)


@pytest.mark.parametrize("out_channels", [8, 16], ids=["multiplier1", "multiplier2"])
def test_depthwise_macs_are_one_kernel_per_output_channel(out_channels: int) -> None:
    # Each output channel reads one input channel: 3*3 MACs per output element, whatever the channel count.
    conv = nn.Conv2d(IN_CHANNELS, out_channels, 3, padding=1, groups=IN_CHANNELS)
    assert _viz_macs(conv, (2, IN_CHANNELS, 6, 5)) == 2 * out_channels * 6 * 5 * 9


@pytest.mark.torch
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no-bias"])
@pytest.mark.parametrize("geometry", GEOMETRIES, ids=GEOMETRY_IDS)
@pytest.mark.parametrize("groups", GROUPS, ids=[f"groups{g}" for g in GROUPS])
def test_conv2d_macs_match_pytorchs_flop_counter(groups: int, geometry: Geometry, bias: bool) -> None:
    torch = pytest.importorskip("torch")
    from torch.utils.flop_counter import FlopCounterMode

    kernel, stride, padding, dilation, shape = geometry
    theirs = torch.nn.Conv2d(IN_CHANNELS, 16, kernel, stride, padding, dilation, groups=groups, bias=bias)
    with FlopCounterMode(display=False) as counter:
        out = theirs(torch.zeros(shape))
    ours = _conv(16, groups, bias, geometry)
    # The same output geometry, or the two counts would not be about the same convolution.
    assert trace(ours, input_shape=shape).calls[0].output_shapes == [tuple(out.shape)]
    assert counter.get_total_flops() == 2 * _viz_macs(ours, shape)
