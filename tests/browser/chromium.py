"""Render Mermaid charts with the real mermaid.js in headless Chromium (Debian's), offline.

The harness page loads the bundle installed from the npm registry (node_modules/, never
committed), renders each chart with `mermaid.render` and writes a JSON report into the page,
which `chromium --dump-dom` prints once the virtual time budget has run out.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MERMAID_BUNDLE = REPO / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--allow-file-access-from-files",
]

_HARNESS = """<!doctype html><html><head><meta charset="utf-8"></head><body>
<div id="stage"></div><pre id="report">pending</pre>
<script type="application/json" id="charts">{charts}</script>
<script src="{bundle}"></script>
<script>
mermaid.initialize({{startOnLoad: false, securityLevel: "strict", suppressErrorRendering: true}});
const charts = JSON.parse(document.getElementById("charts").textContent);
(async () => {{
  const results = [];
  for (let i = 0; i < charts.length; i++) {{
    const r = {{ok: false}};
    try {{
      await mermaid.parse(charts[i]);
      const out = await mermaid.render("chart" + i, charts[i]);
      const stage = document.getElementById("stage");
      stage.innerHTML = out.svg;
      const svg = stage.querySelector("svg");
      r.error_box = svg.getAttribute("aria-roledescription") === "error";
      r.nodes = svg.querySelectorAll("g.node").length;
      r.clusters = svg.querySelectorAll("g.cluster").length;
      r.edges = svg.querySelectorAll("path.flowchart-link").length;
      r.colours = [...svg.querySelectorAll("foreignObject span[style]")].map(s => getComputedStyle(s).color);
      r.ok = !r.error_box;
    }} catch (e) {{ r.error = String((e && (e.message || e.str)) || e); }}
    results.push(r);
  }}
  document.getElementById("report").textContent = JSON.stringify(results);
}})();
</script>
</body></html>"""


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def render_charts(charts: list[str], budget_ms: int = 20000) -> list[dict]:
    """Render each chart; return mermaid's verdict per chart (ok, error, nodes, edges, clusters, colours)."""
    browser = chromium_path()
    if browser is None or not MERMAID_BUNDLE.exists():
        raise RuntimeError(
            "headless rendering needs Debian's chromium and node_modules/mermaid (./scripts/bootstrap.sh)"
        )
    # The JSON sits inside a <script> element: escape "</" so no chart can close it early.
    payload = json.dumps(charts).replace("</", "<\\/")
    page = _HARNESS.format(bundle=MERMAID_BUNDLE.as_uri(), charts=payload)
    with tempfile.TemporaryDirectory() as tmp:
        harness = Path(tmp) / "harness.html"
        harness.write_text(page, encoding="utf-8")
        result = subprocess.run(
            [browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp}/profile", f"--virtual-time-budget={budget_ms}",
             "--dump-dom", harness.as_uri()],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    match = re.search(r'<pre id="report">(.*?)</pre>', result.stdout, re.S)
    if not match or match.group(1) == "pending":
        raise RuntimeError(f"chromium produced no report (exit {result.returncode}): {result.stderr[-2000:]}")
    return json.loads(html.unescape(match.group(1)))
