"""lucid.nn.init against torch.nn.init's formulas: fans, gains, and the statistics of the draws."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import lucid
from lucid.nn import init

torch = pytest.importorskip("torch")

N = 200_000  # draws per statistic: the std of a sample mean is then ~0.2% of the std


def _weight(*shape: int) -> lucid.Tensor:
    return lucid.zeros(*shape, requires_grad=True)


@pytest.mark.parametrize("shape", [(5, 3), (16, 8, 3, 3), (4, 2, 5), (7, 1, 2, 2, 2), (3, 0)])
def test_fans_match_torch(shape: tuple[int, ...]) -> None:
    expected = torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(shape))
    assert init._calculate_fan_in_and_fan_out(lucid.zeros(*shape)) == expected


@pytest.mark.parametrize("shape", [(), (5,)])
def test_fans_of_fewer_than_two_dims_raise(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(lucid.zeros(*shape))
    with pytest.raises(ValueError, match=r"shape \(5,\)|shape \(\)"):
        init.xavier_uniform_(lucid.zeros(*shape))


@pytest.mark.parametrize(
    ("name", "param"),
    [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None), ("leaky_relu", None),
     ("leaky_relu", 0.2), ("leaky_relu", math.sqrt(5)), ("selu", None)],
)  # fmt: skip
def test_calculate_gain_matches_torch(name: str, param: float | None) -> None:
    assert init.calculate_gain(name, param) == pytest.approx(torch.nn.init.calculate_gain(name, param), rel=1e-15)


def test_calculate_gain_rejects_unknown_names_and_bad_slopes() -> None:
    with pytest.raises(ValueError, match="'swish'"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="negative_slope 'x'"):
        init.calculate_gain("leaky_relu", "x")  # type: ignore[arg-type]


def test_fills_in_place_without_recording_a_graph() -> None:
    w = _weight(4, 3)
    data_before = w.data
    assert init.normal_(w) is w
    assert w.requires_grad and w.is_leaf and w.grad_fn is None
    assert w.data is data_before and w.dtype == np.float32
    assert init.ones_(w).tolist() == [[1.0] * 3] * 4
    assert init.zeros_(w).tolist() == [[0.0] * 3] * 4
    assert init.constant_(w, 0.25).tolist() == [[0.25] * 3] * 4


def test_seed_makes_draws_repeatable() -> None:
    lucid.random.seed(7)
    first = init.kaiming_normal_(_weight(6, 5)).numpy().copy()
    lucid.random.seed(7)
    np.testing.assert_array_equal(init.kaiming_normal_(_weight(6, 5)).numpy(), first)


def test_uniform_and_normal_statistics() -> None:
    u = init.uniform_(_weight(N), -3.0, 1.0).numpy()
    assert u.min() >= -3.0 and u.max() <= 1.0
    assert u.mean() == pytest.approx(-1.0, abs=0.02)
    assert u.std() == pytest.approx(4.0 / math.sqrt(12.0), rel=0.01)
    n = init.normal_(_weight(N), 2.0, 0.5).numpy()
    assert n.mean() == pytest.approx(2.0, abs=0.005)
    assert n.std() == pytest.approx(0.5, rel=0.01)


@pytest.mark.parametrize(
    ("fn", "kwargs", "shape"),
    [
        ("xavier_uniform_", {"gain": 2.0}, (300, 200)),
        ("xavier_normal_", {"gain": 0.5}, (300, 200)),
        ("kaiming_uniform_", {"a": math.sqrt(5)}, (300, 200)),
        ("kaiming_uniform_", {"mode": "fan_out", "nonlinearity": "relu"}, (64, 32, 3, 3)),
        ("kaiming_normal_", {"mode": "fan_out", "nonlinearity": "relu"}, (64, 32, 3, 3)),
        ("kaiming_normal_", {"a": 0.1, "mode": "FAN_IN"}, (300, 200)),
    ],
)
def test_xavier_and_kaiming_match_torch_statistics(fn: str, kwargs: dict, shape: tuple[int, ...]) -> None:
    w = getattr(init, fn)(_weight(*shape), **kwargs).numpy()
    t = getattr(torch.nn.init, fn)(torch.zeros(shape), **kwargs).numpy()
    assert abs(w.mean()) < 0.02 * t.std()
    assert w.std() == pytest.approx(t.std(), rel=0.02)
    if "uniform" in fn:
        # The bound is the exact formula; the sample max reaches it to within a hair.
        fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(shape))
        if fn == "xavier_uniform_":
            bound = kwargs["gain"] * math.sqrt(6.0 / (fan_in + fan_out))
        else:
            fan = fan_out if kwargs.get("mode") == "fan_out" else fan_in
            gain = torch.nn.init.calculate_gain(kwargs.get("nonlinearity", "leaky_relu"), kwargs.get("a", 0))
            bound = gain * math.sqrt(3.0 / fan)
        assert np.abs(w).max() <= bound * (1 + 1e-6)
        assert np.abs(w).max() > bound * 0.999


def test_kaiming_rejects_a_bad_mode() -> None:
    with pytest.raises(ValueError, match="'fan_avg'"):
        init.kaiming_uniform_(_weight(3, 3), mode="fan_avg")


def _truncated_moments(mean: float, std: float, a: float, b: float) -> tuple[float, float]:
    """Mean and std of N(mean, std²) restricted to [a, b] (textbook closed form)."""
    alpha, beta = (a - mean) / std, (b - mean) / std

    def pdf(x: float) -> float:
        return 0.0 if math.isinf(x) else math.exp(-x * x / 2) / math.sqrt(2 * math.pi)

    def cdf(x: float) -> float:
        return 0.5 * math.erfc(-x / math.sqrt(2))

    z = cdf(beta) - cdf(alpha)
    shift = (pdf(alpha) - pdf(beta)) / z
    a_term = 0.0 if math.isinf(alpha) else alpha * pdf(alpha)
    b_term = 0.0 if math.isinf(beta) else beta * pdf(beta)
    var = 1 + (a_term - b_term) / z - shift * shift
    return mean + std * shift, std * math.sqrt(var)


@pytest.mark.parametrize(
    ("mean", "std", "a", "b"),
    [
        (0.0, 0.02, -2.0, 2.0),  # timm's usual call: the bounds are absolute, so nothing is cut
        (0.0, 1.0, -2.0, 2.0),  # the default: cut at ±2 std
        (1.0, 2.0, 0.0, 1.5),  # narrow, off-centre
        (0.0, 1.0, 3.0, 5.0),  # far right tail
        (0.0, 1.0, -math.inf, -2.5),  # left tail, one-sided
        (0.0, 1.0, 0.1, 0.2),  # very narrow
        (0.0, 1.0, 1.0, 1.6),  # narrow, in a slope of the density
        (5.0, 1.0, -1.0, 0.0),  # mean far outside the interval
    ],
)
def test_trunc_normal_statistics_and_bounds(mean: float, std: float, a: float, b: float) -> None:
    w = init.trunc_normal_(_weight(N), mean, std, a, b).numpy().astype(np.float64)
    assert w.min() >= a and w.max() <= b
    expected_mean, expected_std = _truncated_moments(mean, std, a, b)
    assert w.mean() == pytest.approx(expected_mean, abs=0.01 * expected_std)
    assert w.std() == pytest.approx(expected_std, rel=0.02)
    if math.isfinite(a) and math.isfinite(b):  # torch's sampler rejects infinite bounds
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch warns when the mean lies far outside [a, b]
            t = torch.nn.init.trunc_normal_(torch.zeros(N, dtype=torch.float64), mean, std, a, b).numpy()
        assert w.mean() == pytest.approx(t.mean(), abs=0.02 * expected_std)
        assert w.std() == pytest.approx(t.std(), rel=0.03)


def test_trunc_normal_validates_arguments() -> None:
    with pytest.raises(ValueError, match="a < b"):
        init.trunc_normal_(_weight(3), a=1.0, b=-1.0)
    with pytest.raises(ValueError, match="std must be >= 0, got -1"):
        init.trunc_normal_(_weight(3), std=-1.0)
    assert init.trunc_normal_(_weight(3), mean=0.5, std=0.0).tolist() == [0.5] * 3


def test_random_init_needs_a_float_tensor() -> None:
    with pytest.raises(TypeError, match="floating-point"):
        init.normal_(lucid.zeros(3, dtype=lucid.int64))
    with pytest.raises(TypeError, match="ndarray"):
        init.uniform_(np.zeros(3))  # type: ignore[arg-type]


def test_zero_element_kaiming_warns_and_returns() -> None:
    w = _weight(0, 3)
    with pytest.warns(UserWarning, match="zero-element"):
        assert init.kaiming_uniform_(w) is w
