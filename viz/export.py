"""Every output a Trace can be turned into, in one place: text kinds (Mermaid, Markdown, trace JSON, summary table,
DOT), pictures drawn by Graphviz's `dot` (SVG, PNG, PDF) and the one-file HTML report; a file's suffix picks its
kind.

Pictures go through the `graphviz` Python package, which runs the `dot` program; when `dot` is not installed,
`GraphvizNotFoundError` says how to install it (the DOT text itself never needs it).

>>> output_kind("chart.SVG"), output_kind("l1.json"), output_kind("notes")
('svg', 'json', None)
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

from viz.files import write_atomically
from viz.ir import Trace
from viz.render.mermaid import mermaid_chart
from viz.render.options import ChartOptions

# Suffix -> what is written. Text kinds match the CLI's --format names.
SUFFIXES = {
    ".mmd": "mermaid",
    ".md": "markdown",
    ".json": "json",
    ".txt": "summary",
    ".dot": "dot",
    ".gv": "dot",
    ".svg": "svg",
    ".png": "png",
    ".pdf": "pdf",
    ".html": "html",
}
TEXT_KINDS = ("mermaid", "markdown", "json", "summary", "dot")
PICTURES = ("svg", "png", "pdf")
KINDS = (*TEXT_KINDS, *PICTURES, "html")
PNG_DPI = 150  # dot's default 96 dpi makes the small shape text blur on slides
INSTALL_HINT = (
    "Graphviz's `dot` program was not found on PATH; it draws .svg, .png, .pdf and .html output. Install it "
    "(Debian/Ubuntu: sudo apt-get install graphviz; macOS: brew install graphviz; conda: conda install graphviz), "
    "or write the DOT text with --format dot / a .dot file"
)


class GraphvizNotFoundError(RuntimeError):
    """Graphviz's `dot` program is not installed; the message says how to install it."""


@dataclass(frozen=True)
class Rendered:
    """One output: `data` is text for the text kinds and bytes for pictures and the report; `warnings` are what the
    caller should tell the user (a Mermaid chart over Mermaid's size limits)."""

    kind: str
    data: str | bytes
    warnings: tuple[str, ...] = ()

    def to_bytes(self) -> bytes:
        return self.data.encode("utf-8") if isinstance(self.data, str) else self.data


def output_kind(path: str | Path) -> str | None:
    """The kind a path's suffix asks for, None when it has no suffix; an unknown suffix is a ValueError that lists
    the known ones (a chart written into `x.jpg` would be a file no viewer opens)."""
    suffix = Path(path).suffix.lower()
    if not suffix:
        return None
    kind = SUFFIXES.get(suffix)
    if kind is None:
        known = " ".join(SUFFIXES)
        raise ValueError(f"cannot tell what to write from {Path(path).name!r} (suffix {suffix}); use one of {known}")
    return kind


def render_output(trace: Trace, kind: str, options: ChartOptions | None = None) -> Rendered:
    """`trace` as `kind` (one of `KINDS`). Summaries stop at `options.depth`; Markdown and the report draw colour-safe
    Mermaid (mermaid 11 on GitHub and mkdocs drops a colour followed by another property)."""
    options = options or ChartOptions()
    if kind == "json":
        return Rendered(kind, trace.to_json() + "\n")
    if kind == "summary":
        from viz.summary import summarise_trace

        return Rendered(kind, str(summarise_trace(trace, options.depth)))
    if kind == "dot":
        from viz.render.dot import render_dot

        return Rendered(kind, render_dot(trace, options))
    if kind in ("mermaid", "markdown"):
        if kind == "markdown":
            options = replace(options, colour_safe=True)
        chart = mermaid_chart(trace, options)
        text = chart.text if chart.text.endswith("\n") else chart.text + "\n"
        if kind == "markdown":
            text = f"```mermaid\n{text}```\n"
        return Rendered(kind, text, tuple(chart.warnings))
    if kind in PICTURES:
        from viz.render.dot import render_dot

        return Rendered(kind, render_picture(render_dot(trace, options, dpi=PNG_DPI if kind == "png" else None), kind))
    if kind == "html":
        return _report(trace, options)
    raise ValueError(f"unknown output kind {kind!r}; expected one of {', '.join(KINDS)}")


def _report(trace: Trace, options: ChartOptions) -> Rendered:
    from viz.render.dot import render_dot
    from viz.render.html import render_report
    from viz.summary import summarise_trace

    svg = render_picture(render_dot(trace, options), "svg").decode("utf-8")
    chart = mermaid_chart(trace, replace(options, colour_safe=True))
    summary = summarise_trace(trace, options.depth)
    return Rendered("html", render_report(trace, svg, chart.text, summary).encode("utf-8"), tuple(chart.warnings))


def render_picture(dot_text: str, kind: str) -> bytes:
    """DOT text drawn by Graphviz as "svg", "png" or "pdf" bytes.

    Raises GraphvizNotFoundError when `dot` is missing, RuntimeError with dot's message when it fails.
    """
    if kind not in PICTURES:
        raise ValueError(f"render_picture: kind must be one of {', '.join(PICTURES)}, got {kind!r}")
    import graphviz

    if shutil.which("dot") is None:
        raise GraphvizNotFoundError(INSTALL_HINT)
    try:
        return graphviz.Source(dot_text).pipe(format=kind, quiet=True)
    except graphviz.ExecutableNotFound:
        raise GraphvizNotFoundError(INSTALL_HINT) from None
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or b"").decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"Graphviz's dot failed (exit {exc.returncode}): {' '.join(detail[:3])}") from None


def export(trace: Trace, path: str | Path, options: ChartOptions | None = None) -> Path:
    """Write `trace` to `path` as its suffix asks (see `SUFFIXES`), atomically; returns the path.

    >>> import tempfile, lucid.models, viz
    >>> from viz.export import export
    >>> t = viz.trace(lucid.models.efficientformer_l1())
    >>> export(t, tempfile.mkdtemp() + "/l1.dot").read_text().startswith("digraph")
    True
    """
    kind = output_kind(path)
    if kind is None:
        known = " ".join(SUFFIXES)
        raise ValueError(f"cannot tell what to write from {Path(path).name!r}: give it one of the suffixes {known}")
    return write_atomically(path, render_output(trace, kind, options).to_bytes())
