"""The lucid.data tests' fixture that proves a test left no child process behind."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator

import pytest

from tests.data.data_helpers import children, wait_until


@pytest.fixture
def no_new_children() -> Iterator[None]:
    """Fails the test if a child process it started is still there when it ends."""
    before = set(children())
    yield
    assert wait_until(lambda: not (set(children()) - before)), f"children left: {set(children()) - before}"
    assert multiprocessing.active_children() == []
