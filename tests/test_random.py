"""lucid.random: seeding makes draws repeatable; get_state/set_state snapshot and restore them."""

from __future__ import annotations

import pytest

import lucid


def test_seed_repeats_draws() -> None:
    lucid.random.seed(7)
    first = lucid.randn(4).tolist()
    lucid.random.seed(7)
    assert lucid.randn(4).tolist() == first


def test_set_state_restores_even_after_reseeding() -> None:
    lucid.random.seed(3)
    snapshot = lucid.random.get_state()
    expected = lucid.rand(5).tolist()
    lucid.random.seed(99)
    lucid.rand(2)
    lucid.random.set_state(snapshot)
    assert lucid.rand(5).tolist() == expected


def test_bad_inputs() -> None:
    with pytest.raises(ValueError, match="-1"):
        lucid.random.seed(-1)
    with pytest.raises(TypeError, match="get_state"):
        lucid.random.set_state("not a state")  # type: ignore[arg-type]
