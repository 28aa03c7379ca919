"""Write a chart to a file, the kind picked by the file's suffix: text (.mmd .md .json .txt .dot), pictures drawn
by Graphviz's `dot` (.svg .png .pdf) or a self-contained HTML report (.html).

Pictures go through the `graphviz` Python package, which runs the `dot` program; when `dot` is not installed,
`GraphvizNotFoundError` says how to install it (the DOT text itself never needs it).

>>> output_kind("chart.SVG"), output_kind("l1.json"), output_kind("notes")
('svg', 'json', None)
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from viz.ir import Trace
from viz.render.mermaid import MermaidOptions, mermaid_chart

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
PICTURES = ("svg", "png", "pdf")
PNG_DPI = 150  # dot's default 96 dpi makes the small shape text blur on slides
INSTALL_HINT = (
    "Graphviz's `dot` program was not found on PATH; it draws .svg, .png, .pdf and .html output. Install it "
    "(Debian/Ubuntu: sudo apt-get install graphviz; macOS: brew install graphviz; conda: conda install graphviz), "
    "or write the DOT text with --format dot / a .dot file"
)


class GraphvizNotFoundError(RuntimeError):
    """Graphviz's `dot` program is not installed; the message says how to install it."""


def output_kind(path: str | Path) -> str | None:
    """What a path's suffix asks for (see `SUFFIXES`), or None for a suffix that names no kind."""
    return SUFFIXES.get(Path(path).suffix.lower())


def render_text(trace: Trace, kind: str, options: MermaidOptions, trainable_params: int | None = None) -> str:
    """The text of a text kind ("mermaid", "markdown", "json", "summary", "dot"), ending in a newline."""
    if kind == "json":
        return trace.to_json() + "\n"
    if kind == "summary":
        from viz.summary import summarise_trace

        return str(summarise_trace(trace, options.depth, trainable_params=trainable_params))
    if kind == "dot":
        from viz.render.dot import render_dot

        return render_dot(trace, options)
    if kind not in ("mermaid", "markdown"):
        raise ValueError(f"render_text: unknown kind {kind!r}; expected one of mermaid, markdown, json, summary, dot")
    text = mermaid_chart(trace, options).text
    return f"```mermaid\n{text}```\n" if kind == "markdown" else text


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


def render_file(
    trace: Trace, kind: str, options: MermaidOptions | None = None, trainable_params: int | None = None
) -> bytes:
    """The bytes of any output kind (text kinds encoded as UTF-8)."""
    from viz.render.dot import render_dot

    options = options or MermaidOptions()
    if kind in PICTURES:
        return render_picture(render_dot(trace, options, dpi=PNG_DPI if kind == "png" else None), kind)
    if kind == "html":
        from viz.render.html import render_report
        from viz.summary import summarise_trace

        svg = render_picture(render_dot(trace, options), "svg").decode("utf-8")
        mermaid_text = mermaid_chart(trace, options).text
        summary = summarise_trace(trace, options.depth, trainable_params=trainable_params)
        return render_report(trace, svg, mermaid_text, summary).encode("utf-8")
    return render_text(trace, kind, options, trainable_params).encode("utf-8")


def export(
    trace: Trace, path: str | Path, options: MermaidOptions | None = None, trainable_params: int | None = None
) -> Path:
    """Write `trace` to `path` as its suffix asks (see `SUFFIXES`); returns the path.

    >>> import tempfile, lucid.models, viz
    >>> from viz.export import export
    >>> t = viz.trace(lucid.models.efficientformer_l1())
    >>> export(t, tempfile.mkdtemp() + "/l1.dot").read_text().startswith("digraph")
    True
    """
    target = Path(path)
    kind = output_kind(target)
    if kind is None:
        known = " ".join(SUFFIXES)
        raise ValueError(f"export: cannot tell what to write from {target.name!r}; use one of the suffixes {known}")
    data = render_file(trace, kind, options, trainable_params)
    target.write_bytes(data)
    return target
