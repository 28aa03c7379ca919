"""Renderers: pure functions from a Trace (and options) to text."""

from viz.render.mermaid import MermaidChart, MermaidOptions, mermaid_chart, render_mermaid

__all__ = ["MermaidChart", "MermaidOptions", "mermaid_chart", "render_mermaid"]
