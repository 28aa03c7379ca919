"""lucid-viz: draw any lucid model. `model -> viz.trace -> Trace -> passes -> renderer -> text`.

>>> from viz import Trace, mermaid
>>> from viz.ir import ModuleNode
>>> print(mermaid(Trace("empty", [(1,)], [(1,)], [ModuleNode("", "", "Empty", "user")], []), depth=0).splitlines()[1])
flowchart LR
"""

from __future__ import annotations

from typing import Any

# Imported for its effect: it gives Trace its notebook display (viz.ir cannot import the renderer itself).
from viz import notebook  # noqa: F401
from viz.golden import SnapshotMismatchError, check_golden, update_golden
from viz.ir import Call, ModuleNode, Trace, TraceError
from viz.render.mermaid import MermaidLimitWarning, MermaidOptions, mermaid_chart, render_mermaid
from viz.render.options import ChartOptions
from viz.sources import Source, SourceError, resolve
from viz.summary import Summary, summary
from viz.trace import TracingError, trace, trace_shapes

__all__ = [
    "Call",
    "ChartOptions",
    "MermaidLimitWarning",
    "MermaidOptions",
    "ModuleNode",
    "SnapshotMismatchError",
    "Source",
    "SourceError",
    "Summary",
    "Trace",
    "TraceError",
    "TracingError",
    "check_golden",
    "mermaid",
    "mermaid_chart",
    "resolve",
    "summary",
    "trace",
    "trace_shapes",
    "update_golden",
]


def mermaid(model_or_trace: Any, input_shape: Any = None, depth: int = 3, **options: Any) -> str:
    """The Mermaid chart of a lucid model (traced once on `input_shape`) or of a `Trace`.

    Options: `direction` ("LR" or "TB"), `collapse_repeats`, `show_params`, `hide` (class names whose children
    take their place), `colour_safe`. Warns with `MermaidLimitWarning` when the chart is too big for Mermaid.

    >>> import lucid.models, viz
    >>> viz.mermaid(lucid.models.efficientformer_l1(), (1, 3, 224, 224)).splitlines()[1]
    'flowchart LR'
    """
    if isinstance(model_or_trace, Trace):
        if input_shape is not None:
            raise ValueError("mermaid(): input_shape is for tracing a model; a Trace already has its shapes")
        trace_ = model_or_trace
    else:
        trace_ = trace(model_or_trace, input_shape=input_shape)
    return render_mermaid(trace_, depth=depth, **options)
