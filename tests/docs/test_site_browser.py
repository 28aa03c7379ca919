"""The built docs site, as a reader's browser shows it: every chart drawn, in colour, offline, in both palettes.

Builds the committed docs/ with `mkdocs build --strict`, serves the result on 127.0.0.1 and loads each page
that carries a chart in headless Chromium. Material draws charts inside closed shadow roots, so the checks
go through the DevTools protocol (tests/browser/cdp.py).
"""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.browser.chromium import chromium_path
from tests.browser.contrast import contrast_ratio

REPO = Path(__file__).resolve().parents[2]
CONV_RED = "rgb(197, 48, 48)"  # #c53030, the conv family's colour

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        chromium_path() is None, reason="Debian's chromium is not installed (CI installs it; see scripts/bootstrap.sh)"
    ),
]

# Per chart: error box?, node count, and for each Conv2d node the colour its shape label is drawn in, the
# label text colour and the node's fill (for contrast). Runs with `this` = the chart's <svg>.
_INSPECT_SVG = """function () {
  const svg = this;
  const errorBox = svg.getAttribute('aria-roledescription') === 'error'
    || /Syntax error in text|Maximum text size/.test(svg.textContent);
  const convs = [...svg.querySelectorAll('g.node')]
    .filter(n => (n.textContent || '').trim().startsWith('Conv2d'))
    .map(n => {
      const span = n.querySelector('foreignObject span[style]');
      const label = n.querySelector('.nodeLabel') || n.querySelector('foreignObject div');
      const shape = n.querySelector('rect, path, polygon');
      return {
        shapeColour: span ? getComputedStyle(span).color : null,
        labelColour: label ? getComputedStyle(label).color : null,
        fill: shape ? getComputedStyle(shape).fill : null,
      };
    });
  const clusterLabels = [...svg.querySelectorAll('.cluster-label .nodeLabel, .cluster-label span')]
    .map(e => getComputedStyle(e).color);
  return {errorBox, nodes: svg.querySelectorAll('g.node').length, convs, clusterLabels};
}"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    site = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}"
    assert "WARNING" not in result.stderr, result.stderr
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _chart_pages() -> list[str]:
    """Site paths of every model page and every other page with a chart, from the committed Markdown."""
    docs = REPO / "docs"
    pages = []
    for md in sorted(docs.rglob("*.md")):
        rel = md.relative_to(docs).as_posix()
        if rel.startswith("models/") or "```mermaid" in md.read_text(encoding="utf-8"):
            url = rel[: -len("index.md")] if rel.endswith("index.md") else rel[: -len(".md")] + "/"
            pages.append(url)
    return pages


def _load(browser, url: str, timeout: float = 20.0) -> tuple[int, list[int]]:
    """Open `url` and wait until each chart Material found has an SVG; returns (charts in the HTML, svg ids)."""
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as response:
        expected = response.read().decode("utf-8").count('<pre class="mermaid">')
    browser.page("Page.navigate", url=url)
    deadline = time.monotonic() + timeout
    svgs: list[int] = []
    while time.monotonic() < deadline:
        time.sleep(0.2)
        state = browser.evaluate("[document.readyState, document.querySelectorAll('div.mermaid').length]")
        if state[0] != "complete" or state[1] < expected:
            continue
        svgs = browser.shadow_svgs()
        if len(svgs) >= expected:
            break
    return expected, svgs


def test_every_chart_renders_offline_with_coloured_shape_labels(site_url: str) -> None:
    from tests.browser.cdp import Browser

    host = urlparse(site_url).hostname
    pages = _chart_pages()
    assert any(p.startswith("models/efficientformer/") for p in pages), pages
    with Browser() as browser:
        requested = browser.record_requests()
        conv_pages = 0
        for page in pages:
            url = site_url + page
            expected, svgs = _load(browser, url)
            assert expected > 0 or not page.startswith("models/efficientformer/efficientformer_"), url
            assert len(svgs) == expected, f"{url}: {expected} Mermaid fences but {len(svgs)} SVGs were drawn"
            for svg in svgs:
                info = browser.call_on_node(svg, _INSPECT_SVG)
                assert not info["errorBox"], f"{url}: Mermaid drew an error box"
                assert info["nodes"] > 0, f"{url}: a chart with no nodes"
                for conv in info["convs"]:
                    conv_pages += 1
                    assert conv["shapeColour"] == CONV_RED, f"{url}: Conv2d shape label drawn in {conv}"
        assert conv_pages > 0, "no Conv2d node was found on any page"
    assert any(u.startswith(site_url) and u.endswith("/mermaid.min.js") for u in requested), requested
    offhost = sorted({u for u in requested if urlparse(u).scheme in ("http", "https") and urlparse(u).hostname != host})
    assert offhost == [], f"pages asked other hosts: {offhost}"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_charts_stay_readable_in_both_palettes(site_url: str, scheme: str) -> None:
    from tests.browser.cdp import Browser

    with Browser() as browser:
        browser.page("Emulation.setEmulatedMedia", features=[{"name": "prefers-color-scheme", "value": scheme}])
        expected, svgs = _load(browser, site_url + "models/efficientformer/")
        assert expected == len(svgs) > 0
        palette = browser.evaluate("document.body.getAttribute('data-md-color-scheme')")
        assert palette == ("slate" if scheme == "dark" else "default")
        host_background = browser.evaluate("getComputedStyle(document.querySelector('div.mermaid')).backgroundColor")
        page_background = browser.evaluate("getComputedStyle(document.body).backgroundColor")
        info = browser.call_on_node(svgs[0], _INSPECT_SVG)
    # The chart's own background: its card when it has one, else the page behind it.
    background = page_background if host_background in ("rgba(0, 0, 0, 0)", "transparent") else host_background
    assert info["convs"], "the EfficientFormer chart has Conv2d nodes"
    for conv in info["convs"]:
        assert conv["shapeColour"] == CONV_RED
        assert contrast_ratio(conv["labelColour"], conv["fill"]) >= 4.5, conv
        assert contrast_ratio(conv["shapeColour"], conv["fill"]) >= 3.0, conv
    assert info["clusterLabels"]
    for colour in info["clusterLabels"]:
        assert contrast_ratio(colour, background) >= 4.5, (colour, background)
