"""The Mermaid renderer: the reference chart byte for byte, options, escaping, size limits.

`pytest --update-goldens` rewrites tests/golden/ from the current output (then review the diff).
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest
from viz_builders import TraceBuilder, efficientformer_l1_trace

import viz
from tests.golden_text import check_golden_text, update_requested
from viz import Trace, mermaid
from viz.ir import TraceError
from viz.render.mermaid import MAX_EDGES, MermaidLimitWarning, MermaidOptions, mermaid_chart, render_mermaid

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
# A node line: an id, a bracket, one quoted label with no raw double quote inside, the closing bracket.
NODE_LINE = re.compile(r'^(m\d+(_\d+)?|input\d*|output\d*|error)\["[^"]*"\];$')
SUBGRAPH_LINE = re.compile(r'^subgraph sg_m\d+\["[^"]*"\]$')


def _structure_ok(text: str) -> None:
    """Every line is one of the forms the renderer writes, so no label broke out of its quotes."""
    for line in text.splitlines()[3:]:
        ok = (
            NODE_LINE.match(line)
            or SUBGRAPH_LINE.match(line)
            or line == "end"
            or re.match(r"^style \S+ [^\"<>]*$", line)
            or re.match(r'^m\d+_(in|out)\(\["(Input|Output)"\]\);$', line)
            or re.match(r'^op\d+\(\("[^"]*"\)\);$', line)
            or re.match(r"^\S+ (-->|-\.->) \S+;$", line)
        )
        assert ok, f"unexpected line: {line!r}"


def test_efficientformer_l1_reproduces_the_reference_chart(request: pytest.FixtureRequest) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        text = mermaid(efficientformer_l1_trace())
    check_golden_text(GOLDEN / "efficientformer_l1.mmd", text, update_requested())
    _structure_ok(text)


def test_efficientformer_l1_at_depth_5_draws_each_blocks_residual_adds(request: pytest.FixtureRequest) -> None:
    # One level below the blocks, the data edges show what the call order could not: each meta-block adds its
    # input back after the token mixer and after the MLP (two add circles per block), and the stage's folded blocks
    # pass the sum on through their ports.
    text = mermaid(viz.trace_shapes("efficientformer_l1"), depth=5)
    check_golden_text(GOLDEN / "efficientformer_l1_depth5.mmd", text, update_requested())
    assert text.count('(("add"));') == 10  # 5 folded or single blocks drawn (4D and 3D), 2 adds each
    _structure_ok(text)


def test_a_trace_read_back_from_json_draws_the_same_chart() -> None:
    trace = efficientformer_l1_trace()
    assert render_mermaid(Trace.from_json(trace.to_json())) == render_mermaid(trace)


def test_output_is_deterministic() -> None:
    assert render_mermaid(efficientformer_l1_trace(), depth=4) == render_mermaid(efficientformer_l1_trace(), depth=4)


@pytest.mark.parametrize("depth", [0, 1, 2, 3, 4, 5, 6])
def test_every_depth_gives_a_well_formed_chart(depth: int) -> None:
    text = render_mermaid(efficientformer_l1_trace(), depth=depth)
    _structure_ok(text)
    lines = text.splitlines()
    assert sum(line.startswith("subgraph ") for line in lines) == lines.count("end")
    assert 'input["Input<br/>' in text and "--> output;" in text


def test_depth_1_draws_named_containers_as_leaves_with_their_shapes() -> None:
    lines = render_mermaid(efficientformer_l1_trace(), depth=1).splitlines()
    assert (
        "m1[\"Sequential<br/><span style='font-size:11px;font-weight:400'>(1,3,224,224) → (1,48,56,56)</span>\"];"
        in lines
    )
    assert (
        "m2[\"Sequential<br/><span style='font-size:11px;font-weight:400'>(1,48,56,56) → (1,49,448)</span>\"];" in lines
    )
    # Containers get no style line; the layers do.
    assert not any(line.startswith(("style m1 ", "style m2 ")) for line in lines)
    assert "style m3 fill:#e6fffa,stroke:#2c7a7b,stroke-width:1px;" in lines


def test_depth_4_labels_named_subgraph_containers_by_name_and_leaf_groups_by_class() -> None:
    lines = render_mermaid(efficientformer_l1_trace(), depth=4).splitlines()
    assert lines.count('subgraph sg_m11["blocks"]') == 1
    assert 'm12["_MetaBlock2d x 3"];' in lines
    assert 'm24["_MetaBlock2d x 6"];' in lines
    assert "m31[\"_Flat<br/><span style='font-size:11px;font-weight:400'>(1,448,7,7) → (1,49,448)</span>\"];" in lines
    # Leaf groups repeat without a self-loop; no stadium ports are needed.
    assert "m12 --> m12;" not in lines and not any("_in" in line for line in lines)


def test_direction_tb() -> None:
    lines = render_mermaid(efficientformer_l1_trace(), direction="TB").splitlines()
    assert lines[1] == "flowchart TB"
    assert '"curve":"monotoneY"' in lines[0]
    assert lines[2:] == render_mermaid(efficientformer_l1_trace()).splitlines()[2:]


def test_collapse_repeats_off() -> None:
    text = render_mermaid(efficientformer_l1_trace(), collapse_repeats=False)
    assert " x " not in text and "_in(" not in text
    assert text.count('["_EfficientFormerStage"]') == 4
    assert "m14 --> m16;" in text  # stage 2's downsample follows stage 1's blocks
    _structure_ok(text)


def test_show_params_puts_counts_on_nodes() -> None:
    trace = efficientformer_l1_trace()
    text = render_mermaid(trace, show_params=True)
    params = "<br/><span style='font-size:11px;font-weight:400'>{} params</span>"
    conv1 = "m2[\"Conv2d<br/><span style='font-size:11px;color:#c53030;font-weight:400'>(1,3,224,224) → (1,24,112,112)"
    assert conv1 + "</span>" + params.format(672) + '"];' in text
    assert 'm4["ReLU"];' in text  # no parameters, no count
    total = trace.modules[0].total_params
    assert f'efficientformer_l1</span>{params.format(f"{total / 1e6:.3g}M")}"]' in text
    # A folded group counts all its members.
    groups = sum(m.total_params for m in trace.modules if m.path in ("stages.1", "stages.2", "stages.3"))
    assert f'["_EfficientFormerStage x 3{params.format(f"{groups / 1e6:.3g}M")}"]' in text
    _structure_ok(text)


def test_hidden_classes_take_their_childrens_place() -> None:
    text = render_mermaid(efficientformer_l1_trace(), depth=2, hide=["Sequential"])
    assert '["stem"]' not in text and '["stages"]' not in text
    assert "m6 --> m8;" in text  # stem.act2 -> stage 0's Identity
    _structure_ok(text)


def test_colour_safe_moves_the_colour_last() -> None:
    safe = render_mermaid(efficientformer_l1_trace(), colour_safe=True)
    plain = render_mermaid(efficientformer_l1_trace())
    expected = re.sub(r"color:(#[0-9a-f]{6});font-weight:400'", r"font-weight:400;color:\1'", plain)
    assert safe == expected != plain
    assert "font-size:11px;font-weight:400;color:#c53030'" in safe


@pytest.mark.parametrize(
    "key",
    ['a"]; click m0 "javascript:alert(1)', "<script>alert(1)</script>", "%%{init: {'theme':'dark'}}%%", "x\ny",
     "#quot;", "`**md**`", "a&amp;b"],
)  # fmt: skip
def test_names_cannot_break_out_of_labels(key: str) -> None:
    b = TraceBuilder(f"model {key}", "Net")
    b.add("heads", "ModuleDict")
    b.add(f"heads.{key}", "Sequential")
    b.leaf(f"heads.{key}.0", "ReLU", (1, 4), (1, 4))
    trace = b.build([(1, 4)], [(1, 4)])
    text = render_mermaid(trace, depth=3)
    _structure_ok(text)
    for bad in ("<script", "%%{init: {'", "\ny", "#quot;", "`", "&amp;"):
        assert bad not in text
    assert text.count("\n") == len(text.splitlines())
    if key.startswith('a"'):
        assert '["a#34;]; click m0 #34;javascript:alert(1)"]' in text


def test_labels_use_mermaid_entity_codes() -> None:
    b = TraceBuilder("net", "Net")
    b.add("layers", "ModuleDict")
    b.add("layers.<b>", "Sequential")
    b.leaf("layers.<b>.0", "ReLU", (1,), (1,))
    text = render_mermaid(b.build([(1,)], [(1,)]), depth=3)
    assert 'subgraph sg_m2["#60;b#62;"]' in text


def test_several_tensors_print_as_a_list() -> None:
    b = TraceBuilder("net", "Net")
    b.leaf("cat", "Linear", [(1, 4), (1, 4)], [(1, 8)])
    text = render_mermaid(b.build([(1, 4), (1, 4)], [(1, 8), (1,)]), depth=1)
    assert "[(1,4), (1,4)] → (1,8)" in text
    assert "[(1,8), (1,)]</span>" in text


def test_partial_trace_ends_at_a_red_error_node() -> None:
    trace = efficientformer_l1_trace()
    cut = next(c.index for c in trace.calls if c.path == "stages.3.blocks.4")
    trace.calls = trace.calls[: cut + 1]
    trace.output_shapes = []
    trace.error = TraceError("stages.3.blocks.4.token_mixer", 'expected 49 tokens, got 64 <"bad">', [(1, 64, 448)])
    text = render_mermaid(trace)
    assert "output" not in text
    assert "m12_out --> error;" in text
    assert "style sg_m12 fill:#fff5f5,stroke:#e53e3e,stroke-width:2px" in text
    assert "expected 49 tokens, got 64 #60;#34;bad#34;#62;" in text
    _structure_ok(text)


def _long_chain(n: int) -> Trace:
    b = TraceBuilder("chain", "Net")
    b.add("body", "Sequential")
    b.call("", (1, 8), (1, 8))
    b.call("body", (1, 8), (1, 8))
    for i in range(n):
        b.leaf(f"body.{i}", "Linear" if i % 2 else "ReLU", (1, 8), (1, 8))
    return b.build([(1, 8)], [(1, 8)])


def test_charts_over_mermaids_limits_warn_and_suggest_a_depth() -> None:
    trace = _long_chain(MAX_EDGES + 10)
    chart = mermaid_chart(trace, MermaidOptions(depth=2))
    assert chart.edge_count > MAX_EDGES
    assert len(chart.warnings) == 1
    assert "Use depth=1" in chart.warnings[0]
    with pytest.warns(MermaidLimitWarning, match=r"\d+ edges; Mermaid draws at most 50,000 characters and 500 edges"):
        render_mermaid(trace, depth=2)


def test_charts_over_the_text_limit_warn() -> None:
    b = TraceBuilder("wide", "Net")
    for i in range(450):
        # Alternating classes, so nothing folds.
        b.leaf(f"layer_{i}", "Linear" if i % 2 else "Conv2d", (1, 8), (1, 16 + i), params=1000 + i)
    chart = mermaid_chart(b.build([(1, 8)], [(1, 8)]), MermaidOptions(depth=1, show_params=True))
    assert len(chart.text) > 50_000
    assert "Use depth=0" in chart.warnings[0]


def test_charts_within_limits_do_not_warn() -> None:
    chart = mermaid_chart(_long_chain(MAX_EDGES - 2), MermaidOptions(depth=2))
    assert chart.warnings == []


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"direction": "RL"}, ValueError, "direction must be one of LR, TB"),
        ({"depth": -1}, ValueError, "depth must be an int >= 0"),
        ({"hide": "Sequential"}, TypeError, "collection of class names"),
        ({"hide": [3]}, TypeError, "class names"),
        ({"colour": True}, TypeError, "colour"),
    ],
)
def test_bad_options_are_refused(options: dict, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        render_mermaid(efficientformer_l1_trace(), **options)


def test_mermaid_refuses_an_input_shape_with_a_trace() -> None:
    with pytest.raises(ValueError, match="a Trace already has its shapes"):
        mermaid(efficientformer_l1_trace(), (1, 3, 224, 224))
