"""Activation layers and their functional forms against PyTorch (tests/parity.py): values and gradients in float32,
every constructor variant, and the points where a slope changes (0, the clamp bounds, softplus's threshold)."""

from __future__ import annotations

import numpy as np
import pytest

import lucid
from lucid.nn import functional as F  # noqa: N812 - the conventional spelling
from lucid.nn import layers as L  # noqa: N812 - short, like torch.nn as tnn
from tests.parity import LayerCase, OpCase, check_layer, check_op, layer_params, op_params, torch

pytestmark = pytest.mark.torch

tnn = torch.nn
TF = torch.nn.functional

# The kinks of every activation here, and values on both sides of each, in one input: relu6's 0 and 6, hardtanh's
# +-1, hardsigmoid's and hardswish's +-3, softplus's threshold (20 at beta 1, 10 at beta 2), and the tails.
KINKS = np.array(
    [[-30.0, -6.0, -3.0, -2.5, -1.0, -0.5, 0.0, 0.5], [1.0, 2.5, 3.0, 5.5, 6.0, 7.0, 10.0, 25.0]], dtype=np.float32
)


def _spread(*shape: int) -> np.ndarray:
    """Normal samples scaled by 4, so that every branch of a piecewise activation is hit."""
    return (np.random.default_rng(11).standard_normal(shape) * 4).astype(np.float32)


_LAYERS = [
    ("relu6", L.ReLU6, tnn.ReLU6),
    ("hardtanh", L.Hardtanh, tnn.Hardtanh),
    ("hardtanh -2 3", lambda: L.Hardtanh(-2.0, 3.0), lambda: tnn.Hardtanh(-2.0, 3.0)),
    ("leaky relu", L.LeakyReLU, tnn.LeakyReLU),
    ("leaky relu 0.2", lambda: L.LeakyReLU(0.2), lambda: tnn.LeakyReLU(0.2)),
    ("leaky relu negative slope", lambda: L.LeakyReLU(-0.5), lambda: tnn.LeakyReLU(-0.5)),
    ("prelu shared", L.PReLU, tnn.PReLU),
    ("elu", L.ELU, tnn.ELU),
    ("elu 0.5", lambda: L.ELU(0.5), lambda: tnn.ELU(0.5)),
    ("selu", L.SELU, tnn.SELU),
    ("celu", L.CELU, tnn.CELU),
    ("celu 2", lambda: L.CELU(2.0), lambda: tnn.CELU(2.0)),
    ("hardswish", L.Hardswish, tnn.Hardswish),
    ("hardsigmoid", L.Hardsigmoid, tnn.Hardsigmoid),
    ("mish", L.Mish, tnn.Mish),
    ("softplus", L.Softplus, tnn.Softplus),
    ("softplus beta 2 threshold 10", lambda: L.Softplus(2.0, 10.0), lambda: tnn.Softplus(2.0, 10.0)),
    ("softplus beta 0.5", lambda: L.Softplus(0.5, 5.0), lambda: tnn.Softplus(0.5, 5.0)),
    ("softsign", L.Softsign, tnn.Softsign),
    ("gelu tanh", lambda: L.GELU("tanh"), lambda: tnn.GELU("tanh")),
]

LAYER_CASES = [
    *(LayerCase(f"{label} on normal samples", ours, theirs, [_spread(3, 8)]) for label, ours, theirs in _LAYERS),
    *(LayerCase(f"{label} at its kinks", ours, theirs, [KINKS.copy()]) for label, ours, theirs in _LAYERS),
    LayerCase("prelu per channel (N, C, H, W)", lambda: L.PReLU(3), lambda: tnn.PReLU(3), [_spread(2, 3, 4, 4)]),
    LayerCase("prelu per channel (N, C)", lambda: L.PReLU(5, 0.1), lambda: tnn.PReLU(5, 0.1), [_spread(4, 5)]),
    LayerCase("prelu shared (L,)", L.PReLU, tnn.PReLU, [_spread(6)]),
    LayerCase("prelu shared 0-d", L.PReLU, tnn.PReLU, [np.array(-1.5, dtype=np.float32)]),
    LayerCase("log softmax dim 1", lambda: L.LogSoftmax(1), lambda: tnn.LogSoftmax(1), [(2, 5, 3)]),
    LayerCase("log softmax dim -1", lambda: L.LogSoftmax(-1), lambda: tnn.LogSoftmax(-1), [_spread(4, 7)]),
    LayerCase("glu last", L.GLU, tnn.GLU, [(3, 8)]),
    LayerCase("glu dim 1", lambda: L.GLU(1), lambda: tnn.GLU(1), [(2, 6, 3)]),
]


def _pair_case(op: str, label: str, ours, theirs, shape) -> OpCase:
    return OpCase(op, label, ours, theirs, [_spread(*shape) if isinstance(shape, tuple) else shape])


OP_CASES = [
    OpCase(
        "Hardtanh",
        "F.hardtanh -0.5 0.5",
        lambda x: F.hardtanh(x, -0.5, 0.5),
        lambda x: TF.hardtanh(x, -0.5, 0.5),
        [KINKS.copy() / 4],
    ),
    OpCase("Hardtanh", "F.relu6", F.relu6, TF.relu6, [_spread(4, 5)]),
    OpCase(
        "Softplus", "F.softplus beta 3", lambda x: F.softplus(x, 3.0), lambda x: TF.softplus(x, 3.0), [KINKS.copy()]
    ),
    OpCase("Elu", "F.elu alpha 2", lambda x: F.elu(x, 2.0), lambda x: TF.elu(x, 2.0), [KINKS.copy()]),
    OpCase("Elu", "F.selu", F.selu, TF.selu, [_spread(3, 4)]),
    OpCase("Elu", "F.celu alpha 0.5", lambda x: F.celu(x, 0.5), lambda x: TF.celu(x, 0.5), [_spread(3, 4)]),
    OpCase("Where", "F.leaky_relu", lambda x: F.leaky_relu(x, 0.3), lambda x: TF.leaky_relu(x, 0.3), [KINKS.copy()]),
    OpCase(
        "Where", "F.prelu per channel", F.prelu, TF.prelu, [_spread(2, 3, 5), np.array([0.1, -0.2, 0.5], np.float32)]
    ),
    OpCase("Mul", "F.hardswish", F.hardswish, TF.hardswish, [KINKS.copy()]),
    OpCase("Mul", "F.hardsigmoid", F.hardsigmoid, TF.hardsigmoid, [KINKS.copy()]),
    OpCase("Tanh", "F.mish", F.mish, TF.mish, [_spread(5, 3)]),
    OpCase("Div", "F.softsign", F.softsign, TF.softsign, [KINKS.copy()]),
    OpCase("Sigmoid", "F.glu dim 0", lambda x: F.glu(x, 0), lambda x: TF.glu(x, 0), [(4, 3)]),
    OpCase(
        "Log",
        "F.log_softmax dtype float64",
        lambda x: F.log_softmax(x, 1, dtype=lucid.float64),
        lambda x: TF.log_softmax(x, 1, dtype=torch.float64),
        [(3, 4)],
    ),
    OpCase("Exp", "F.softmax dim 0", lambda x: F.softmax(x, 0), lambda x: TF.softmax(x, 0), [(3, 4)]),
    OpCase(
        "Tanh", "F.gelu tanh", lambda x: F.gelu(x, "tanh"), lambda x: TF.gelu(x, approximate="tanh"), [KINKS.copy() / 3]
    ),
]


@pytest.mark.parametrize(("case", "mode"), layer_params(LAYER_CASES))
def test_activation_layer_matches_torch(case: LayerCase, mode: str) -> None:
    check_layer(case, mode)


@pytest.mark.parametrize("case", op_params(OP_CASES))
def test_activation_function_matches_torch(case: OpCase) -> None:
    check_op(case)


_REPRS = [
    (L.ReLU6(), tnn.ReLU6()),
    (L.ReLU6(True), tnn.ReLU6(True)),
    (L.Hardtanh(), tnn.Hardtanh()),
    (L.Hardtanh(-2, 3, True), tnn.Hardtanh(-2, 3, True)),
    (L.LeakyReLU(), tnn.LeakyReLU()),
    (L.LeakyReLU(0.2, True), tnn.LeakyReLU(0.2, True)),
    (L.PReLU(), tnn.PReLU()),
    (L.PReLU(3, 0.1), tnn.PReLU(3, 0.1)),
    (L.ELU(), tnn.ELU()),
    (L.ELU(0.5, True), tnn.ELU(0.5, True)),
    (L.SELU(), tnn.SELU()),
    (L.SELU(True), tnn.SELU(True)),
    (L.CELU(2.0), tnn.CELU(2.0)),
    (L.Hardswish(), tnn.Hardswish()),
    (L.Hardswish(True), tnn.Hardswish(True)),
    (L.Hardsigmoid(), tnn.Hardsigmoid()),
    (L.Mish(), tnn.Mish()),
    (L.Mish(True), tnn.Mish(True)),
    (L.Softplus(), tnn.Softplus()),
    (L.Softplus(2, 10), tnn.Softplus(2, 10)),
    (L.Softsign(), tnn.Softsign()),
    (L.LogSoftmax(1), tnn.LogSoftmax(1)),
    (L.LogSoftmax(), tnn.LogSoftmax()),
    (L.GLU(), tnn.GLU()),
    (L.GLU(1), tnn.GLU(1)),
    (L.GELU("tanh"), tnn.GELU("tanh")),
    (L.SiLU(True), tnn.SiLU(True)),
]


@pytest.mark.parametrize(("ours", "theirs"), _REPRS, ids=[repr(t) for _, t in _REPRS])
def test_activation_repr_and_state_dict_match_torch(ours: lucid.nn.Module, theirs: torch.nn.Module) -> None:
    assert repr(ours) == repr(theirs)
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == {
        k: tuple(v.shape) for k, v in theirs.state_dict().items()
    }
    for (name, ours_value), theirs_value in zip(ours.state_dict().items(), theirs.state_dict().values(), strict=True):
        np.testing.assert_array_equal(ours_value.numpy(), theirs_value.numpy(), err_msg=name)


def test_log_softmax_without_dim_warns_and_uses_torchs_implicit_axis() -> None:
    x = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
    with pytest.warns(UserWarning, match="implicit dimension"):
        ours = L.LogSoftmax()(lucid.tensor(x))
    with pytest.warns(UserWarning):
        theirs = tnn.LogSoftmax()(torch.tensor(x))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-6)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: L.Hardtanh(1.0, 1.0), ValueError, r"Hardtanh: max_val \(1.0\) must be greater than min_val \(1.0\)"),
        (lambda: L.PReLU(0), ValueError, "PReLU: num_parameters must be a positive int, got 0"),
        (lambda: L.CELU(0.0), ValueError, "CELU: alpha must not be 0"),
        (lambda: L.PReLU(3)(lucid.zeros(2, 4)), ValueError, r"prelu: weight has 3 slopes.*got shape \(2, 4\)"),
        (lambda: L.PReLU(3)(lucid.zeros(3)), ValueError, r"prelu: weight has 3 slopes.*got shape \(3,\)"),
        (lambda: L.GLU()(lucid.zeros(2, 5)), ValueError, r"glu: dimension -1 of the input must have an even size"),
        (lambda: F.glu(lucid.tensor(1.0)), ValueError, "glu: expected an input with at least one dimension"),
        (lambda: F.relu6([1.0]), TypeError, "relu6: expected a lucid Tensor, got list"),
        (lambda: F.hardtanh(lucid.zeros(2), 2.0, 1.0), ValueError, r"hardtanh: min_val \(2.0\) must not be greater"),
        (lambda: F.softmax(lucid.zeros(2), dim=0, axis=-1), TypeError, r"softmax\(\) got both dim= and axis="),
    ],
)
def test_bad_activation_arguments_name_the_layer(call, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        call()


def test_hardtanh_deprecated_keywords_warn_as_in_torch() -> None:
    with pytest.warns(FutureWarning, match="min_value is deprecated"):
        layer = L.Hardtanh(min_value=-2.0)
    assert (layer.min_val, layer.max_val) == (-2.0, 1.0)
