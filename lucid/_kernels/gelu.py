"""GELU's forward kernel: x * Phi(x) and Phi(x) (which backward keeps), in one blocked pass.

Each block takes the cheapest evaluation that stays accurate for the values in it:
- all |x| <= 2 (activations of a freshly initialised network, and much of a trained one): Phi = 1/2 +
  x * S(x^2), a degree-7 polynomial evaluated in float32, about 20 passes at float32 speed. The error is
  below 1.1e-7 in Phi and 2.2e-7 in x * Phi (PyTorch's own float32 GELU is within ~3e-7);
- otherwise: the float64 rational of lucid._kernels.special, within rounding of the true value.
Float64 input always takes the exact erf, so float64 gradient checks stay exact.
"""

from __future__ import annotations

import numpy as np

from lucid._kernels.special import normal_cdf, normal_cdf_block
from lucid._kernels.threads import for_each_block

_NEAR_LIMIT = 2.0
# (Phi(x) - 1/2) / x as a polynomial in x^2 on |x| <= 2 (lowest degree first): a weighted least-squares fit
# reweighted towards equal ripple, against mpmath; max relative error 6.2e-9 before float32 rounding.
_NEAR_COEFFS = tuple(
    np.float32(c)
    for c in (
        0.39894227792371384,
        -0.06649030392913191,
        0.00997316663463611,
        -0.0011865539220189884,
        0.0001146681042901657,
        -9.02337342605631e-06,
        5.327866964185472e-07,
        -1.7379115718617862e-08,
    )
)


def gelu_forward(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(x * Phi(x), Phi(x)) elementwise, in x's floating dtype.

    >>> out, cdf = gelu_forward(np.array([-1.0, 0.0, 1.0, 3.0], dtype=np.float32))
    >>> [round(float(v), 4) for v in out], [round(float(v), 4) for v in cdf]
    ([-0.1587, 0.0, 0.8413, 2.996], [0.1587, 0.5, 0.8413, 0.9987])
    """
    if x.dtype == np.float64:
        cdf = normal_cdf(x)
        return x * cdf, cdf
    flat = x.reshape(-1)
    out = np.empty_like(flat)
    cdf = np.empty_like(flat)

    def run(start: int, stop: int) -> None:
        block, block_cdf = flat[start:stop], cdf[start:stop]
        # NaN fails both comparisons and takes the rational path, which keeps it NaN.
        if block.dtype == np.float32 and -_NEAR_LIMIT <= block.min() and block.max() <= _NEAR_LIMIT:
            _near_cdf(block, block_cdf)
        else:
            normal_cdf_block(block, block_cdf)
        np.multiply(block, block_cdf, out=out[start:stop])

    for_each_block(run, flat.size)
    return out.reshape(x.shape), cdf.reshape(x.shape)


def _near_cdf(x: np.ndarray, out: np.ndarray) -> None:
    square = x * x
    np.multiply(square, _NEAR_COEFFS[-1], out=out)
    out += _NEAR_COEFFS[-2]
    for c in _NEAR_COEFFS[-3::-1]:
        out *= square
        out += c
    out *= x
    out += np.float32(0.5)
