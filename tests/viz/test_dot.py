"""The DOT renderer and picture export: the same chart as Mermaid, parsed and drawn by Graphviz's `dot`.

`pytest --update-goldens` rewrites tests/golden/efficientformer_l1.dot from the current output
(then review the diff).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from cross_process import viz_stdout_per_hash_seed
from viz_builders import TraceBuilder

import lucid.models as models
import viz
import viz.export
from tests.golden_text import check_golden_text, update_requested
from viz.cli import main
from viz.docs.examples import BasicBlock
from viz.export import GraphvizNotFoundError, export, render_picture
from viz.ir import Trace, TraceError
from viz.render.dot import escape_html_label, render_dot
from viz.render.mermaid import MermaidOptions, mermaid_chart, render_mermaid
from viz.render.palette import ERROR_COLOURS, FAMILY_COLOURS

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden" / "efficientformer_l1.dot"
SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


@pytest.fixture(scope="module")
def l1() -> Trace:
    return viz.trace(models.efficientformer_l1())


def _svg(dot_text: str) -> ElementTree.Element:
    return ElementTree.fromstring(render_picture(dot_text, "svg"))


def _drawn(root: ElementTree.Element, kind: str) -> dict[str, str]:
    """Graphviz's <g class="node|cluster"> groups: their DOT name -> their text lines joined by " | "."""
    found = {}
    for group in root.iter(SVG + "g"):
        if group.get("class") == kind:
            name = group.find(SVG + "title").text
            found[name] = " | ".join(t.text or "" for t in group.iter(SVG + "text"))
    return found


# Drawn ids: nodes (and a leaf's later drawings `mK_2`), group ports, merge circles, inputs, outputs, the error.
_ID = r"(m\d+(?:_in|_out|_\d+)?|op\d+|input\d*|output\d*|error)"


def _mermaid_structure(chart: str) -> tuple[set[str], set[str], set[tuple[str, str]], set[tuple[str, str]]]:
    """Node ids, subgraph ids, edges and dashed edges of a Mermaid chart."""
    nodes = set(re.findall(rf"^{_ID}[\[(]", chart, re.M))
    clusters = set(re.findall(r"^subgraph sg_(m\d+)\[", chart, re.M))
    edges = set(re.findall(r"^(\S+) -\.?-> (\S+);$", chart, re.M))
    dashed = set(re.findall(r"^(\S+) -\.-> (\S+);$", chart, re.M))
    return nodes, clusters, edges, dashed


def _dot_structure(text: str) -> tuple[set[str], set[str], set[tuple[str, str]], set[tuple[str, str]]]:
    nodes = set(re.findall(rf"^\s*{_ID} \[label=", text, re.M))
    clusters = set(re.findall(r"^\s*subgraph cluster_(m\d+) \{", text, re.M))
    edges = set(re.findall(r"^\s*(\S+) -> (\S+?)(?: \[.*\])?;$", text, re.M))
    dashed = set(re.findall(r'^\s*(\S+) -> (\S+?) \[style="dashed".*\];$', text, re.M))
    return nodes, clusters, edges, dashed


def test_efficientformer_l1_dot_matches_the_golden_file(l1: Trace, request: pytest.FixtureRequest) -> None:
    check_golden_text(GOLDEN, render_dot(l1), update_requested())


@needs_dot
def test_efficientformer_l1_parses_with_dot_and_has_the_mermaid_clusters_and_labels(l1: Trace) -> None:
    root = _svg(render_dot(l1))
    clusters = _drawn(root, "cluster")
    assert clusters == {
        "cluster_m0": "efficientformer_l1",
        "cluster_m1": "stem",
        "cluster_m8": "stages",
        "cluster_m9": "_EfficientFormerStage",
        "cluster_m12": "_EfficientFormerStage x 3",
    }
    nodes = _drawn(root, "node")
    assert nodes["m2"] == "Conv2d | (1,3,224,224) → (1,24,112,112)"
    assert nodes["m5"] == "Conv2d | (1,24,112,112) → (1,48,56,56)"
    assert nodes["m13"] == "_Downsample | (1,48,56,56) → (1,96,28,28)"
    assert nodes["m17"] == "Linear | (1,448) → (1,1000)"
    assert nodes["m3"] == "BatchNorm2d"  # shapes unchanged: no shape line
    assert (nodes["input"], nodes["output"]) == ("Input | (1,3,224,224)", "Output | (1,1000)")
    assert (nodes["m12_in"], nodes["m12_out"]) == ("Input", "Output")
    assert len(nodes) == 17
    # Family fill and stroke on the drawn boxes.
    conv = next(g for g in root.iter(SVG + "g") if g.get("id") == "node2" or g.findtext(SVG + "title") == "m2")
    path = conv.find(SVG + "path")
    assert (path.get("fill"), path.get("stroke")) == FAMILY_COLOURS["conv"]


def test_dot_draws_the_same_nodes_clusters_and_edges_as_mermaid(l1: Trace) -> None:
    for options in (
        MermaidOptions(),
        MermaidOptions(depth=1),
        MermaidOptions(depth=5, collapse_repeats=False),
        MermaidOptions(depth=4, hide=("Sequential",)),
    ):
        chart = render_mermaid(l1, depth=options.depth, collapse_repeats=options.collapse_repeats, hide=options.hide)
        assert _dot_structure(render_dot(l1, options)) == _mermaid_structure(chart), options


@pytest.mark.parametrize(
    ("build", "shape", "options"),
    [
        (models.efficientformer_l1, (1, 3, 224, 224), MermaidOptions(depth=5)),
        (models.efficientformer_l1, (1, 3, 224, 224), MermaidOptions(depth=6, show_shapes=True)),
        (models.efficientformer_l1, (1, 3, 224, 224), MermaidOptions(depth=6, edges="calls")),
        (BasicBlock, (1, 64, 56, 56), MermaidOptions(depth=2, direction="TB")),
    ],
    ids=["l1 depth 5", "l1 depth 6 shapes", "l1 depth 6 calls", "residual block"],
)
def test_dot_draws_the_same_data_flow_as_mermaid(
    build: object, shape: tuple[int, ...], options: MermaidOptions
) -> None:
    # One flow for every renderer: merges, later drawings of a reused leaf and ports, edge for edge, dashed alike.
    traced = viz.trace(build(), shape, meta=True)  # type: ignore[operator]
    chart = mermaid_chart(traced, options).text
    mermaid, dot = _mermaid_structure(chart), _dot_structure(render_dot(traced, options))
    assert dot == mermaid
    if options.edges == "data":
        assert any(node.startswith("op") for node in mermaid[0])


@needs_dot
def test_merge_ops_are_drawn_as_circles_inside_their_module(tmp_path: Path) -> None:
    traced = viz.trace(BasicBlock(), (1, 64, 56, 56), meta=True)
    text = render_dot(traced, MermaidOptions(depth=2, show_shapes=True))
    assert "op0 [label=<add<BR/>" in text and "shape=circle" in text
    root = _svg(text)
    assert _drawn(root, "node")["op0"] == "add | (1,128,28,28)"
    assert _drawn(root, "node")["m3_2"] == "ReLU | (1,128,28,28) → (1,128,28,28)"


def test_edges_follow_the_forward_pass(l1: Trace) -> None:
    edges = [line.strip() for line in render_dot(l1).splitlines() if "->" in line]
    assert edges[:3] == ["input -> m2;", "m2 -> m3;", "m3 -> m4;"]
    assert edges[-1] == "m17 -> output;"
    # The repeat's way back into its group does not push the group's Input to the right.
    assert 'm12_out -> m12_in [style="dashed", constraint=false];' in edges


def test_output_is_byte_identical_across_runs_and_processes(l1: Trace, tmp_path: Path) -> None:
    text = render_dot(l1)
    assert render_dot(Trace.from_json(l1.to_json())) == text
    saved = tmp_path / "l1.json"
    saved.write_text(l1.to_json(), encoding="utf-8")
    # Another hash seed reorders any set or dict keyed by strings: a set leaking into output would show here.
    for seed, out in viz_stdout_per_hash_seed([str(saved), "--format", "dot"]).items():
        assert out.decode("utf-8") == text, f"PYTHONHASHSEED={seed}"


def test_options_behave_as_in_mermaid(l1: Trace) -> None:
    assert "rankdir=TB" in render_dot(l1, MermaidOptions(direction="TB"))
    text = render_dot(l1, MermaidOptions(show_params=True, show_macs=True))
    mermaid = render_mermaid(l1, show_params=True, show_macs=True)
    for count in ("11.8M params", "1.3B MACs", "672 params", "8.13M MACs"):
        assert count in text and count in mermaid
    hidden = render_dot(l1, MermaidOptions(depth=6, hide=("BatchNorm2d", "ReLU")))
    assert "BatchNorm2d" not in hidden and "ReLU" not in hidden and "Conv2d" in hidden


@needs_dot
def test_svg_has_the_conv_label_and_its_shapes(l1: Trace) -> None:
    svg = render_picture(render_dot(l1), "svg").decode("utf-8")
    texts = [t.text for t in ElementTree.fromstring(svg).iter(SVG + "text")]
    assert "Conv2d" in texts
    assert "(1,3,224,224) → (1,24,112,112)" in texts


def _weird_trace() -> Trace:
    """A model whose names try every way out of a DOT or HTML label."""
    b = TraceBuilder('net"<b>&amp;</b>\\', "Net")
    key = 'x"];\n evil [label="pwn'
    b.add("blocks", "ModuleDict")
    b.add(f"blocks.{key}", "ModuleDict")
    b.call("", (1, 4), (1, 2))
    b.leaf(f"blocks.{key}.a</FONT>>", "Linear", (1, 4), (1, 2))
    b.leaf(f"blocks.{key}.b", "Weird<BR/>Class", (1, 2), (1, 2))
    return b.build([(1, 4)], [(1, 2)])


@needs_dot
def test_any_module_name_is_escaped() -> None:
    trace = _weird_trace()
    text = render_dot(trace, MermaidOptions(depth=4))
    assert not re.search(r"^\s*evil", text, re.M)
    root = _svg(text)
    clusters = _drawn(root, "cluster")
    assert clusters["cluster_m0"] == 'net"<b>&amp;</b>\\'
    assert clusters["cluster_m2"] == 'x"];\\x0a evil [label="pwn'
    assert _drawn(root, "node")["m4"] == "Weird<BR/>Class"
    # Only the drawn ids name nodes: nothing the names said became a node.
    assert sorted(_drawn(root, "node")) == ["input", "m3", "m4", "output"]


def test_escape_html_label() -> None:
    assert escape_html_label("<a href='x'>&</a>") == "&lt;a href='x'&gt;&amp;&lt;/a&gt;"
    assert escape_html_label('"\t\x7f\u2028') == "&quot;\\x09\\x7f\\u2028"
    assert escape_html_label("Conv2d → ü") == "Conv2d → ü"


@needs_dot
def test_a_partial_trace_draws_the_failing_node_red_with_an_error_node() -> None:
    b = TraceBuilder("net", "Net")
    b.call("", (1, 4), (1, 2))
    b.leaf("fc", "Linear", (1, 4), (1, 8))
    b.add("head", "LayerNorm")
    trace = b.build([(1, 4)], [])
    trace.error = TraceError("head", "expected 4 features, got 8 " + "and a long explanation " * 5, [(1, 8)])
    text = render_dot(trace)
    assert f'm2 [label=<LayerNorm>, fillcolor="{ERROR_COLOURS[0]}", color="{ERROR_COLOURS[1]}"];' in text
    assert "m1 -> error;" in text and "output" not in text  # head never ran: the pass stops after fc
    nodes = _drawn(_svg(text), "node")
    assert nodes["error"].startswith("Error in head | expected 4 features, got 8")


@needs_dot
@pytest.mark.parametrize(("suffix", "magic"), [(".svg", b"<?xml"), (".png", b"\x89PNG"), (".pdf", b"%PDF")])
def test_cli_writes_pictures_by_suffix(capsys, tmp_path: Path, suffix: str, magic: bytes) -> None:
    target = tmp_path / f"l1{suffix}"
    assert main(["efficientformer_l1", "-o", str(target)]) == 0
    assert capsys.readouterr() == ("", "")
    assert target.read_bytes().startswith(magic)


def test_cli_text_suffixes_and_format_dot(capsys, tmp_path: Path, l1: Trace) -> None:
    assert main(["efficientformer_l1", "--format", "dot"]) == 0
    assert capsys.readouterr().out == render_dot(l1)
    for name, start in (("l1.dot", "digraph G {"), ("l1.txt", "efficientformer_l1: input (1,3,224,224)")):
        assert main(["efficientformer_l1", "-o", str(tmp_path / name)]) == 0
        assert (tmp_path / name).read_text(encoding="utf-8").startswith(start)
    code = main(["efficientformer_l1", "--format", "json", "-o", str(tmp_path / "l1.svg")])
    err = capsys.readouterr().err
    assert code == 2 and "--format json does not match -o" in err and err.count("\n") == 1


def test_missing_dot_is_a_one_line_error_saying_how_to_install(capsys, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(viz.export.shutil, "which", lambda name: None)
    with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz"):
        render_picture("digraph G {}", "svg")
    target = tmp_path / "l1.svg"
    assert main(["efficientformer_l1", "-o", str(target)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and not target.exists()
    assert err.startswith(f"lucid-viz: error: cannot write {target}: Graphviz's `dot` program was not found")
    assert "sudo apt-get install graphviz" in err and "--format dot" in err
    # The DOT text itself needs no Graphviz.
    assert main(["efficientformer_l1", "--format", "dot"]) == 0
    assert capsys.readouterr().out.startswith("digraph G {")


def test_dot_vanishing_after_the_check_is_the_same_error(monkeypatch) -> None:
    import graphviz

    def gone(*args: object, **kwargs: object) -> bytes:
        raise graphviz.ExecutableNotFound(["dot", "-Tsvg"])

    monkeypatch.setattr(graphviz.Source, "pipe", gone)
    with pytest.raises(GraphvizNotFoundError, match="brew install graphviz"):
        render_picture("digraph G {}", "png")


def test_missing_dot_on_path_in_a_real_process(tmp_path: Path) -> None:
    saved = tmp_path / "t.json"
    b = TraceBuilder("net", "Net")
    b.call("", (1, 4), (1, 2))
    b.leaf("fc", "Linear", (1, 4), (1, 2))
    saved.write_text(b.build([(1, 4)], [(1, 2)]).to_json(), encoding="utf-8")
    env = {**os.environ, "PATH": str(tmp_path)}  # a PATH with no dot on it
    run = [sys.executable, "-m", "viz", str(saved)]
    failed = subprocess.run([*run, "-o", str(tmp_path / "t.png")], capture_output=True, text=True, env=env)
    assert failed.returncode == 2 and failed.stdout == ""
    assert failed.stderr.count("\n") == 1 and "Install it" in failed.stderr
    printed = subprocess.run([*run, "--format", "dot"], capture_output=True, text=True, env=env)
    assert printed.returncode == 0 and "fc" not in printed.stdout and "m1 [label=<Linear" in printed.stdout


def test_export_rejects_a_suffix_it_cannot_name(l1: Trace, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"'chart\.gif'.*\.svg"):
        export(l1, tmp_path / "chart.gif")
    with pytest.raises(ValueError, match="dpi must be a positive int"):
        render_dot(l1, dpi=0)
