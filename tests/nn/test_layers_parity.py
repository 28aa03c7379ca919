"""Every layer against its PyTorch twin on the same weights and input (tests/parity.py): forward, input gradient
and parameter gradients agree in float32, in train and eval mode, across hyper-parameter variants."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import lucid
from lucid.nn import layers as L  # noqa: N812 - short, like torch.nn as tnn
from tests.parity import Const, LayerCase, check_layer, layer_params, torch  # skips the module without torch

pytestmark = pytest.mark.torch

tnn = torch.nn

# (label, lucid factory, torch factory, input shape)
_TABLE: list[tuple[str, Callable[[], lucid.nn.Module], Callable[[], torch.nn.Module], tuple[int, ...]]] = [
    ("conv 3x3 s2 p1", lambda: L.Conv2d(3, 8, 3, 2, 1), lambda: tnn.Conv2d(3, 8, 3, 2, 1), (2, 3, 11, 10)),
    ("conv 1x1", lambda: L.Conv2d(12, 6, 1), lambda: tnn.Conv2d(12, 6, 1), (2, 12, 7, 7)),
    (
        "conv 1x1 s2 no bias",
        lambda: L.Conv2d(4, 6, 1, 2, bias=False),
        lambda: tnn.Conv2d(4, 6, 1, 2, bias=False),
        (1, 4, 9, 8),
    ),
    (
        "conv groups dilation",
        lambda: L.Conv2d(6, 9, (3, 2), (1, 2), (2, 1), 2, groups=3),
        lambda: tnn.Conv2d(6, 9, (3, 2), (1, 2), (2, 1), 2, groups=3),
        (2, 6, 9, 9),
    ),
    (
        "conv depthwise",
        lambda: L.Conv2d(5, 5, 3, padding=1, groups=5),
        lambda: tnn.Conv2d(5, 5, 3, padding=1, groups=5),
        (1, 5, 6, 6),
    ),
    ("conv same", lambda: L.Conv2d(3, 4, 5, padding="same"), lambda: tnn.Conv2d(3, 4, 5, padding="same"), (1, 3, 7, 6)),
    ("conv unbatched", lambda: L.Conv2d(3, 4, 3), lambda: tnn.Conv2d(3, 4, 3), (3, 6, 6)),
    ("batchnorm2d", lambda: L.BatchNorm2d(5), lambda: tnn.BatchNorm2d(5), (4, 5, 3, 3)),
    (
        "batchnorm2d momentum None",
        lambda: L.BatchNorm2d(5, momentum=None),
        lambda: tnn.BatchNorm2d(5, momentum=None),
        (3, 5, 2, 4),
    ),
    ("batchnorm2d no bias", lambda: L.BatchNorm2d(5, bias=False), lambda: tnn.BatchNorm2d(5, bias=False), (2, 5, 3, 3)),
    ("layernorm no bias", lambda: L.LayerNorm(6, bias=False), lambda: tnn.LayerNorm(6, bias=False), (2, 6)),
    ("groupnorm no bias", lambda: L.GroupNorm(3, 6, bias=False), lambda: tnn.GroupNorm(3, 6, bias=False), (2, 6, 2, 2)),
    (
        "batchnorm2d no affine",
        lambda: L.BatchNorm2d(5, affine=False),
        lambda: tnn.BatchNorm2d(5, affine=False),
        (2, 5, 3, 3),
    ),
    (
        "batchnorm2d no running stats",
        lambda: L.BatchNorm2d(5, track_running_stats=False),
        lambda: tnn.BatchNorm2d(5, track_running_stats=False),
        (2, 5, 3, 3),
    ),
    ("batchnorm1d", lambda: L.BatchNorm1d(6), lambda: tnn.BatchNorm1d(6), (8, 6)),
    ("layernorm", lambda: L.LayerNorm(16), lambda: tnn.LayerNorm(16), (2, 5, 16)),
    ("layernorm 2 dims", lambda: L.LayerNorm((4, 6), eps=1e-6), lambda: tnn.LayerNorm((4, 6), eps=1e-6), (3, 4, 6)),
    ("groupnorm", lambda: L.GroupNorm(2, 6), lambda: tnn.GroupNorm(2, 6), (2, 6, 4, 3)),
    ("groupnorm 1 group", lambda: L.GroupNorm(1, 4), lambda: tnn.GroupNorm(1, 4), (3, 4, 5, 5)),
    ("linear", lambda: L.Linear(7, 5), lambda: tnn.Linear(7, 5), (4, 7)),
    ("linear 3-d input", lambda: L.Linear(7, 5, bias=False), lambda: tnn.Linear(7, 5, bias=False), (2, 3, 7)),
    ("relu", L.ReLU, tnn.ReLU, (3, 8)),
    ("gelu", L.GELU, tnn.GELU, (4, 9)),
    ("gelu tanh", lambda: L.GELU("tanh"), lambda: tnn.GELU("tanh"), (4, 9)),
    ("silu", L.SiLU, tnn.SiLU, (3, 7)),
    ("sigmoid", L.Sigmoid, tnn.Sigmoid, (3, 7)),
    ("tanh", L.Tanh, tnn.Tanh, (3, 7)),
    ("softmax", lambda: L.Softmax(dim=1), lambda: tnn.Softmax(dim=1), (2, 5, 3)),
    ("softmax last", lambda: L.Softmax(dim=-1), lambda: tnn.Softmax(dim=-1), (2, 5, 3)),
    ("identity", L.Identity, tnn.Identity, (2, 3)),
    ("flatten", L.Flatten, tnn.Flatten, (2, 3, 4, 5)),
    ("flatten range", lambda: L.Flatten(0, 2), lambda: tnn.Flatten(0, 2), (2, 3, 4, 5)),
    ("adaptive avg 1", lambda: L.AdaptiveAvgPool2d(1), lambda: tnn.AdaptiveAvgPool2d(1), (2, 3, 7, 7)),
    ("adaptive avg uneven", lambda: L.AdaptiveAvgPool2d((3, 4)), lambda: tnn.AdaptiveAvgPool2d((3, 4)), (1, 2, 7, 9)),
    ("dropout eval or p=0", lambda: L.Dropout(0.0), lambda: tnn.Dropout(0.0), (3, 4)),
]

POOL_VARIANTS = [
    (k, s, p, ceil, cip)
    for k in (1, 2, 3)
    for s in (1, 2, 3)
    for p in (0, 1)
    for ceil in (False, True)
    for cip in (False, True)
    if 2 * p <= k
]
for k, s, p, ceil, cip in POOL_VARIANTS:
    _TABLE.append(
        (
            f"avgpool k{k} s{s} p{p} ceil={ceil} include_pad={cip}",
            lambda k=k, s=s, p=p, ceil=ceil, cip=cip: L.AvgPool2d(k, s, p, ceil, cip),
            lambda k=k, s=s, p=p, ceil=ceil, cip=cip: tnn.AvgPool2d(k, s, p, ceil, cip),
            (2, 3, 7, 8),
        )
    )
    for d in (1, 2):
        if 2 * p <= d * (k - 1) + 1 and cip:  # max pooling has no count_include_pad: one case per geometry
            _TABLE.append(
                (
                    f"maxpool k{k} s{s} p{p} d{d} ceil={ceil}",
                    lambda k=k, s=s, p=p, d=d, ceil=ceil: L.MaxPool2d(k, s, p, d, ceil_mode=ceil),
                    lambda k=k, s=s, p=p, d=d, ceil=ceil: tnn.MaxPool2d(k, s, p, d, ceil_mode=ceil),
                    (2, 3, 7, 8),
                )
            )
_TABLE.append(("avgpool unbatched", lambda: L.AvgPool2d(3, 1, 1), lambda: tnn.AvgPool2d(3, 1, 1), (3, 5, 5)))
_TABLE.append(
    (
        "avgpool divisor_override",
        lambda: L.AvgPool2d(2, divisor_override=3),
        lambda: tnn.AvgPool2d(2, divisor_override=3),
        (1, 2, 4, 6),
    )
)


def _timm_drop_path(p: float) -> torch.nn.Module:
    from timm.layers import DropPath  # PyTorch has no DropPath; timm's is the reference lucid's follows

    return DropPath(p)


_CLASSES = np.array([1, 0, 4, 2])
LAYER_CASES = [LayerCase(label, ours, theirs, [shape]) for label, ours, theirs, shape in _TABLE] + [
    LayerCase("cross entropy", L.CrossEntropyLoss, tnn.CrossEntropyLoss, [(4, 5), _CLASSES]),
    LayerCase(
        "cross entropy sum",
        lambda: L.CrossEntropyLoss(reduction="sum"),
        lambda: tnn.CrossEntropyLoss(reduction="sum"),
        [(4, 5), _CLASSES],
    ),
    LayerCase("mse", L.MSELoss, tnn.MSELoss, [(3, 4), Const(np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4))]),
    LayerCase("embedding", lambda: L.Embedding(6, 3), lambda: tnn.Embedding(6, 3), [np.array([[0, 5, 2], [2, 2, 1]])]),
    LayerCase("drop path p=0", lambda: L.DropPath(0.0), lambda: _timm_drop_path(0.0), [(4, 3, 2)]),
    LayerCase("drop path eval", lambda: L.DropPath(0.3), lambda: _timm_drop_path(0.3), [(4, 3, 2)], modes=("eval",)),
]


@pytest.mark.parametrize(("case", "mode"), layer_params(LAYER_CASES))
def test_layer_matches_torch(case: LayerCase, mode: str) -> None:
    check_layer(case, mode)


def test_parameter_and_buffer_names_and_shapes_match_torch() -> None:
    pairs = [
        (L.Conv2d(3, 8, 3, groups=1), tnn.Conv2d(3, 8, 3)),
        (L.Conv2d(4, 8, 3, groups=2, bias=False), tnn.Conv2d(4, 8, 3, groups=2, bias=False)),
        (L.BatchNorm2d(8), tnn.BatchNorm2d(8)),
        (L.LayerNorm(8), tnn.LayerNorm(8)),
        (L.GroupNorm(2, 8), tnn.GroupNorm(2, 8)),
        (L.Linear(3, 4), tnn.Linear(3, 4)),
        (L.Embedding(5, 3), tnn.Embedding(5, 3)),
    ]
    for ours, theirs in pairs:
        assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == {
            k: tuple(v.shape) for k, v in theirs.state_dict().items()
        }


def test_extra_repr_matches_torch() -> None:
    pairs = [
        (L.Conv2d(3, 24, 3, 2, 1), tnn.Conv2d(3, 24, 3, 2, 1)),
        (L.Conv2d(4, 8, 1, bias=False, groups=2, dilation=2), tnn.Conv2d(4, 8, 1, bias=False, groups=2, dilation=2)),
        (L.BatchNorm2d(24), tnn.BatchNorm2d(24)),
        (L.LayerNorm(448, eps=1e-6), tnn.LayerNorm(448, eps=1e-6)),
        (L.GroupNorm(1, 48), tnn.GroupNorm(1, 48)),
        (L.GroupNorm(2, 4, bias=False), tnn.GroupNorm(2, 4, bias=False)),
        (L.LayerNorm(4, bias=False), tnn.LayerNorm(4, bias=False)),
        (L.BatchNorm2d(3, affine=False), tnn.BatchNorm2d(3, affine=False)),
        (L.Linear(448, 1000), tnn.Linear(448, 1000)),
        (L.GELU(), tnn.GELU()),
        (L.GELU("tanh"), tnn.GELU("tanh")),
        (L.ReLU(), tnn.ReLU()),
        (L.Softmax(-1), tnn.Softmax(-1)),
        (L.AvgPool2d(3, 1, 1, count_include_pad=False), tnn.AvgPool2d(3, 1, 1, count_include_pad=False)),
        (L.MaxPool2d(2), tnn.MaxPool2d(2)),
        (L.AdaptiveAvgPool2d(1), tnn.AdaptiveAvgPool2d(1)),
        (L.Dropout(0.1), tnn.Dropout(0.1)),
        (L.Flatten(), tnn.Flatten()),
        (L.Identity(), tnn.Identity()),
        (L.Embedding(10, 3, padding_idx=0), tnn.Embedding(10, 3, padding_idx=0)),
        (L.CrossEntropyLoss(), tnn.CrossEntropyLoss()),
    ]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
