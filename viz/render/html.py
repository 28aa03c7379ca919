"""A one-file HTML report of a trace: the Graphviz chart inline, the numbers, the summary table and the Mermaid
source, readable offline in light and dark system themes.

Pure: the caller passes the SVG text (viz.export draws it with `dot`). The page loads nothing: styles and the
one small copy script are inline, and a Content-Security-Policy forbids every fetch. Every piece of user text
is escaped by jinja2's autoescaping; the SVG is checked to be plain drawing markup (no script, no event
attributes, no foreign content) before it is inlined.

>>> from viz.ir import ModuleNode, Trace
>>> from viz.summary import summarise_trace
>>> t = Trace("<b>net</b>", [(1, 4)], [(1, 4)], [ModuleNode("", "", "Net", "user")], [])
>>> page = render_report(t, '<svg xmlns="http://www.w3.org/2000/svg"></svg>', "flowchart LR\\n", summarise_trace(t))
>>> "&lt;b&gt;net&lt;/b&gt;" in page and "<b>net</b>" not in page
True
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import jinja2
import markupsafe

from viz.ir import Trace
from viz.render.templates import template_dir
from viz.render.text import format_count, format_shapes
from viz.summary import Summary

TEMPLATE = "report.html.j2"
SVG_NS = "{http://www.w3.org/2000/svg}"
# Elements a Graphviz SVG is made of; anything else (script, foreignObject, iframe, ...) is refused.
SVG_ELEMENTS = frozenset(
    SVG_NS + name
    for name in ("svg", "g", "title", "desc", "path", "polygon", "polyline", "ellipse", "circle", "rect", "line",
                 "text", "tspan", "a", "defs", "linearGradient", "radialGradient", "stop", "image")
)  # fmt: skip


def render_report(trace: Trace, svg: str, mermaid_text: str, summary: Summary | None = None) -> str:
    """The report page as text. `svg` is the chart drawn by Graphviz (an XML prolog and comments are dropped),
    `summary` the table to show (None leaves that section out)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir())),
        autoescape=True,  # every {{ }} is escaped: model and module names cannot become markup
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    facts = [
        ("Input", format_shapes(trace.input_shapes)),
        ("Output", format_shapes(trace.output_shapes) if trace.error is None else "-- (the forward failed)"),
    ]
    if summary is not None:
        facts.append(("Parameters", f"{summary.total_params:,} ({format_count(summary.total_params)})"))
        if summary.trainable_params is not None:
            facts.append(("Trainable", f"{summary.trainable_params:,}"))
        facts.append(("MACs", f"{summary.total_macs:,} ({summary.total_macs / 1e9:.2f} G)"))
    error = None
    if trace.error is not None:
        error = f"{trace.error.path or trace.model_name}: {trace.error.message}"
    return env.get_template(TEMPLATE).render(
        model_name=trace.model_name,
        facts=facts,
        error=error,
        svg=markupsafe.Markup(inline_svg(svg)),  # checked by inline_svg; text inside was escaped by dot
        summary=None if summary is None else str(summary),
        mermaid=mermaid_text,
    )


def inline_svg(svg: str) -> str:
    """The `<svg>` element of a Graphviz SVG document, checked to hold only drawing markup.

    Raises ValueError when the text is not SVG or holds anything that could run or load (scripts, event
    attributes, foreign content, links outside the page).
    """
    start = svg.find("<svg")
    if start < 0:
        raise ValueError("render_report: the chart is not SVG (no <svg> element); pass what `dot -Tsvg` wrote")
    body = svg[start:]
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise ValueError(f"render_report: the chart SVG does not parse: {exc}") from None
    for element in root.iter():
        if element.tag not in SVG_ELEMENTS:
            raise ValueError(f"render_report: the chart SVG holds a <{element.tag}> element; only drawing is allowed")
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1].lower()
            if local.startswith("on"):
                raise ValueError(f"render_report: the chart SVG has an event attribute {local!r}")
            if local == "href" and not value.startswith("#"):
                raise ValueError(f"render_report: the chart SVG links to {value!r}; the report must load nothing")
    return body.strip() + "\n"
