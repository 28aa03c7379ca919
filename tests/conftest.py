"""Shared pytest setup: every test starts from the same random state."""

from __future__ import annotations

import pytest

import lucid


@pytest.fixture(autouse=True)
def _seed() -> None:
    lucid.random.seed(0)
