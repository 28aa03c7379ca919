"""Rich display in Jupyter: a `Trace` shows its Mermaid chart, a `Summary` its table (HTML, or text in Markdown).

JupyterLab 4.1+ and VS Code draw a ```mermaid block in Markdown output with mermaid.js 11, which drops a `color:`
followed by another property, so the chart is drawn colour-safe. Over Mermaid's default size limits the chart is
drawn at the deepest depth that fits, with a note saying so: a notebook cell should show a picture, not a warning.

Why a registry: `Trace` lives in viz.ir, which every renderer imports, so viz.ir must not import a renderer (not even
inside a function, or the modules would import each other). Instead this module hands `trace_markdown` to
`viz.ir.set_markdown_display` when it is imported; viz/__init__.py imports it, and importing any viz module runs
viz/__init__.py first, so the display is in place wherever a Trace can exist. `Summary` needs no registry: viz.summary
sits above the renderers and imports this module when asked to display (nothing here imports viz.summary at run time).

>>> from viz.ir import ModuleNode, Trace
>>> tiny = Trace("tiny", [(1, 4)], [(1, 2)], [ModuleNode("", "", "Tiny", "user")], [])
>>> lines = trace_markdown(tiny).splitlines()
>>> lines[0], lines[2], lines[-1]
('```mermaid', 'flowchart LR', '```')
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from typing import TYPE_CHECKING

from viz.ir import Trace, set_markdown_display
from viz.render.mermaid import MAX_EDGES, MAX_TEXT, MermaidChart, fitting_chart, mermaid_chart
from viz.render.options import ChartOptions
from viz.render.summary import MACS_NOTE, render_summary, shape_text, totals
from viz.render.text import format_shapes

if TYPE_CHECKING:
    from viz.summary import Summary

NOTEBOOK_DEPTH = 3  # the depth viz.mermaid and the CLI draw by default
HTML_HEADERS = ("Module", "Class", "Output shape", "Params", "MACs")


def trace_markdown(trace: Trace, depth: int = NOTEBOOK_DEPTH) -> str:
    """`viz.mermaid(trace, depth=depth, colour_safe=True)` as a ```mermaid block ending in a newline; when that chart
    is over Mermaid's limits, the deepest smaller depth that fits (or depth 0), followed by a note saying so."""
    options = ChartOptions(depth=depth, colour_safe=True)
    chart = mermaid_chart(trace, options)
    if not chart.warnings:
        return fence(chart.text, "mermaid")
    fitting = fitting_chart(trace, options)
    if fitting is not None:
        smaller_depth, smaller = fitting
        note = (
            f"Drawn at depth {smaller_depth}: at depth {depth} the chart has {_size(chart)}, more than Mermaid "
            f"draws by default ({MAX_TEXT:,} characters, {MAX_EDGES} edges). `viz.mermaid(trace, depth={depth})` "
            "gives that chart for a viewer with higher `maxTextSize`/`maxEdges`."
        )
        return fence(smaller.text, "mermaid") + f"\n*{note}*\n"
    smallest = chart if depth == 0 else mermaid_chart(trace, replace(options, depth=0))
    note = (
        f"Even at depth 0 the chart has {_size(smallest)}, more than Mermaid draws by default ({MAX_TEXT:,} "
        f"characters, {MAX_EDGES} edges): it shows only where `maxTextSize`/`maxEdges` are raised in "
        "`mermaid.initialize`."
    )
    return fence(smallest.text, "mermaid") + f"\n*{note}*\n"


def summary_markdown(summary: Summary) -> str:
    """The text table (`str(summary)`) as a fenced text block, so Markdown keeps its columns aligned."""
    return fence(render_summary(summary), "text")


def summary_html(summary: Summary) -> str:
    """The summary as an HTML `<table>`: one row per module (module path indented by depth, class, output shape,
    params, MACs), the totals in the footer. Every text from the model is escaped."""
    title = f"{summary.model_name}: input {format_shapes(summary.input_shapes)}, depth {summary.depth}"
    lines = [
        '<table class="lucid-viz-summary">',
        f"<caption>{html.escape(title)}</caption>",
        "<thead><tr>" + "".join(f"<th>{name}</th>" for name in HTML_HEADERS) + "</tr></thead>",
        "<tbody>",
    ]
    for row in summary.rows:
        module = row.path if row.path else summary.model_name
        # Indent by depth: the path alone does not show which rows sit inside which.
        lines.append(
            "<tr>"
            + _cell(module, f"text-align:left;padding-left:{0.5 + 1.5 * row.depth:g}em")
            + _cell(row.class_name, "text-align:left")
            + _cell(shape_text(row), "text-align:left")
            + _cell(f"{row.params:,}", "text-align:right")
            + _cell(f"{row.macs:,}", "text-align:right")
            + "</tr>"
        )
    lines += ["</tbody>", "<tfoot>"]
    for key, value in totals(summary):
        lines.append(
            f'<tr><th colspan="2" style="text-align:left">{html.escape(key)}</th>'
            f'<td colspan="3" style="text-align:left">{html.escape(value)}</td></tr>'
        )
    lines += [f'<tr><td colspan="5" style="text-align:left">{html.escape(MACS_NOTE)}</td></tr>', "</tfoot>", "</table>"]
    return "\n".join(lines) + "\n"


def fence(text: str, info: str) -> str:
    """`text` as a fenced Markdown code block; the fence is longer than any run of backticks in `text`, so nothing
    inside can close it early.

    >>> print(fence("a ``` b\\n", "text"), end="")
    ````text
    a ``` b
    ````
    """
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    marks = "`" * max(3, longest + 1)
    body = text if text.endswith("\n") else text + "\n"
    return f"{marks}{info}\n{body}{marks}\n"


def _size(chart: MermaidChart) -> str:
    return f"{len(chart.text):,} characters and {chart.edge_count} edges"


def _cell(text: str, style: str) -> str:
    return f'<td style="{style}">{html.escape(text)}</td>'


set_markdown_display(trace_markdown)
