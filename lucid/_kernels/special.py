"""The error function on NumPy arrays (NumPy has none; SciPy is not a dependency).

Two paths, chosen by dtype:
- float64 input: Maclaurin series below |x| = 2.5, continued fraction for erfc above; about
  1e-15 absolute, so float64 finite-difference gradient checks stay exact. Slow (~50 passes).
- float32/float16 input (GELU in every model): one rational function of x^2, evaluated in float64
  in blocks and rounded once to the input dtype, so the result is within rounding of
  the true value (relative error below 1e-7 in float32). About 25 passes over a block, with no
  branch, gather or exp: half the time of the two-polynomial split it replaced (4.8M values of
  scale 1.5, one thread: 71 -> 38 ms).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from lucid._kernels.threads import for_each_block

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT_HALF = math.sqrt(0.5)
_SERIES_LIMIT = 2.5  # below: Maclaurin series; above: continued fraction for erfc
_SERIES_TERMS = 48  # the series term at |x| = 2.5 falls below 1e-17 relative by then
_FRACTION_TERMS = 64

# erf(x) / x = P(x^2) / Q(x^2) on |x| <= 4 (lowest degree first): a weighted least-squares rational fit
# (linearised, reweighted towards equal ripple) against mpmath, max relative error 2.1e-9. Beyond 4, erf
# rounds to +-1 in float32, so x is clamped there.
_P_COEFFS = (
    1.1283791693811698,
    0.18520323190099722,
    0.054316887301658824,
    0.0038496087672746254,
    0.00037960774317196376,
    4.68474718523515e-06,
    -1.3202075654916712e-08,
)
_Q_COEFFS = (
    1.0,
    0.4974655046185683,
    0.11395839790171286,
    0.015462080080196063,
    0.0013075678143000449,
    6.311029158058597e-05,
)
_CLAMP = 4.0


def erf(x: np.ndarray) -> np.ndarray:
    """erf(x) elementwise, in the dtype of `x` (integers give NumPy's float type for them with float32).

    >>> erf(np.array([0.0, 1.0], dtype=np.float32))
    array([0.       , 0.8427008], dtype=float32)
    """
    x = np.asarray(x)
    out_dtype = x.dtype if x.dtype.kind == "f" else np.result_type(x, np.float32)
    if out_dtype == np.float64:
        return _erf_accurate(x.astype(np.float64, copy=False))
    return _odd_rational(x, _ERF, out_dtype)


def normal_cdf(x: np.ndarray) -> np.ndarray:
    """Phi(x) = (1 + erf(x / sqrt 2)) / 2, the standard normal CDF, in the dtype of floating `x`.

    In float32 it is the rational kernel with the scaling folded into its coefficients (GELU takes it for
    the values its float32 polynomial does not cover, see lucid._kernels.gelu).

    >>> normal_cdf(np.array([0.0, 1.0], dtype=np.float32))
    array([0.5      , 0.8413448], dtype=float32)
    """
    if x.dtype == np.float64:
        return 0.5 * (1.0 + _erf_accurate(x * _SQRT_HALF))
    return _odd_rational(x, _NORMAL_CDF, x.dtype)


class _OddRational(NamedTuple):
    """offset + x * P(x^2) / Q(x^2), with x clamped to [-clamp, clamp] first."""

    p: tuple[float, ...]
    q: tuple[float, ...]
    clamp: float
    offset: float


_ERF = _OddRational(_P_COEFFS, _Q_COEFFS, _CLAMP, 0.0)
# Phi(x) = 1/2 + erf(x / sqrt 2) / 2: substituting x / sqrt 2 scales the k-th coefficient by 2^-k.
_NORMAL_CDF = _OddRational(
    tuple(0.5 * _SQRT_HALF * c * 0.5**k for k, c in enumerate(_P_COEFFS)),
    tuple(c * 0.5**k for k, c in enumerate(_Q_COEFFS)),
    _CLAMP / _SQRT_HALF,
    0.5,
)


def _horner(u: np.ndarray, coeffs: tuple[float, ...]) -> np.ndarray:
    """sum(coeffs[k] * u**k), in place on one fresh buffer."""
    p = u * coeffs[-1]
    p += coeffs[-2]
    for c in coeffs[-3::-1]:
        p *= u
        p += c
    return p


def _odd_rational(x: np.ndarray, f: _OddRational, out_dtype: np.dtype) -> np.ndarray:
    # In blocks (lucid._kernels.threads.BLOCK): the ~25 passes of the rational then reuse a few block-sized
    # float64 temporaries from cache instead of streaming full-size ones through memory.
    # The blocks are independent, so they are shared among lucid's kernel threads.
    flat = x.reshape(-1)
    out = np.empty(flat.shape, dtype=out_dtype)

    def run(start: int, stop: int) -> None:
        _odd_rational_block(flat[start:stop], f, out[start:stop])

    for_each_block(run, flat.size)
    return out.reshape(x.shape)


def normal_cdf_block(x: np.ndarray, out: np.ndarray) -> None:
    """Phi of one float32/float16 block into `out` (a block-sized slice), for kernels with blocks of their own."""
    _odd_rational_block(x, _NORMAL_CDF, out)


def _odd_rational_block(x: np.ndarray, f: _OddRational, out: np.ndarray) -> None:
    # float64 arithmetic keeps the rational's rounding far below float32's; every pass is in place,
    # and the last one rounds into the output's dtype.
    x64 = np.clip(x, -f.clamp, f.clamp, dtype=np.float64)  # NaN stays NaN, -0.0 stays -0.0
    square = x64 * x64
    ratio = _horner(square, f.p)
    ratio *= x64
    ratio /= _horner(square, f.q)
    if f.offset:
        np.add(ratio, f.offset, out=out, casting="same_kind")
    else:  # adding 0.0 would turn erf(-0.0) into +0.0
        np.copyto(out, ratio, casting="same_kind")


def _erf_accurate(x64: np.ndarray) -> np.ndarray:
    out = np.empty_like(x64)
    ax = np.abs(x64)
    small = ax < _SERIES_LIMIT
    out[small] = _erf_series(x64[small])
    large = ~small
    out[large] = np.sign(x64[large]) * (1.0 - _erfc_fraction(ax[large]))
    return out


def _erf_series(x: np.ndarray) -> np.ndarray:
    # erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1)), summed term by term.
    x2 = x * x
    term = x.copy()  # (-1)^n x^(2n+1) / n!
    total = x.copy()
    for n in range(1, _SERIES_TERMS):
        term *= -x2 / n
        total += term / (2 * n + 1)
    return _TWO_OVER_SQRT_PI * total


def _erfc_fraction(x: np.ndarray) -> np.ndarray:
    # erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))) for x > 0,
    # evaluated from the innermost term outwards.
    tail = np.zeros_like(x)
    for k in range(_FRACTION_TERMS, 0, -1):
        tail = (k / 2.0) / (x + tail)
    return np.exp(-x * x) / math.sqrt(math.pi) / (x + tail)
