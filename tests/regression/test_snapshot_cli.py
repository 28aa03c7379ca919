"""`lucid-viz snapshot` and `lucid-viz diff` on a user's own model (module:factory) and on saved files."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser.chromium import chromium_path, render_charts

from viz.cli import main
from viz.render.diff import CHANGED, ORIGIN
from viz.snapshot_parse import parse_snapshot

NET = "regression_nets:small_cnn"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_snapshot_writes_then_checks_a_users_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "snapshot", NET, "--out", str(tmp_path))
    assert (code, out, err) == (0, "", f"created {tmp_path / 'SmallCNN.txt'}\n")
    snap = parse_snapshot((tmp_path / "SmallCNN.txt").read_text(encoding="utf-8"))
    lines = {r.path: r for r in snap.records}
    # stride-2 3x3 conv, 3 -> 8 channels on 16x16: 8 x 8 x 8 outputs of 27 MACs each.
    assert (lines["features.0"].output_shapes, lines["features.0"].macs) == (((1, 8, 8, 8),), 8 * 8 * 8 * 27)
    assert (lines["head"].params, lines["head"].macs) == (45, 40)

    code, out, err = run(capsys, "snapshot", NET, "--out", str(tmp_path), "--check")
    assert (code, out) == (0, "") and err.startswith("ok ")

    code, out, _ = run(capsys, "snapshot", NET, "--out", str(tmp_path), "--check", "--input-shape", "1,3,32,32")
    assert code == 1
    assert "  features.0: in (1,3,16,16) → (1,3,32,32); out (1,8,8,8) → (1,8,16,16); macs 13,824 → 55,296" in out

    # Writing again says whether the file changed, and how.
    code, out, err = run(capsys, "snapshot", NET, "--out", str(tmp_path))
    assert (code, out, err) == (0, "", f"unchanged {tmp_path / 'SmallCNN.txt'}\n")
    code, out, err = run(capsys, "snapshot", NET, "--out", str(tmp_path), "--input-shape", "2,3,16,16")
    lines = err.splitlines()
    assert (code, out, lines[0]) == (0, "", f"rewrote {tmp_path / 'SmallCNN.txt'}: 7 differences")
    assert lines[1:3] == [
        "  (model): macs 14,376 → 28,752",
        "  (root): in (1,3,16,16) → (2,3,16,16); out (1,5) → (2,5)",
    ]


def test_snapshot_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "snapshot")[0] == 2
    code, _, err = run(capsys, "snapshot", "no_such_model", "--out", str(tmp_path))
    assert code == 2 and "no_such_model" in err
    code, _, err = run(capsys, "snapshot", "regression_nets:nothing", "--out", str(tmp_path))
    assert code == 2 and "has no attribute 'nothing'" in err
    # A model whose forward fails gets no golden file.
    code, _, err = run(capsys, "snapshot", NET, "--out", str(tmp_path), "--input-shape", "1,4,16,16")
    assert code == 1 and "features.0" in err and not list(tmp_path.iterdir())


def test_diff_text_names_the_first_change(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "diff", NET, NET, "--set-b", "stride=1")
    assert code == 0
    assert out.splitlines() == [
        f"{NET} → {NET}: 5 differences",
        "first change (same input, different output): features.0: out (1,8,8,8) → (1,8,16,16); macs 13,824 → 55,296",
        "  (model): macs 14,376 → 57,384",
        "  features: out (1,8,8,8) → (1,8,16,16)",
        "  features.0: out (1,8,8,8) → (1,8,16,16); macs 13,824 → 55,296",
        "  features.1: in (1,8,8,8) → (1,8,16,16); out (1,8,8,8) → (1,8,16,16)",
        "  pool: in (1,8,8,8) → (1,8,16,16); macs 512 → 2,048",
    ]
    code, out, _ = run(capsys, "diff", NET, NET)
    assert (code, out) == (0, f"{NET} → {NET}: no differences\n")


def test_diff_chart_highlights_changed_nodes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, chart, _ = run(capsys, "diff", NET, NET, "--set-b", "stride=1", "--format", "mermaid")
    assert code == 0
    lines = chart.splitlines()
    assert lines[1] == "flowchart LR"
    # B's chart (the conv now keeps 16x16) ...
    assert 'm2["Conv2d<br/>' in chart and "(1,3,16,16) → (1,8,16,16)" in chart
    # ... then the highlights, after the ordinary styles: the conv where it starts, the rest that followed.
    assert lines[-4:] == [
        f"style sg_m1 stroke:{CHANGED[1]},stroke-width:3px",
        f"style m2 fill:{ORIGIN[0]},stroke:{ORIGIN[1]},stroke-width:3px;",
        f"style m3 fill:{CHANGED[0]},stroke:{CHANGED[1]},stroke-width:3px;",
        f"style m4 fill:{CHANGED[0]},stroke:{CHANGED[1]},stroke-width:3px;",
    ]
    assert "style m5 fill:" + CHANGED[0] not in chart  # the head's shapes did not change

    # A golden snapshot file works as the old side; markdown holds the text and the chart.
    run(capsys, "snapshot", NET, "--out", str(tmp_path))
    golden = str(tmp_path / "SmallCNN.txt")
    code, md, _ = run(capsys, "diff", golden, NET, "--set-b", "stride=1", "--format", "markdown")
    assert code == 0
    assert md.startswith("```text\n") and "\n```mermaid\n" in md and md.endswith("```\n")
    assert "first change (same input, different output): features.0" in md
    code, _, err = run(capsys, "diff", NET, str(tmp_path / "SmallCNN.txt"))
    assert code == 2 and "put the snapshot as A" in err


@pytest.mark.browser
@pytest.mark.skipif(chromium_path() is None, reason="needs Debian's chromium")
def test_diff_chart_renders_in_mermaid(capsys: pytest.CaptureFixture[str]) -> None:
    _, chart, _ = run(capsys, "diff", NET, NET, "--set-b", "stride=1", "--format", "mermaid")
    (result,) = render_charts([chart])
    assert result["ok"], result
    assert (result["nodes"], result["clusters"]) == (6, 2)
