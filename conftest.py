"""Doctest setup for the `>>>` examples in lucid/ and viz/ (collected by `--doctest-modules`, see pyproject.toml).

Every example sees the same few names, so it can stay short and still run as written:
`lucid`, `nn` (lucid.nn), `F` (lucid.nn.functional), `np`, `models` (lucid.models) and `viz`.
Each doctest starts from `lucid.random.seed(0)`, so printed random values are the same on every run.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from _pytest.doctest import DoctestItem

import lucid
import lucid.models
import lucid.nn
import lucid.nn.functional
import viz
from lucid.models import registry

# `python -m viz` runs the CLI at import time; it has no examples to collect.
collect_ignore = ["viz/__main__.py"]


@pytest.fixture(autouse=True)
def _doctest_names(request: pytest.FixtureRequest) -> Iterator[None]:
    # Only doctests get the names and the reseed; ordinary tests keep their own setup (tests/conftest.py).
    if not isinstance(request.node, DoctestItem):
        yield
        return
    namespace = request.getfixturevalue("doctest_namespace")
    namespace.update(lucid=lucid, nn=lucid.nn, F=lucid.nn.functional, np=np, models=lucid.models, viz=viz)
    lucid.random.seed(0)
    # The register_model example registers a toy model; later examples and tests must see the zoo as shipped.
    saved = dict(registry._REGISTRY)
    yield
    registry._REGISTRY.clear()
    registry._REGISTRY.update(saved)
