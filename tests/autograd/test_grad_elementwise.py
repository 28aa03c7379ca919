"""Finite-difference checks (float64) of every elementwise primitive, across broadcasting shapes.

Inputs are chosen away from kinks (abs and relu at 0, clip bounds, maximum/minimum ties) and
outside the domains' edges (log, sqrt, division near 0), where finite differences are meaningless.
"""

from __future__ import annotations

import numpy as np
import pytest

import lucid
from lucid.autograd.ops.elementwise import Cast
from tests.gradcheck import GradCase, check_gradients

_rng = np.random.default_rng(1234)


def positive(*shape: int) -> np.ndarray:
    """Values in [0.5, 2): safe for log, sqrt, a divisor and a real power's base."""
    return _rng.uniform(0.5, 2.0, shape)


def away_from_zero(*shape: int) -> np.ndarray:
    """Values with |v| in [0.3, 1.5), either sign."""
    return _rng.choice([-1.0, 1.0], shape) * _rng.uniform(0.3, 1.5, shape)


def apart_from(base: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """An array of `shape` that differs from `base` (broadcast) by at least 0.2 everywhere: no ties."""
    return np.broadcast_to(base, shape) + away_from_zero(*shape)


_b4 = _rng.standard_normal(4)
_b31 = _rng.standard_normal((3, 1))
# Values on both sides of erf's switch from series to continued fraction (|x| = 2.5).
_erf_inputs = np.array([[-3.7, -2.6, -2.4, -0.8], [0.05, 1.3, 2.45, 2.55], [3.1, 4.2, -1.9, 0.6]])
_clip_inputs = np.array([[-2.1, -0.7, 0.2, 0.9], [1.8, -1.4, 0.45, -0.1], [1.2, 0.8, -0.95, 1.05]])
_cond = np.array([[True, False, True, True], [False, False, True, False], [True, True, False, False]])

CASES: dict[str, list[GradCase]] = {
    "Add": [
        GradCase(lambda a, b: a + b, [(3, 4), (3, 4)], "add same shape"),
        GradCase(lambda a, b: a + b, [(2, 3, 4), (4,)], "add (2,3,4)+(4,)"),
        GradCase(lambda a, b: a + b, [(3, 1), (1, 4)], "add (3,1)+(1,4) both stretched"),
        GradCase(lambda a, b: a + b, [(), (2, 3)], "add 0-d + (2,3)"),
        GradCase(lambda a: a + 2.5, [(3,)], "add python scalar right"),
        GradCase(lambda a: 2.5 + a, [(3,)], "add python scalar left"),
    ],
    "Sub": [
        GradCase(lambda a, b: a - b, [(2, 1, 3), (4, 3)], "sub (2,1,3)-(4,3)"),
        GradCase(lambda a: a - 1.5, [(2, 3)], "sub python scalar right"),
        GradCase(lambda a: 1.5 - a, [(2, 3)], "sub python scalar left"),
    ],
    "Mul": [
        GradCase(lambda a, b: a * b, [(3, 4), (3, 4)], "mul same shape"),
        GradCase(lambda a, b: a * b, [(2, 1, 3), (4, 3)], "mul (2,1,3)*(4,3)"),
        GradCase(lambda a: a * a, [(5,)], "mul a tensor by itself"),
        GradCase(lambda a: 3.0 * a, [(2, 2)], "mul python scalar left"),
    ],
    "Div": [
        GradCase(lambda a, b: a / b, [(3, 4), away_from_zero(3, 4)], "div same shape"),
        GradCase(lambda a, b: a / b, [(2, 3, 4), away_from_zero(3, 1)], "div (2,3,4)/(3,1)"),
        GradCase(lambda b: 2.0 / b, [away_from_zero(5)], "div python scalar numerator"),
        GradCase(lambda a: a / 4.0, [(5,)], "div by python scalar"),
    ],
    "Pow": [
        GradCase(lambda a, b: a**b, [positive(3, 4), (3, 4)], "pow tensor**tensor"),
        GradCase(lambda a, b: a**b, [positive(3, 1), (4,)], "pow (3,1)**(4,)"),
        GradCase(lambda a: a**2, [(2, 3)], "pow square of any sign"),
        GradCase(lambda a: a**3, [(2, 3)], "pow cube of any sign"),
        GradCase(lambda a: a**-0.5, [positive(4)], "pow negative real exponent"),
        GradCase(lambda b: 2.0**b, [(4,)], "pow python scalar base"),
    ],
    "Neg": [GradCase(lambda a: -a, [(3, 2)], "neg")],
    "Exp": [GradCase(lambda a: a.exp(), [(3, 4)], "exp"), GradCase(lambda a: lucid.exp(a), [()], "exp 0-d")],
    "Log": [GradCase(lambda a: a.log(), [positive(3, 4)], "log")],
    "Sqrt": [GradCase(lambda a: a.sqrt(), [positive(3, 4)], "sqrt")],
    "Abs": [GradCase(lambda a: a.abs(), [away_from_zero(3, 4)], "abs"), GradCase(abs, [away_from_zero(5)], "abs()")],
    "Tanh": [GradCase(lambda a: a.tanh(), [(3, 4)], "tanh")],
    "Sigmoid": [
        GradCase(lambda a: a.sigmoid(), [(3, 4)], "sigmoid"),
        GradCase(lambda a: a.sigmoid(), [np.array([-30.0, -8.0, 8.0, 30.0])], "sigmoid saturated"),
    ],
    "Erf": [GradCase(lambda a: a.erf(), [_erf_inputs], "erf across series and continued fraction")],
    "Relu": [GradCase(lambda a: a.relu(), [away_from_zero(3, 4)], "relu")],
    "Clip": [
        GradCase(lambda a: a.clip(-1.0, 1.0), [_clip_inputs], "clip both bounds"),
        GradCase(lambda a: a.clip(min=-0.5), [_clip_inputs], "clip min only"),
        GradCase(lambda a: lucid.clip(a, max=0.5), [_clip_inputs], "clip max only"),
    ],
    "Maximum": [
        GradCase(lambda a, b: lucid.maximum(a, b), [apart_from(_b4, (3, 4)), _b4], "maximum (3,4) vs (4,)"),
        GradCase(lambda a, b: lucid.maximum(a, b), [_b31, apart_from(_b31, (3, 4))], "maximum (3,1) vs (3,4)"),
        GradCase(lambda a: lucid.maximum(a, 0.0), [away_from_zero(6)], "maximum with python scalar"),
    ],
    "Minimum": [
        GradCase(lambda a, b: lucid.minimum(a, b), [apart_from(_b4, (3, 4)), _b4], "minimum (3,4) vs (4,)"),
        GradCase(lambda a: lucid.minimum(0.0, a), [away_from_zero(6)], "minimum with python scalar left"),
    ],
    "Where": [
        GradCase(lambda c, a, b: lucid.where(c, a, b), [_cond, (3, 4), (3, 4)], "where same shapes"),
        GradCase(lambda c, a, b: lucid.where(c, a, b), [_cond[:, :1], (3, 4), (4,)], "where broadcast all three"),
        GradCase(lambda c, a: lucid.where(c, a, 0.0), [_cond, (3, 4)], "where with python scalar"),
    ],
    "Cast": [
        # Inputs are float64; a float64 -> float64 Cast runs the same forward/backward as any float cast
        # (cast() itself skips no-op casts, so the Function is applied directly).
        GradCase(lambda a: Cast.apply(a, dtype=np.dtype(np.float64)), [(3, 4)], "Cast float64 -> float64"),
    ],
}


@pytest.mark.parametrize("case", [c for cases in CASES.values() for c in cases], ids=lambda c: c.label)
def test_elementwise_gradients_match_finite_differences(case: GradCase) -> None:
    check_gradients(case)


def test_cast_to_float32_passes_gradient_back_in_the_source_dtype() -> None:
    # float32 rounding caps finite-difference accuracy near 1e-4, so this check uses a larger step.
    case = GradCase(lambda a: a.astype(lucid.float32), [(3, 4)], "Cast float64 -> float32")
    check_gradients(case, eps=1e-3, tol=1e-3)
    x = lucid.tensor(np.ones(3), dtype=lucid.float64, requires_grad=True)
    x.astype(lucid.float32).sum().backward()
    assert x.grad.dtype == np.float64


def test_comparisons_give_bool_tensors_without_gradient() -> None:
    x = lucid.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for result in (x > 1.5, x >= 2, x < 2, x <= 2, x == 2, x != 2, 2 < x):
        assert result.dtype == np.bool_
        assert not result.requires_grad
    assert (x > 1.5).tolist() == [False, True, True]
    assert (2 < x).tolist() == [False, False, True]


def test_maximum_tie_shares_the_gradient_equally_like_pytorch() -> None:
    a = lucid.tensor([1.0, 2.0], requires_grad=True)
    b = lucid.tensor([1.0, 3.0], requires_grad=True)
    lucid.maximum(a, b).sum().backward()
    assert a.grad.tolist() == [0.5, 0.0]
    assert b.grad.tolist() == [0.5, 1.0]
