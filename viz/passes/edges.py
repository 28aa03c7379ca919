"""`build_flow`: the chart's edges, from the data (viz.passes.dataflow) or in call order (viz.passes.flow).

Apart from both so that neither imports the other: dataflow builds on flow's types and attribution.
"""

from __future__ import annotations

from viz.passes.dataflow import data_flow
from viz.passes.flow import EDGE_MODES, Flow, call_flow
from viz.passes.tree import DrawnTree


def build_flow(tree: DrawnTree, edges: str = "data") -> Flow:
    """The chart's edges: from the data (`edges="data"`, when the trace has provenance) or in call order."""
    if edges not in EDGE_MODES:
        raise ValueError(f"edges must be one of {', '.join(EDGE_MODES)}, got {edges!r}")
    if edges == "data" and tree.trace.provenance:
        return data_flow(tree)
    return call_flow(tree)
