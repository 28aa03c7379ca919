"""Finite-difference checks (float64) of the reductions, over axis forms (None, int, negative, tuple) and keepdims.

mean, var and std are compositions of Sum with elementwise ops; they are checked here too, since
their axis handling is their own. max/min inputs are distinct values spaced well apart, so a
finite-difference step never changes which element wins.
"""

from __future__ import annotations

import numpy as np
import pytest

import lucid
from tests.gradcheck import GradCase, check_gradients


def distinct(*shape: int) -> np.ndarray:
    """Shuffled values at least 0.37 apart: no ties for max/min."""
    count = int(np.prod(shape))
    return (np.random.default_rng(count).permutation(count) * 0.37 - 2.0).reshape(shape)


CASES: dict[str, list[GradCase]] = {
    "Sum": [
        GradCase(lambda a: a.sum(), [(3, 4)], "sum all"),
        GradCase(lambda a: a.sum(axis=1), [(2, 3, 4)], "sum axis=1"),
        GradCase(lambda a: a.sum(axis=-1, keepdims=True), [(2, 3, 4)], "sum axis=-1 keepdims"),
        GradCase(lambda a: a.sum(axis=(0, 2)), [(2, 3, 4)], "sum axis=(0,2)"),
        GradCase(lambda a: lucid.sum(a, axis=(0, -1), keepdims=True), [(2, 3, 4)], "sum axis=(0,-1) keepdims"),
        GradCase(lambda a: a.sum(), [()], "sum of a 0-d tensor"),
        GradCase(lambda a: a.mean(), [(3, 4)], "mean all"),
        GradCase(lambda a: a.mean(axis=(1, 2), keepdims=True), [(2, 3, 4)], "mean axis=(1,2) keepdims"),
        GradCase(lambda a: a.var(), [(3, 4)], "var all (unbiased)"),
        GradCase(lambda a: a.var(axis=0, correction=0), [(5, 3)], "var axis=0 population"),
        GradCase(lambda a: a.var(axis=(0, 2), keepdims=True), [(3, 2, 4)], "var axis=(0,2) keepdims"),
        GradCase(lambda a: a.std(axis=-1), [(3, 5)], "std axis=-1"),
        GradCase(lambda a: lucid.std(a, keepdims=True, correction=0), [(2, 3)], "std all keepdims"),
    ],
    "Max": [
        GradCase(lambda a: a.max(), [distinct(3, 4)], "max all"),
        GradCase(lambda a: a.max(axis=1), [distinct(2, 3, 4)], "max axis=1"),
        GradCase(lambda a: a.max(axis=(0, 2), keepdims=True), [distinct(2, 3, 4)], "max axis=(0,2) keepdims"),
        GradCase(lambda a: a.min(), [distinct(3, 4)], "min all"),
        GradCase(lambda a: lucid.min(a, axis=-1, keepdims=True), [distinct(2, 3, 4)], "min axis=-1 keepdims"),
    ],
}


@pytest.mark.parametrize("case", [c for cases in CASES.values() for c in cases], ids=lambda c: c.label)
def test_reduction_gradients_match_finite_differences(case: GradCase) -> None:
    check_gradients(case)


def test_max_ties_share_the_gradient_equally() -> None:
    # PyTorch's amax/amin rule: every maximal element gets an equal share.
    x = lucid.tensor([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]], requires_grad=True)
    x.max(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0.0, 0.5, 0.5], [0.5, 0.0, 0.5]])


def test_argmax_gives_int64_indices_and_no_gradient() -> None:
    x = lucid.tensor([[0.1, 0.9, 0.3], [0.8, 0.2, 0.5]], requires_grad=True)
    assert x.argmax().item() == 1
    idx = x.argmax(axis=1)
    assert idx.dtype == np.int64 and idx.tolist() == [1, 0] and not idx.requires_grad
    assert x.argmax(axis=0, keepdims=True).shape == (1, 3)


def test_reductions_match_numpy_over_axis_forms() -> None:
    data = np.random.default_rng(0).standard_normal((2, 3, 4))
    x = lucid.tensor(data, dtype=lucid.float64)
    for axis in (None, 0, -1, (0, 2), (1,)):
        for keepdims in (False, True):
            for name in ("sum", "mean", "max", "min"):
                got = getattr(x, name)(axis=axis, keepdims=keepdims).numpy()
                np.testing.assert_allclose(got, getattr(np, name)(data, axis=axis, keepdims=keepdims), rtol=1e-12)
            got = x.var(axis=axis, keepdims=keepdims).numpy()
            np.testing.assert_allclose(got, np.var(data, axis=axis, keepdims=keepdims, ddof=1), rtol=1e-12)
            got = x.std(axis=axis, keepdims=keepdims, correction=0).numpy()
            np.testing.assert_allclose(got, np.std(data, axis=axis, keepdims=keepdims), rtol=1e-12)


def test_mean_of_an_empty_axis_is_nan() -> None:
    assert np.isnan(lucid.zeros(0).mean().item())
