"""Setup for the optimizer tests: torch runs single-threaded while they do.

Their tensors are tiny, so threads buy nothing; on a loaded machine torch's thread pool waiting for busy cores
made the step-for-step comparisons 20-40x slower.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True, scope="module")
def _single_threaded_torch() -> Iterator[None]:
    try:
        import torch
    except ImportError:
        yield
        return
    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(saved)
