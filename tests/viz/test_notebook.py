"""Traces and summaries in Jupyter: the chart as a ```mermaid block, the summary as an HTML table, in a real kernel.

The kernel test runs a notebook as a user would write it (nbclient, the venv's own ipykernel); the others call the
display methods directly, the way Jupyter does.
"""

from __future__ import annotations

import ast
import re
import sys
import warnings
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from viz_builders import TraceBuilder

import lucid
import viz
from lucid import nn
from viz.ir import Trace, TraceError
from viz.render.mermaid import MAX_EDGES, MermaidOptions, mermaid_chart
from viz.summary import summarise_trace

VIZ = Path(viz.__file__).resolve().parent


def small_trace() -> Trace:
    b = TraceBuilder("tiny_net", "TinyNet")
    b.call("", (1, 8), (1, 2))
    b.leaf("fc1", "Linear", (1, 8), (1, 16), params=144)
    b.leaf("act", "ReLU", (1, 16), (1, 16))
    b.leaf("fc2", "Linear", (1, 16), (1, 2), params=34)
    return b.build([(1, 8)], [(1, 2)])


def test_a_trace_displays_as_a_colour_safe_mermaid_block() -> None:
    trace = small_trace()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        markdown = trace._repr_markdown_()
    assert markdown == "```mermaid\n" + viz.mermaid(trace, colour_safe=True) + "```\n"
    assert markdown.splitlines()[2] == "flowchart LR"
    # mermaid 11 keeps a span's colour only when `color:` is the last property.
    colours = re.findall(r"<span style='([^']*color:[^']*)'>", markdown)
    assert colours, "the shape text should be coloured"
    assert all(re.fullmatch(r".*;color:#[0-9a-fA-F]{6}", style) for style in colours), colours


def test_a_traced_sequential_displays_its_layers() -> None:
    model = nn.Sequential(nn.Linear(8, 16), nn.GELU(), nn.Linear(16, 4))
    trace = viz.trace(model, (2, 8))
    markdown = trace._repr_markdown_()
    assert markdown.startswith("```mermaid\n") and markdown.endswith("\n```\n")
    body = markdown.removeprefix("```mermaid\n").removesuffix("```\n")
    assert body == viz.mermaid(trace, colour_safe=True)
    assert body.count('["Linear<br/>') == 2 and '["GELU' in body
    assert "(2,8)" in body and "(2,4)" in body


def test_plain_repr_is_still_the_dataclass_repr() -> None:
    trace = small_trace()
    assert repr(trace).startswith("Trace(model_name='tiny_net', input_shapes=[(1, 8)]")
    assert "mermaid" not in repr(trace)


def test_without_a_registered_display_jupyter_falls_back_to_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    import viz.ir

    monkeypatch.setattr(viz.ir, "_markdown_display", None)
    assert small_trace()._repr_markdown_() is None


def long_chain(layers: int) -> Trace:
    # Alternating classes, so the chain does not fold into one `x N` node.
    b = TraceBuilder("chain", "Net")
    b.add("body", "Sequential")
    b.call("", (1, 8), (1, 8))
    b.call("body", (1, 8), (1, 8))
    for i in range(layers):
        b.leaf(f"body.{i}", "Linear" if i % 2 else "ReLU", (1, 8), (1, 8))
    return b.build([(1, 8)], [(1, 8)])


def test_an_oversized_chart_is_drawn_at_a_depth_that_fits_without_warnings() -> None:
    trace = long_chain(MAX_EDGES + 10)
    assert mermaid_chart(trace, MermaidOptions(colour_safe=True)).warnings  # depth 3 is over the limit
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a MermaidLimitWarning would be an exception here
        markdown = trace._repr_markdown_()
    end = markdown.index("\n```\n") + len("\n```\n")
    block, note = markdown[:end], markdown[end:]
    depth_1 = mermaid_chart(trace, MermaidOptions(depth=1, colour_safe=True))
    assert depth_1.warnings == []
    assert block == "```mermaid\n" + depth_1.text + "```\n"
    assert note.startswith("\n*Drawn at depth 1: at depth 3 the chart has ") and note.endswith("*\n")
    assert f"{MAX_EDGES + 11} edges" in note  # 510 layers, 511 edges and "viz.mermaid(trace, depth=3)" in note


def test_a_chart_too_big_even_at_depth_0_says_so() -> None:
    trace = small_trace()
    trace.error = TraceError("fc2", "x" * 60_000, [(1, 16)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        markdown = trace._repr_markdown_()
    assert markdown.startswith("```mermaid\n")
    assert "Even at depth 0 the chart has " in markdown
    assert "maxTextSize" in markdown and markdown.endswith("*\n")
    assert "x" * 60_000 in markdown  # the depth-0 chart is still there for a viewer with higher limits


class Gate(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Linear(4, 4)

    def forward(self, x: lucid.Tensor) -> lucid.Tensor:
        return self.proj(x).sigmoid() * x


# Generated classes can carry markup characters in their names; the table must show them as text.
Gate.__name__ = "Gate<T & 'U'>"


def footer_totals(table: ElementTree.Element) -> dict[str | None, str | None]:
    """The footer's `key: value` rows (the MACs note, one cell wide, has no key)."""
    rows = table.find("tfoot").iter("tr")
    return {tr.findtext("th"): tr.findtext("td") for tr in rows if tr.find("th") is not None}


def test_summary_html_is_a_table_with_every_name_escaped() -> None:
    model = nn.Sequential(Gate(), nn.Linear(4, 2))
    s = viz.summary(model, (3, 4), depth=2)
    page = s._repr_html_()
    assert "Gate<" not in page and "Gate&lt;T &amp; &#x27;U&#x27;&gt;" in page
    table = ElementTree.fromstring(page)  # escaping broken anywhere would make this fail to parse
    assert table.tag == "table"
    assert table.findtext("caption") == "Sequential: input (3,4), depth 2"
    assert [th.text for th in table.iter("th")][:5] == ["Module", "Class", "Output shape", "Params", "MACs"]
    rows = [[td.text for td in tr.iter("td")] for tr in table.find("tbody").iter("tr")]
    assert rows == [
        ["Sequential", "Sequential", "(3,2)", "30", "72"],
        ["0", "Gate<T & 'U'>", "(3,4)", "20", "48"],
        ["0.proj", "Linear", "(3,4)", "20", "48"],
        ["1", "Linear", "(3,2)", "10", "24"],
    ]
    totals = footer_totals(table)
    assert totals["Total params"] == "30"
    assert totals["Trainable params"] == "30"
    assert totals["Non-trainable params"] == "0"
    assert totals["Total MACs"] == "72 (0.00 G)"
    assert totals["Output"] == "(3,2)"


def test_summary_html_of_a_failed_trace_names_the_failure() -> None:
    trace = small_trace()
    trace.error = TraceError("fc2", "expected <16> features", [(1, 16)])
    table = ElementTree.fromstring(summarise_trace(trace)._repr_html_())
    totals = footer_totals(table)
    assert totals["Failed"] == "fc2: expected <16> features"
    assert totals["Output"] == "--"


def test_summary_markdown_is_the_text_table_fenced() -> None:
    s = summarise_trace(small_trace(), depth=1)
    assert s._repr_markdown_() == "```text\n" + str(s) + "```\n"
    # A class name with a backtick run gets a longer fence, so it cannot end the block.
    b = TraceBuilder("ticks", "Odd```Name")
    b.call("", (1,), (1,))
    odd = summarise_trace(b.build([(1,)], [(1,)]))
    markdown = odd._repr_markdown_()
    assert markdown.startswith("````text\n") and markdown.endswith("\n````\n")
    assert "Odd```Name" in markdown


def _runtime_imports(module: str) -> set[str]:
    """The viz modules `module` imports when run, function-level imports included, TYPE_CHECKING blocks not."""
    path = VIZ.joinpath(*module.split(".")[1:])
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING")
        for inner in ast.walk(node)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name.startswith("viz.") and _is_module(name)}


def _is_module(name: str) -> bool:
    path = VIZ.joinpath(*name.split(".")[1:])
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


@pytest.mark.parametrize("module", ["viz.ir", "viz.notebook", "viz.summary", "viz.render.summary"])
def test_the_display_code_adds_no_import_cycle(module: str) -> None:
    reached: set[str] = set()
    stack = sorted(_runtime_imports(module))
    while stack:
        name = stack.pop()
        if name not in reached:
            reached.add(name)
            stack.extend(_runtime_imports(name))
    assert module not in reached, f"{module} imports itself back through {sorted(reached)}"
    if module == "viz.ir":
        assert not {m for m in reached if m.startswith(("viz.render", "viz.passes", "viz.notebook"))}


def test_a_notebook_shows_the_chart_and_the_summary(tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    from jupyter_client.kernelspec import KernelSpecManager

    # The `python3` kernel must be this venv's Python (its spec's bare "python" is replaced by sys.executable).
    spec = KernelSpecManager().get_kernel_spec("python3")
    assert spec.argv[0] in ("python", sys.executable), spec.argv
    cells = [
        "import sys\nprint(sys.prefix)",
        "import viz, lucid.models",
        "t = viz.trace_shapes(lucid.models.efficientformer_l1)",
        "t",
        "viz.summary(t, depth=1)",
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    nbclient.NotebookClient(
        notebook, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    outputs = [cell.outputs for cell in notebook.cells]
    assert outputs[0][0]["text"].strip() == sys.prefix
    for cell_outputs in outputs[1:]:
        # No stderr stream: a leaked warning (MermaidLimitWarning or any other) would show up there.
        assert [o for o in cell_outputs if o["output_type"] == "stream"] == []
    chart = outputs[3][0]["data"]["text/markdown"]
    assert chart.startswith("```mermaid\n") and chart.endswith("```\n")
    assert "flowchart LR" in chart and 'subgraph sg_m1["stem' in chart
    table = outputs[4][0]["data"]["text/html"]
    assert table.startswith("<table") and "efficientformer_l1: input (1,3,224,224), depth 1" in table
    assert '<th colspan="2" style="text-align:left">Total params</th>' in table and "11,840,928" in table
    assert outputs[4][0]["data"]["text/markdown"].startswith("```text\nefficientformer_l1")
