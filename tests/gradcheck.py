"""Finite-difference gradient checking in float64, used by every op's gradient test.

Convention: each file `tests/autograd/test_grad_<family>.py` defines `CASES`, a dict from an op's
`Function` class name to a list of `GradCase`; `tests/autograd/test_grad_coverage.py` fails when a
differentiable op in `Function.registry` has no case in any of those files.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

import lucid
from lucid import Tensor


@dataclass
class GradCase:
    """`fn(*tensors)` built from float64 inputs of the given shapes (or explicit arrays)."""

    fn: Callable[..., Tensor]
    inputs: Sequence[tuple[int, ...] | np.ndarray]
    label: str = ""
    # Inputs that must not be differentiated (indices into `inputs`), e.g. integer indexes.
    constant: tuple[int, ...] = field(default_factory=tuple)

    def arrays(self, rng: np.random.Generator) -> list[np.ndarray]:
        out = []
        for spec in self.inputs:
            if isinstance(spec, np.ndarray):
                out.append(spec.astype(np.float64) if spec.dtype.kind == "f" else spec)
            else:
                out.append(rng.standard_normal(spec))
        return out


def numeric_grad(
    fn: Callable[..., Tensor], arrays: list[np.ndarray], wrt: int, weights: np.ndarray, eps: float
) -> np.ndarray:
    """Central differences of sum(fn(...) * weights) with respect to input `wrt`."""
    base = arrays[wrt]
    grad = np.zeros_like(base)
    flat = base.reshape(-1)
    gflat = grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        plus = float((fn(*[Tensor(a) for a in arrays]).data * weights).sum())
        flat[i] = old - eps
        minus = float((fn(*[Tensor(a) for a in arrays]).data * weights).sum())
        flat[i] = old
        gflat[i] = (plus - minus) / (2 * eps)
    return grad


def check_gradients(case: GradCase, seed: int = 0, eps: float = 1e-6, tol: float = 1e-6) -> None:
    """Compare autograd's gradients of every float input with central finite differences."""
    rng = np.random.default_rng(seed)
    arrays = case.arrays(rng)
    tensors = [Tensor(a, requires_grad=(a.dtype.kind == "f" and i not in case.constant)) for i, a in enumerate(arrays)]
    out = case.fn(*tensors)
    weights = rng.standard_normal(out.shape)
    (out * lucid.tensor(weights, dtype=lucid.float64)).sum().backward()
    for i, t in enumerate(tensors):
        if not t.requires_grad:
            continue
        expected = numeric_grad(case.fn, [a.copy() for a in arrays], i, weights, eps)
        actual = t.grad if t.grad is not None else np.zeros_like(expected)
        error = np.abs(actual - expected).max() if expected.size else 0.0
        scale = max(1.0, np.abs(expected).max() if expected.size else 1.0)
        if error > tol * scale:
            raise AssertionError(
                f"{case.label or case.fn}: gradient of input {i} (shape {t.shape}) differs from finite "
                f"differences by {error:.3g} (tolerance {tol * scale:.3g})"
            )
