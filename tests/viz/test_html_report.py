"""The HTML report: one offline file with the chart, the numbers, the summary and the Mermaid source; no name can
inject markup."""

from __future__ import annotations

import html
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from viz_builders import TraceBuilder

import lucid.models as models
import viz
from viz.cli import main
from viz.export import render_output
from viz.ir import Trace
from viz.render.html import inline_svg, render_report
from viz.render.mermaid import MermaidOptions, render_mermaid
from viz.summary import summarise_trace

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


class _Elements(HTMLParser):
    """Every start tag with its attributes, and the text inside each <pre id=...>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.pre: dict[str, str] = {}
        self._in_pre: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "pre":
            self._in_pre = dict(attrs).get("id") or ""
            self.pre[self._in_pre] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre":
            self._in_pre = None

    def handle_data(self, data: str) -> None:
        if self._in_pre is not None:
            self.pre[self._in_pre] += data


def _parse(page: str) -> _Elements:
    parser = _Elements()
    parser.feed(page)
    return parser


@pytest.fixture(scope="module")
def l1_page() -> tuple[Trace, str]:
    trace = viz.trace(models.efficientformer_l1())
    return trace, render_output(trace, "html").to_bytes().decode("utf-8")


@needs_dot
def test_report_holds_chart_numbers_summary_and_mermaid_source(l1_page: tuple[Trace, str]) -> None:
    trace, page = l1_page
    found = _parse(page)
    assert [tag for tag, _ in found.tags].count("svg") == 1
    assert "<text" in page and "Conv2d" in page and "(1,3,224,224) → (1,24,112,112)" in page
    # The source to copy into GitHub or mkdocs is drawn colour-safe, for mermaid 11.
    assert found.pre["mermaid-source"] == render_mermaid(trace, colour_safe=True)
    summary = summarise_trace(trace, 3, trainable_params=sum(m.own_params for m in trace.modules))
    assert found.pre[""] == str(summary)
    facts = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", page)
    assert facts[:2] == [("Input", "(1,3,224,224)"), ("Output", "(1,1000)")]
    assert ("Parameters", f"{summary.total_params:,} (11.8M)") in facts
    assert ("Trainable", f"{summary.total_params:,}") in facts
    assert ("MACs", f"{summary.total_macs:,} (1.30 G)") in facts


@needs_dot
def test_report_loads_nothing(l1_page: tuple[Trace, str]) -> None:
    _, page = l1_page
    found = _parse(page)
    for tag, attrs in found.tags:
        assert "src" not in attrs, tag  # no external script, image or frame
        assert tag not in ("link", "iframe", "img", "object", "embed", "foreignobject"), tag
        href = attrs.get("href") or attrs.get("xlink:href")
        assert href is None or href.startswith("#"), (tag, href)
    assert "default-src 'none'" in page  # the CSP forbids any fetch the markup might still make
    assert "@import" not in page and "url(" not in page


def _hostile_trace() -> Trace:
    b = TraceBuilder("<script>alert('model')</script>", "Net")
    b.add("d", "ModuleDict")
    b.add("d.</pre><script>alert(1)</script>", "ModuleDict")
    b.call("", (1, 4), (1, 2))
    b.leaf("d.</pre><script>alert(1)</script>.x", "<img src=x onerror=alert(2)>", (1, 4), (1, 2))
    return b.build([(1, 4)], [(1, 2)])


@needs_dot
def test_no_module_name_injects_markup() -> None:
    trace = _hostile_trace()
    page = render_output(trace, "html", MermaidOptions(depth=4)).to_bytes().decode("utf-8")
    found = _parse(page)
    tags = [tag for tag, _ in found.tags]
    assert tags.count("script") == 1  # the report's own copy button
    assert "img" not in tags
    assert not any(name.startswith("on") for _, attrs in found.tags for name in attrs)
    assert found.pre["mermaid-source"] == render_mermaid(trace, depth=4, colour_safe=True)
    # The names are there, as text: in the title, the heading and the chart.
    assert "<title>&lt;script&gt;alert(&#39;model&#39;)&lt;/script&gt; · lucid-viz report</title>" in page
    assert "&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert html.escape("<img src=x onerror=alert(2)>", quote=False) in page


def test_inline_svg_refuses_anything_but_drawing() -> None:
    ok = '<?xml version="1.0"?>\n<!-- c -->\n<svg xmlns="http://www.w3.org/2000/svg"><g><text>a</text></g></svg>'
    assert inline_svg(ok).startswith("<svg")
    bad = {
        "script": '<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>',
        "foreignObject": '<svg xmlns="http://www.w3.org/2000/svg"><foreignObject/></svg>',
        "event attribute": '<svg xmlns="http://www.w3.org/2000/svg"><g onload="x()"/></svg>',
        "links to": '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        '<a xlink:href="https://example.com/"><text>a</text></a></svg>',
        "not SVG": "<html></html>",
        "does not parse": "<svg><g></svg>",
    }
    for message, svg in bad.items():
        with pytest.raises(ValueError, match=message):
            inline_svg(svg)


def test_a_partial_trace_says_where_it_failed() -> None:
    from viz.ir import TraceError

    b = TraceBuilder("net", "Net")
    b.call("", (1, 4), (1, 2))
    b.leaf("fc", "Linear", (1, 4), (1, 8))
    trace = b.build([(1, 4)], [])
    trace.error = TraceError("fc", "bad <shape>", [(1, 4)])
    page = render_report(trace, '<svg xmlns="http://www.w3.org/2000/svg"/>', "flowchart LR\n", summarise_trace(trace))
    assert "The forward pass failed in fc: bad &lt;shape&gt;" in page
    assert "<dt>Output</dt><dd>-- (the forward failed)</dd>" in page
    assert 'id="summary"' in page
    assert 'id="summary"' not in render_report(trace, '<svg xmlns="http://www.w3.org/2000/svg"/>', "x\n", None)


@needs_dot
def test_cli_writes_the_report(capsys, tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    assert main(["efficientformer_l1", "--depth", "2", "-o", str(target)]) == 0
    assert capsys.readouterr() == ("", "")
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "efficientformer_l1: input (1,3,224,224), depth 2" in page


def test_the_template_ships_in_the_wheel() -> None:
    setup = (Path(__file__).resolve().parents[2] / "setup.py").read_text(encoding="utf-8")
    assert '"viz.templates": ["*.j2"]' in setup
    assert (Path(__file__).resolve().parents[2] / "templates" / "report.html.j2").is_file()
