"""What folds into `Class x N` when the edges follow the data (pure chains only; layers only with equal shapes),
and that every chart is a DAG apart from folded groups' loops.

Every chart is compared edge for edge with the set derived by hand from the model's forward (what truly feeds
what), by readable names (see chart_edges.py); `draw` also checks that it is a well-formed DAG apart from folded
groups' loops.
"""

from __future__ import annotations

import pytest
from chart_edges import (
    MODELS,
    Chart,
    assert_well_formed_dag,
    chain,
    draw,
    find_cycle,
    loop_edges,
    prefixed,
    traced,
)

import viz
from viz import Trace


@pytest.fixture(scope="module")
def efficientformer_l1() -> Trace:
    return viz.trace_shapes("efficientformer_l1")


# --- 8. Folding ----------------------------------------------------------------------------------------------------


def test_a_pure_chain_of_blocks_folds_into_one_box() -> None:
    chart = draw(traced("chain"), depth=2)
    assert chart.title("blocks.0") == "ResidualMLPBlock x 3"
    assert chart.edges == chain("input", "embed", "blocks.0", "head", "output")


def test_a_pure_chain_of_blocks_folds_with_ports_when_its_layers_are_drawn() -> None:
    chart = draw(traced("chain"), depth=3)
    group = "blocks.0"
    assert chart.title(group) == "ResidualMLPBlock x 3"
    first_member = chain("norm", "fc1", "act", "fc2")
    expected = {("input", "embed"), ("embed", f"{group}.norm"), ("embed", "op0")}
    expected |= {(f"{group}.{s}", f"{group}.{t}") for s, t in first_member} | {(f"{group}.fc2", "op0")}
    expected |= {(f"{group}:in", f"{group}.norm"), (f"{group}:in", "op0")}
    # The first member's add feeds the second member (through :in) and is the group's output; the loop
    # :out -> :in takes the second member's output to the third.
    expected |= {("op0", f"{group}:in"), ("op0", f"{group}:out"), (f"{group}:out", f"{group}:in")}
    expected |= chain(f"{group}:out", "head", "output")
    assert chart.edges == expected
    assert chart.ops == {"op0": ("add", group)}


def test_a_chain_whose_first_output_is_used_again_does_not_fold_it() -> None:
    chart = draw(traced("long_skip"), depth=2)
    # blocks.0's output also goes to the final add: it stays apart. blocks.1 -> blocks.2 is still a pure chain
    # (blocks.1's output goes only to blocks.2), so those two fold.
    assert chart.title("blocks.0") == "ResidualMLPBlock"
    assert chart.title("blocks.1") == "ResidualMLPBlock x 2"
    assert chart.edges == chain("input", "embed", "blocks.0", "blocks.1", "op0", "head", "output") | {
        ("blocks.0", "op0")
    }
    assert chart.ops == {"op0": ("add", "<model>")}


def test_a_chain_whose_first_output_is_used_again_with_the_layers_drawn() -> None:
    chart = draw(traced("long_skip"), depth=3)
    b0, b1 = "blocks.0", "blocks.1"
    expected = chain("input", "embed", *prefixed(b0, "norm", "fc1", "act", "fc2"), "op0") | {("embed", "op0")}
    expected |= chain("op0", *prefixed(b1, "norm", "fc1", "act", "fc2"), "op1") | {("op0", "op1")}
    expected |= {(f"{b1}:in", f"{b1}.norm"), (f"{b1}:in", "op1"), ("op1", f"{b1}:in"), ("op1", f"{b1}:out")}
    expected |= chain(f"{b1}:out", "op2", "head", "output") | {("op0", "op2")}  # op2: the long skip's add
    assert chart.edges == expected
    assert chart.ops == {"op0": ("add", b0), "op1": ("add", b1), "op2": ("add", "<model>")}


def test_a_pure_chain_still_folds_when_its_container_is_hidden() -> None:
    # With the Sequential hidden, the three blocks are the model's own children: the same pure chain.
    chart = draw(traced("chain"), depth=1, hide=["Sequential"])
    assert chart.title("blocks.0") == "ResidualMLPBlock x 3"
    assert chart.edges == chain("input", "embed", "blocks.0", "head", "output")


def test_efficientformer_stages_still_fold_their_blocks_with_sequential_hidden(efficientformer_l1: Trace) -> None:
    # What the chart showed before data edges: each stage's blocks folded (L1 has 3, 2, 6 and 4 blocks per
    # stage; the last stage's fourth block is a different class).
    chart = draw(efficientformer_l1, depth=3, hide=["Sequential"])
    # At depth 3 each block's children are drawn, so the folded runs are subgraphs (with ports).
    folded = sorted(lines[0] for lines in chart.lines.values() if " x " in lines[0])
    assert folded == ["_MetaBlock2d x 2", "_MetaBlock2d x 3", "_MetaBlock2d x 3", "_MetaBlock2d x 6"]


def test_an_mlp_whose_widths_change_does_not_fold() -> None:
    chart = draw(traced("widening_mlp"), depth=1)
    assert [chart.title(name) for name in ("0", "1", "2")] == ["Linear"] * 3
    assert chart.edges == chain("input", "0", "1", "2", "output")


def test_an_mlp_of_equal_layers_folds() -> None:
    # The control for the test above: the same chain with equal shapes does fold.
    chart = draw(traced("square_mlp"), depth=1)
    assert chart.title("0") == "Linear x 3"
    assert chart.edges == chain("input", "0", "output")


def test_a_module_shared_with_the_blocks_is_drawn_where_its_calls_run() -> None:
    chart = draw(traced("shared_module_in_blocks"), depth=3)
    # Each call of the one GELU gets its own drawing; the ones inside the blocks sit between their fc1 and fc2.
    expected = chain("input", "stem", "act", "blocks.0.fc1", "act#2", "blocks.0.fc2", "op0") | {("act", "op0")}
    expected |= chain("op0", "blocks.1.fc1", "act#3", "blocks.1.fc2", "op1") | {("op0", "op1")}
    expected |= chain("op1", "act#4", "head", "output")
    assert chart.edges == expected


@pytest.mark.parametrize("depth", [1, 2])
def test_a_module_shared_with_the_blocks_keeps_the_chart_acyclic(depth: int) -> None:
    chart = draw(traced("shared_module_in_blocks"), depth=depth)  # draw() checks for cycles
    # The GELU calls inside the blocks are the blocks' own work once the blocks are boxes.
    blocks = ["blocks"] if depth == 1 else ["blocks.0", "blocks.1"]
    assert chart.edges == chain("input", "stem", "act", *blocks, "act#2", "head", "output")


# --- 9. Every chart is a DAG apart from folded groups' loops ------------------------------------------------------


@pytest.mark.parametrize("depth", [3, 4, 5, 6])
def test_efficientformer_l1_charts_are_acyclic(efficientformer_l1: Trace, depth: int) -> None:
    chart = draw(efficientformer_l1, depth=depth)  # draw() checks it
    assert len(chart.raw_edges) > 15


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("depth", [0, 1, 2, 3, 4, 5])
def test_every_model_at_every_depth_is_acyclic(name: str, depth: int) -> None:
    for collapse in (True, False):
        draw(traced(name), depth=depth, collapse_repeats=collapse)
        draw(traced(name), depth=depth, collapse_repeats=collapse, show_shapes=True)


def test_the_cycle_check_finds_a_cycle() -> None:
    # The check itself can fail: a back edge into an earlier node is a cycle, a folded group's loop is not.
    assert find_cycle({"a", "b", "c"}, {("a", "b"), ("b", "c"), ("c", "a")}) == ["a", "b", "c", "a"]
    assert find_cycle({"a", "b", "c"}, {("a", "b"), ("b", "c"), ("a", "c")}) is None
    chart = draw(traced("chain"), depth=3)
    loops = loop_edges(chart)
    assert {(chart.names[s], chart.names[t]) for s, t in loops} == {
        ("op0", "blocks.0:in"),
        ("blocks.0:out", "blocks.0:in"),
    }
    assert find_cycle(set(chart.kinds), chart.raw_edges) is not None
    broken = Chart.parse(chart.text + "m5 --> m4;\n", chart.tree)  # fc1 -> norm: into an earlier call
    with pytest.raises(AssertionError, match="cycle"):
        assert_well_formed_dag(broken)
    misspelt = Chart.parse(chart.text + "m4 --> m99;\n", chart.tree)
    with pytest.raises(AssertionError, match="undeclared"):
        assert_well_formed_dag(misspelt)
