"""Inputs the tensor-function parity tables share (tests/test_torch_parity_*.py): float32 arrays with the
properties a comparison needs (no ties, well-conditioned matrices), drawn from one seeded generator."""

from __future__ import annotations

import numpy as np

_rng = np.random.default_rng(11)


def normal(*shape: int) -> np.ndarray:
    return _rng.standard_normal(shape).astype(np.float32)


def distinct(*shape: int) -> np.ndarray:
    """No two values equal, so sorting and arg-extremes have one answer."""
    return (_rng.permutation(int(np.prod(shape))) * 0.31 - 2.0).reshape(shape).astype(np.float32)


def conditioned(*shape: int) -> np.ndarray:
    """Matrices with singular values spread over [1, 3] (distinct; invertible when square)."""
    *batch, m, n = shape
    out = np.empty(shape, dtype=np.float32)
    for index in np.ndindex(*batch):
        u, _ = np.linalg.qr(_rng.standard_normal((m, m)))
        v, _ = np.linalg.qr(_rng.standard_normal((n, n)))
        s = np.zeros((m, n))
        s[range(min(m, n)), range(min(m, n))] = np.linspace(3.0, 1.0, min(m, n))
        out[index] = u @ s @ v.T
    return out


def spd(n: int) -> np.ndarray:
    """A symmetric positive-definite matrix."""
    x = _rng.standard_normal((n, n))
    return (x @ x.T + n * np.eye(n)).astype(np.float32)
