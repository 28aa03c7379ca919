"""lucid.multinomial and lucid.bernoulli draw as torch's do: shapes, dtypes, frequencies, distinctness without
replacement, repeatability by seed, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest

import lucid


def test_multinomial_frequencies_follow_the_weights() -> None:
    lucid.random.seed(1)
    drawn = lucid.multinomial(lucid.tensor([1.0, 0.0, 3.0, 6.0]), 20_000, replacement=True)
    assert drawn.shape == (20_000,) and drawn.dtype == np.int64
    counts = np.bincount(drawn.numpy(), minlength=4) / 20_000
    np.testing.assert_allclose(counts, [0.1, 0.0, 0.3, 0.6], atol=0.015)


def test_multinomial_rows_and_no_replacement() -> None:
    weights = lucid.tensor([[1.0, 1.0, 1.0, 0.0], [0.0, 5.0, 1.0, 1.0]])
    drawn = lucid.multinomial(weights, 3).numpy()
    assert drawn.shape == (2, 3)
    for row, weight_row in zip(drawn, weights.numpy(), strict=True):
        assert len(set(row)) == 3 and all(weight_row[i] > 0 for i in row)
    assert lucid.tensor([0.2, 0.8]).multinomial(1).shape == (1,)  # the Tensor method


def test_draws_repeat_with_the_seed() -> None:
    lucid.random.seed(7)
    first = lucid.multinomial(lucid.ones(10), 5).numpy(), lucid.bernoulli(lucid.full((6,), 0.5)).numpy()
    lucid.random.seed(7)
    again = lucid.multinomial(lucid.ones(10), 5).numpy(), lucid.bernoulli(lucid.full((6,), 0.5)).numpy()
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])


def test_bernoulli_keeps_dtype_and_follows_the_probabilities() -> None:
    p = lucid.tensor(np.linspace(0, 1, 5), dtype=lucid.float64)
    draws = np.stack([lucid.bernoulli(p).numpy() for _ in range(4000)])
    assert draws.dtype == np.float64 and set(np.unique(draws)) <= {0.0, 1.0}
    np.testing.assert_allclose(draws.mean(axis=0), np.linspace(0, 1, 5), atol=0.03)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: lucid.multinomial(lucid.ones(2, 2, 2), 1), ValueError, r"1-D or 2-D.*\(2, 2, 2\)"),
        (lambda: lucid.multinomial(lucid.ones(3), 0), ValueError, "num_samples must be a positive int, got 0"),
        (lambda: lucid.multinomial(lucid.tensor([1.0, -1.0]), 1), ValueError, "finite and non-negative"),
        (lambda: lucid.multinomial(lucid.zeros(2, 3), 1), ValueError, "row 0 of the weights sums to 0"),
        (lambda: lucid.multinomial(lucid.tensor([1.0, 0.0, 1.0]), 3), ValueError, "2 non-zero weights"),
        (lambda: lucid.multinomial([0.5, 0.5], 1), TypeError, "expected a lucid Tensor, got list"),
        (lambda: lucid.bernoulli(lucid.tensor([1.5])), ValueError, r"must lie in \[0, 1\]"),
        (lambda: lucid.bernoulli(lucid.tensor([1, 0])), TypeError, "floating-point probabilities"),
    ],
)
def test_bad_input_is_named(call, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        call()
