"""Renderers: a Trace and `ChartOptions` in, text out (Mermaid, DOT, summary table, HTML report, diff charts)."""

from viz.render.mermaid import MermaidChart, MermaidOptions, mermaid_chart, render_mermaid
from viz.render.options import ChartOptions

__all__ = ["ChartOptions", "MermaidChart", "MermaidOptions", "mermaid_chart", "render_mermaid"]
