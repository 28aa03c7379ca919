"""Normalization layers and functions against PyTorch (tests/parity.py): instance, batch 3-d, RMS and local
response norm, in train and eval mode, with running statistics compared after each update."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import lucid
from lucid.nn import functional as F  # noqa: N812 - the conventional spelling
from lucid.nn import layers as L  # noqa: N812 - short, like torch.nn as tnn
from tests.parity import Const, LayerCase, OpCase, check_layer, check_op, layer_params, op_params, torch

pytestmark = pytest.mark.torch

tnn = torch.nn
TF = torch.nn.functional


def _offset(*shape: int) -> np.ndarray:
    """Samples with a mean far from 0 and a spread far from 1, so that the statistics matter."""
    return (np.random.default_rng(5).standard_normal(shape) * 3 + 2).astype(np.float32)


def _pair(label: str, build, shape, **kwargs) -> LayerCase:
    return LayerCase(label, lambda: build(L), lambda: build(tnn), [shape], **kwargs)


LAYER_CASES = [
    _pair("instancenorm1d", lambda m: m.InstanceNorm1d(3), (2, 3, 7)),
    _pair("instancenorm1d unbatched", lambda m: m.InstanceNorm1d(3), (3, 7)),
    _pair("instancenorm1d affine", lambda m: m.InstanceNorm1d(4, affine=True), _offset(2, 4, 5)),
    _pair("instancenorm1d affine no bias", lambda m: m.InstanceNorm1d(4, affine=True, bias=False), (3, 4, 5)),
    _pair("instancenorm1d running stats", lambda m: m.InstanceNorm1d(3, track_running_stats=True), _offset(4, 3, 6)),
    _pair("instancenorm2d", lambda m: m.InstanceNorm2d(3), (2, 3, 4, 5)),
    _pair("instancenorm2d eps", lambda m: m.InstanceNorm2d(3, eps=1e-2), (2, 3, 3, 3)),
    _pair(
        "instancenorm2d affine running stats momentum 0.3",
        lambda m: m.InstanceNorm2d(5, momentum=0.3, affine=True, track_running_stats=True),
        _offset(3, 5, 4, 4),
    ),
    _pair(
        "instancenorm2d running stats momentum None",
        lambda m: m.InstanceNorm2d(2, momentum=None, track_running_stats=True),
        _offset(2, 2, 3, 3),
    ),
    _pair("instancenorm2d unbatched affine", lambda m: m.InstanceNorm2d(3, affine=True), (3, 4, 4)),
    _pair("instancenorm3d", lambda m: m.InstanceNorm3d(2), (2, 2, 3, 3, 2)),
    _pair(
        "instancenorm3d unbatched running stats",
        lambda m: m.InstanceNorm3d(2, affine=True, track_running_stats=True),
        _offset(2, 3, 2, 2),
    ),
    _pair("batchnorm3d", lambda m: m.BatchNorm3d(3), _offset(2, 3, 2, 3, 3)),
    _pair("batchnorm3d no affine", lambda m: m.BatchNorm3d(3, affine=False), (2, 3, 2, 2, 2)),
    _pair("batchnorm3d momentum None", lambda m: m.BatchNorm3d(2, momentum=None), _offset(3, 2, 2, 2, 2)),
    _pair("batchnorm3d no running stats", lambda m: m.BatchNorm3d(2, track_running_stats=False), (2, 2, 2, 3, 2)),
    _pair("rmsnorm", lambda m: m.RMSNorm(6), (3, 6)),
    _pair("rmsnorm 2 dims eps", lambda m: m.RMSNorm((4, 5), eps=1e-3), _offset(2, 4, 5)),
    _pair("rmsnorm list shape", lambda m: m.RMSNorm([5]), (2, 3, 5)),
    _pair("rmsnorm no affine", lambda m: m.RMSNorm(8, elementwise_affine=False), (2, 8)),
    _pair("local response norm 3-d", lambda m: m.LocalResponseNorm(3), _offset(2, 6, 5)),
    _pair("local response norm 4-d size 2", lambda m: m.LocalResponseNorm(2, 1e-2, 0.5, 2.0), _offset(2, 5, 3, 3)),
    _pair("local response norm 5-d size 5", lambda m: m.LocalResponseNorm(5, 0.1, 0.75, 1.0), _offset(1, 4, 2, 3, 2)),
    _pair("local response norm size 1", lambda m: m.LocalResponseNorm(1, 0.5), (2, 3, 4)),
    _pair("local response norm size beyond channels", lambda m: m.LocalResponseNorm(7, 0.2), _offset(2, 3, 4)),
]

_MEAN = np.array([0.5, -1.0, 2.0], dtype=np.float32)
_VAR = np.array([0.3, 2.0, 1.5], dtype=np.float32)


def _instance_norm_with_stats(library: str):
    functional = F if library == "lucid" else TF
    make = lucid.tensor if library == "lucid" else torch.tensor

    def run(x, weight, bias):
        mean, var = make(_MEAN.copy()), make(_VAR.copy())
        out = functional.instance_norm(x, mean, var, weight, bias, use_input_stats=True, momentum=0.2)
        # The updated statistics are outputs too, so that the harness compares them.
        return out, mean, var

    return run


OP_CASES = [
    OpCase("BatchNorm", "F.instance_norm", F.instance_norm, TF.instance_norm, [_offset(2, 3, 6)]),
    OpCase(
        "BatchNorm",
        "F.instance_norm updating running statistics",
        _instance_norm_with_stats("lucid"),
        _instance_norm_with_stats("torch"),
        [_offset(4, 3, 5), (3,), (3,)],
    ),
    OpCase(
        "BatchNormEval",
        "F.instance_norm with running statistics",
        lambda x, m, v, w, b: F.instance_norm(x, m, v, w, b, use_input_stats=False),
        lambda x, m, v, w, b: TF.instance_norm(x, m, v, w, b, use_input_stats=False),
        [_offset(2, 3, 4), Const(_MEAN), Const(_VAR), (3,), (3,)],
    ),
    OpCase(
        "Sqrt",
        "F.rms_norm eps None",
        lambda x, w: F.rms_norm(x, (4,), w),
        lambda x, w: TF.rms_norm(x, (4,), w),
        [(3, 4), (4,)],
    ),
    OpCase(
        "Sqrt",
        "F.rms_norm float64",
        lambda x: F.rms_norm(x, [2, 3], eps=1e-4),
        lambda x: TF.rms_norm(x, [2, 3], eps=1e-4),
        [np.random.default_rng(3).standard_normal((2, 2, 3))],
    ),
    OpCase(
        "Pad",
        "F.local_response_norm",
        lambda x: F.local_response_norm(x, 4, 1e-3, 0.6, 1.5),
        lambda x: TF.local_response_norm(x, 4, 1e-3, 0.6, 1.5),
        [_offset(2, 6, 3)],
    ),
]


@pytest.mark.parametrize(("case", "mode"), layer_params(LAYER_CASES))
def test_norm_layer_matches_torch(case: LayerCase, mode: str) -> None:
    check_layer(case, mode)


@pytest.mark.parametrize("case", op_params(OP_CASES))
def test_norm_function_matches_torch(case: OpCase) -> None:
    check_op(case)


_REPRS = [
    (L.InstanceNorm1d(3), tnn.InstanceNorm1d(3)),
    (L.InstanceNorm2d(3, affine=True), tnn.InstanceNorm2d(3, affine=True)),
    (L.InstanceNorm2d(3, affine=True, bias=False), tnn.InstanceNorm2d(3, affine=True, bias=False)),
    (
        L.InstanceNorm3d(4, 1e-3, None, track_running_stats=True),
        tnn.InstanceNorm3d(4, 1e-3, None, track_running_stats=True),
    ),
    (L.BatchNorm3d(4), tnn.BatchNorm3d(4)),
    (
        L.BatchNorm3d(4, affine=False, track_running_stats=False),
        tnn.BatchNorm3d(4, affine=False, track_running_stats=False),
    ),
    (L.RMSNorm(5), tnn.RMSNorm(5)),
    (L.RMSNorm([2, 3], eps=1e-6, elementwise_affine=False), tnn.RMSNorm([2, 3], eps=1e-6, elementwise_affine=False)),
    (L.LocalResponseNorm(3), tnn.LocalResponseNorm(3)),
    (L.LocalResponseNorm(2, 1e-3, 0.5, 2.0), tnn.LocalResponseNorm(2, 1e-3, 0.5, 2.0)),
]


@pytest.mark.parametrize(("ours", "theirs"), _REPRS, ids=[repr(t) for _, t in _REPRS])
def test_norm_repr_and_state_dict_match_torch(ours: lucid.nn.Module, theirs: torch.nn.Module) -> None:
    assert repr(ours) == repr(theirs)
    ours_state, theirs_state = ours.state_dict(), theirs.state_dict()
    assert list(ours_state) == list(theirs_state)
    for name, value in theirs_state.items():
        np.testing.assert_array_equal(ours_state[name].numpy(), value.numpy(), err_msg=name)
        assert ours_state[name].dtype == value.numpy().dtype, name


def test_instance_norm_counts_no_batches_and_keeps_statistics_in_eval() -> None:
    # PyTorch's instance norm never advances num_batches_tracked; in eval it reads the statistics, never writes.
    layer = L.InstanceNorm1d(2, track_running_stats=True)
    layer(lucid.tensor(_offset(3, 2, 4)))
    assert layer.num_batches_tracked.item() == 0
    layer.eval()
    before = layer.running_mean.numpy().copy()
    layer(lucid.tensor(_offset(3, 2, 4)))
    np.testing.assert_array_equal(layer.running_mean.numpy(), before)


def test_instance_norm_warns_on_a_channel_count_it_does_not_use() -> None:
    x = np.random.default_rng(0).standard_normal((2, 5, 4)).astype(np.float32)
    with pytest.warns(UserWarning, match=r"InstanceNorm1d: expected input with 3 channels, got shape \(2, 5, 4\)"):
        ours = L.InstanceNorm1d(3)(lucid.tensor(x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = tnn.InstanceNorm1d(3)(torch.tensor(x))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-5)


def test_rms_norm_default_eps_is_the_dtypes_machine_epsilon() -> None:
    # A tiny input shows eps: its mean square (1e-16) is below float32's epsilon (1.2e-7) but not float64's.
    for dtype, torch_dtype in ((np.float32, torch.float32), (np.float64, torch.float64)):
        x = np.full((1, 4), 1e-8, dtype=dtype)
        ours = F.rms_norm(lucid.tensor(x), 4).numpy()
        theirs = TF.rms_norm(torch.tensor(x, dtype=torch_dtype), [4]).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)
        assert ours.dtype == dtype


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: L.InstanceNorm2d(3)(lucid.zeros(2, 3)),
            r"InstanceNorm2d: expected input of shape \(N, C, H, W\) or \(C, H, W\), got shape \(2, 3\)",
        ),
        (
            lambda: L.InstanceNorm1d(3, affine=True)(lucid.zeros(2, 4, 5)),
            r"InstanceNorm1d: expected input with 3 channels, got shape \(2, 4, 5\)",
        ),
        (lambda: L.InstanceNorm1d(3)(lucid.zeros(2, 3, 1)), r"instance_norm: expected more than 1 spatial element"),
        (
            lambda: L.BatchNorm3d(3)(lucid.zeros(2, 3, 4, 4)),
            r"BatchNorm3d: expected input of shape \(N, C, D, H, W\), got shape \(2, 3, 4, 4\)",
        ),
        (lambda: L.BatchNorm3d(0), "BatchNorm3d: num_features must be a positive int, got 0"),
        (
            lambda: L.RMSNorm(4)(lucid.zeros(2, 5)),
            r"RMSNorm: expected input whose trailing dimensions are \(4,\), got shape \(2, 5\)",
        ),
        (
            lambda: F.rms_norm(lucid.zeros(2, 4), 4, lucid.ones(3)),
            r"rms_norm: weight must have shape \(4,\), got \(3,\)",
        ),
        (
            lambda: L.LocalResponseNorm(2)(lucid.zeros(2, 3)),
            r"LocalResponseNorm: expected input of shape \(N, C, \*\) with 3 or more",
        ),
        (lambda: L.LocalResponseNorm(0), "LocalResponseNorm: size must be a positive int, got 0"),
        (
            lambda: F.instance_norm(lucid.zeros(2, 3, 4), use_input_stats=False),
            "instance_norm: use_input_stats=False needs running_mean",
        ),
        (
            lambda: F.instance_norm(lucid.zeros(2, 3, 4), lucid.zeros(2)),
            r"instance_norm: running_mean must have shape \(3,\)",
        ),
    ],
)
def test_bad_norm_input_names_the_layer_and_shapes(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
