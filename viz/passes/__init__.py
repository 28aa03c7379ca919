"""Passes over a Trace: cut the module tree at a depth and fold repeats (`tree`), then route calls to the drawn
nodes and derive the edges between them (`flow`)."""

from viz.passes.edges import build_flow
from viz.passes.flow import Flow
from viz.passes.tree import DrawnNode, DrawnTree, build_tree

__all__ = ["DrawnNode", "DrawnTree", "Flow", "build_flow", "build_tree"]
