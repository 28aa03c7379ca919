"""erf on both paths: the float32 fast polynomials against math.erf, the float64 series kept exact."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lucid._kernels.special import erf, normal_cdf


def _reference(x: np.ndarray) -> np.ndarray:
    return np.array([math.erf(float(v)) for v in x.reshape(-1)]).reshape(x.shape)


def test_float32_erf_is_within_rounding_of_the_true_value() -> None:
    # Dense over the whole range where erf is not yet +-1 in float32, both polynomial pieces and
    # the seam at |x| = 1, plus tiny values where a relative error shows first.
    x = np.concatenate([np.linspace(-4.5, 4.5, 90001), [1.0, -1.0, 1e-30, -1e-8, 1e-4]]).astype(np.float32)
    ours = erf(x)
    assert ours.dtype == np.float32
    exact = _reference(x.astype(np.float64))
    nonzero = exact != 0
    relative = np.abs(ours.astype(np.float64) - exact)[nonzero] / np.abs(exact[nonzero])
    assert relative.max() <= 1e-7


def test_float32_normal_cdf_is_within_rounding_of_the_true_value() -> None:
    # Phi is computed directly, not as 0.5 * (1 + float32 erf): no cancellation in the left tail, so the error is
    # float32's rounding of the value plus the rational's own 2e-9, on both sides. Beyond |x| = 4 sqrt 2 the
    # argument is clamped, which leaves Phi at 7e-9 instead of ~0 on the far left: an error below 1e-8.
    x = np.linspace(-9.0, 9.0, 180001).astype(np.float32)
    ours = normal_cdf(x)
    assert ours.dtype == np.float32
    exact = np.array([0.5 * math.erfc(-float(v) / math.sqrt(2.0)) for v in x])
    error = np.abs(ours.astype(np.float64) - exact)
    rounding = 0.5 * np.spacing(exact.astype(np.float32)).astype(np.float64)
    assert (error <= rounding + 2.5e-9)[x > -5.6].all()
    assert (error <= rounding + 1e-8).all()
    assert normal_cdf(np.array([0.0], np.float32))[0] == 0.5


def test_float32_erf_edge_values() -> None:
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 30.0, -30.0], dtype=np.float32)
    ours = erf(x)
    np.testing.assert_array_equal(ours[:4], [0.0, -0.0, 1.0, -1.0])
    assert np.isnan(ours[4])
    np.testing.assert_array_equal(ours[5:], [1.0, -1.0])
    assert np.signbit(ours[1])


def test_float64_erf_keeps_full_precision() -> None:
    x = np.linspace(-6.0, 6.0, 2001)
    np.testing.assert_allclose(erf(x), _reference(x), rtol=1e-13, atol=1e-15)
    assert erf(x).dtype == np.float64


@pytest.mark.parametrize("dtype", [np.float16, np.int32])
def test_other_dtypes_follow_the_input(dtype: type) -> None:
    x = np.array([0, 1, 2], dtype=dtype)
    ours = erf(x)
    expected_dtype = np.float16 if dtype is np.float16 else np.result_type(dtype, np.float32)
    assert ours.dtype == expected_dtype
    np.testing.assert_allclose(ours, _reference(x.astype(np.float64)), rtol=1e-3)
