"""The HTML report opened from disk in headless Chromium: nothing is requested beyond the file itself, the chart
is drawn (an SVG with every node), and it reads in light and dark system themes. Screenshots go to
test-artifacts/ (gitignored) for a human to look at."""

from __future__ import annotations

import base64
import shutil
import time
from pathlib import Path

import pytest

import lucid.models as models
import viz
from tests.browser.chromium import chromium_path
from tests.browser.contrast import contrast_ratio, css_rgb
from viz.export import export

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_path() is None, reason="Debian's chromium is not installed"),
    pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed"),
]

# What the page shows: the chart's drawn nodes and clusters, its size on screen, and the colours the reader sees.
_INSPECT = """(() => {
  const svgs = [...document.querySelectorAll('svg')];
  const svg = svgs[0];
  const box = svg.getBoundingClientRect();
  const figure = getComputedStyle(document.querySelector('figure.chart'));
  const body = getComputedStyle(document.body);
  const pre = getComputedStyle(document.querySelector('#mermaid-source'));
  return {
    svgs: svgs.length,
    nodes: svg.querySelectorAll('g.node').length,
    clusters: svg.querySelectorAll('g.cluster').length,
    texts: [...svg.querySelectorAll('text')].map(t => t.textContent),
    width: box.width, height: box.height, top: box.top,
    visibility: getComputedStyle(svg).visibility, display: getComputedStyle(svg).display,
    bodyBg: body.backgroundColor, bodyFg: body.color, figureBg: figure.backgroundColor,
    preBg: pre.backgroundColor, preFg: pre.color,
  };
})()"""


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "efficientformer_l1.html"
    return export(viz.trace(models.efficientformer_l1()), path)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_report_opens_offline_and_shows_the_chart(report: Path, scheme: str) -> None:
    from tests.browser.cdp import Browser

    with Browser() as browser:
        requested = browser.record_requests()
        browser.page("Page.enable")
        browser.page("Emulation.setEmulatedMedia", features=[{"name": "prefers-color-scheme", "value": scheme}])
        browser.page("Page.navigate", url=report.as_uri())
        deadline = time.monotonic() + 20
        while browser.evaluate("document.readyState") != "complete" and time.monotonic() < deadline:
            time.sleep(0.1)
        info = browser.evaluate(_INSPECT)
        shot = browser.page("Page.captureScreenshot", format="png", captureBeyondViewport=True)
    ARTIFACTS.mkdir(exist_ok=True)
    picture = ARTIFACTS / f"html_report_{scheme}.png"
    picture.write_bytes(base64.b64decode(shot["data"]))

    assert requested == [report.as_uri()], f"the report asked for more than itself: {requested}"
    assert info["svgs"] == 1
    # EfficientFormer-L1 at depth 3: 12 module boxes, the group's Input/Output ports, the model's input and output.
    assert (info["nodes"], info["clusters"]) == (17, 5)
    assert "Conv2d" in info["texts"] and "(1,3,224,224) → (1,24,112,112)" in info["texts"]
    assert info["width"] > 600 and info["height"] > 100 and info["top"] < 900  # on screen, above the fold
    assert (info["visibility"], info["display"]) == ("visible", "block")
    assert picture.stat().st_size > 10_000
    dark = scheme == "dark"
    assert (sum(css_rgb(info["bodyBg"])) < 150) is dark  # the page follows the system theme
    assert contrast_ratio(info["bodyFg"], info["bodyBg"]) >= 7
    assert contrast_ratio(info["preFg"], info["preBg"]) >= 7
    assert info["figureBg"] == "rgb(255, 255, 255)"  # the chart keeps its paper: node colours are for light
