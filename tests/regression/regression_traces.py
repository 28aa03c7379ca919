"""One trace per registered model per test session: the big variants take seconds to trace in NumPy."""

from __future__ import annotations

import functools
from pathlib import Path

import lucid.models as models
from viz.ir import Trace
from viz.trace import trace

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "golden" / "traces"


@functools.cache
def model_trace(name: str) -> Trace:
    """The trace of a freshly built registered model at its default input (callers must not modify it)."""
    return trace(models.create_model(name))
