"""Shared pytest setup: every test starts from the same random state."""

from __future__ import annotations

import pytest

import lucid


@pytest.fixture(autouse=True)
def _seed() -> None:
    lucid.random.seed(0)


def pytest_addoption(parser: pytest.Parser) -> None:
    # Golden files are rewritten only on request, then reviewed as a diff (tests/regression).
    parser.addoption(
        "--update-goldens", action="store_true", help="rewrite tests/golden/traces from the current models"
    )
