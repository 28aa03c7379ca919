"""Call-order edges and shapes everywhere on request, and models that do unusual things: return no tensor, write
in place, make tensors inside forward, leave an output unused, fail, or come back from JSON (version 2 and 1).

Every chart is compared edge for edge with the set derived by hand from the model's forward (what truly feeds
what), by readable names (see chart_edges.py); `draw` also checks that it is a well-formed DAG apart from folded
groups' loops.
"""

from __future__ import annotations

import json

import dataflow_models as models
import pytest
from chart_edges import (
    MODELS,
    chain,
    draw,
    prefixed,
    traced,
)

import viz
from viz import Trace

# --- 10. Call-order edges and shapes everywhere --------------------------------------------------------------------


def test_call_order_edges_join_the_calls_in_the_order_they_ran() -> None:
    trace = traced("identity_block")
    chart = draw(trace, depth=1, edges="calls")
    # conv1, bn1, relu, conv2, bn2, relu: the relu is one node entered twice, and the add is not drawn.
    order = [chart.names[f"m{n}"] for n in (1, 2, 3, 4, 5, 3)]
    assert [trace.calls[i].path for i in range(1, 7)] == ["conv1", "bn1", "relu", "conv2", "bn2", "relu"]
    assert chart.edges == chain("input", *order, "output")
    assert chart.ops == {} and "relu#2" not in chart.ids
    assert chart.dashed == {("m2", "m3"), ("m5", "m3")}  # the relu is entered from two places


def test_call_order_edges_of_the_unet_are_a_chain_without_skips() -> None:
    chart = draw(traced("unet"), depth=2, edges="calls")
    order = ["encoders.0", "encoders.1", "encoders.2", "ups.0", "decoders.0", "ups.1", "decoders.1", "head"]
    assert chart.edges == chain("input", *order, "output")


def test_show_shapes_writes_shapes_on_every_leaf_and_on_merges() -> None:
    chart = draw(traced("projection_block"), depth=1, show_shapes=True)
    same = "(1,16,4,4) → (1,16,4,4)"
    assert {name: chart.shapes(name) for name in chart.ids if name.startswith(("conv", "bn", "relu", "down"))} == {
        "conv1": "(1,8,8,8) → (1,16,4,4)",
        "bn1": same,
        "relu": same,
        "relu#2": same,
        "conv2": same,
        "bn2": same,
        "downsample": "(1,8,8,8) → (1,16,4,4)",
    }
    assert chart.lines["op0"] == ["add", "(1,16,4,4)"]
    # Without the option a layer that keeps its shape says nothing about it, and neither does the add.
    plain = draw(traced("projection_block"), depth=1)
    assert plain.shapes("bn1") is None and plain.lines["op0"] == ["add"]
    assert plain.shapes("conv1") == "(1,8,8,8) → (1,16,4,4)"


def test_show_shapes_on_the_two_input_merges() -> None:
    chart = draw(traced("actor_critic"), depth=2, show_shapes=True)
    assert chart.lines["op0"] == ["concatenate", "(2,16)"]
    assert chart.lines["op1"] == ["stack", "(2,3,4)"]
    leaves = [name for name, node_id in chart.ids.items() if chart.kinds[node_id] == "box" and "put" not in name]
    assert leaves and all(chart.shapes(name) is not None for name in leaves)


# --- 11. Bad input stays clean -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["returns_float", "returns_none"])
def test_a_forward_returning_no_tensor_draws_an_output_nothing_reaches(name: str) -> None:
    chart = draw(traced(name), depth=1)
    assert chart.edges == {("input", "fc")}
    assert chart.shapes("output") == "[]"  # no tensor came out


def test_a_tuple_output_with_a_float_keeps_the_tensor() -> None:
    chart = draw(traced("returns_tensor_and_float"), depth=1)
    assert chart.edges == chain("input", "fc", "output")
    assert chart.title("output") == "Output 0"


def test_tensors_made_inside_forward_are_constants() -> None:
    chart = draw(traced("made_in_forward"), depth=1)
    assert chart.edges == chain("input", "a", "b", "output")
    assert chart.ops == {}


def test_an_unused_output_ends_at_its_module() -> None:
    chart = draw(traced("unused_output"), depth=1)
    assert chart.edges == {("input", "aux")} | chain("input", "main", "output")


def test_in_place_writes_draw_a_clean_chart() -> None:
    # The chart the tracer can give today: well formed and acyclic (draw checks), every module drawn.
    chart = draw(traced("in_place_writes"), depth=1)
    assert {"left", "left#2", "right", "extra", "head"} <= set(chart.ids)
    draw(traced("in_place_into_activation"), depth=1)


def test_in_place_writes_are_followed() -> None:
    chart = draw(traced("in_place_writes"), depth=1)
    # out[:, :3] = left(x); out[:, 3:] = right(x): head reads both; y = left(x) takes extra(x) into column 0.
    # A write that mixes two producers into one tensor is a merge, drawn like a concatenate: `setitem`.
    assert chart.edges == (
        {("input", "left"), ("input", "right"), ("input", "left#2"), ("input", "extra")}
        | {("left", "op0"), ("right", "op0"), ("op0", "head"), ("left#2", "op1"), ("extra", "op1")}
        | {("head", "op2"), ("op1", "op2"), ("op2", "output")}
    )
    assert [chart.ops[op][0] for op in ("op0", "op1", "op2")] == ["setitem", "setitem", "add"]


def test_an_in_place_write_into_an_activation_is_followed() -> None:
    chart = draw(traced("in_place_into_activation"), depth=1)
    # h = a(x); h[:, 0] = b(x)[:, 0]; c(h): c reads what both a and b produced.
    assert chart.edges == {("input", "a"), ("input", "b"), ("a", "op0"), ("b", "op0"), ("op0", "c"), ("c", "output")}
    assert chart.ops["op0"][0] == "setitem"


def test_a_detached_tensor_still_comes_from_its_module() -> None:
    chart = draw(traced("linear_probe"), depth=1)
    # detach() stops gradients, not data: the head reads the backbone's features.
    assert chart.edges == chain("input", "backbone", "head", "output")


def test_indices_from_argmax_still_come_from_their_module() -> None:
    chart = draw(traced("greedy_step"), depth=1)
    # The embedding looks up the tokens the language-model head chose.
    assert chart.edges == chain("input", "lm_head", "embed", "output")


def test_an_embedding_traces_shape_only() -> None:
    trace = viz.trace(models.GreedyStep(), (2, 5, 8), meta=True)
    assert trace.output_shapes == [(2, 5, 8)]


def test_in_place_writes_trace_shape_only_as_they_do_with_data() -> None:
    # Shape-only, the buffer made by lucid.zeros in forward holds real values and the written value has none: the
    # buffer becomes shape-only too, and the chart is the real forward's.
    shape_only = viz.trace(models.InPlaceWrites(), (2, 4), meta=True)
    real = viz.trace(models.InPlaceWrites(), (2, 4))
    assert draw(shape_only, depth=1).text == draw(real, depth=1).text


def test_a_failing_forward_raises_a_value_error_with_a_drawable_partial_trace() -> None:
    # 15 is odd: the second concatenate joins 14x14 upsampled features with a 15x15 skip.
    with pytest.raises(viz.TracingError) as info:
        viz.trace(models.UNet(), (1, 3, 15, 15), meta=True)
    assert isinstance(info.value, ValueError)
    chart = draw(info.value.partial, depth=2)
    assert ("decoders.0", "ups.1") in chart.edges and ("ups.1", "error") in chart.edges


@pytest.mark.parametrize("name", sorted(MODELS))
def test_a_trace_read_back_from_json_draws_the_same_charts(name: str) -> None:
    trace = traced(name)
    loaded = Trace.from_json(trace.to_json())
    for depth in (1, 2, 3, 4):
        assert viz.mermaid(loaded, depth=depth) == viz.mermaid(trace, depth=depth)


def _as_version_1(trace: Trace) -> Trace:
    """The trace as a version 1 file would hold it: no provenance, no ports, no merges, no call sources."""
    data = json.loads(trace.to_json())
    assert data["version"] == 2
    data["version"] = 1
    for key in ("provenance", "inputs", "outputs", "merges"):
        del data[key]
    for call in data["calls"]:
        for key in ("parent", "sources", "returned"):
            del call[key]
    return Trace.from_json(json.dumps(data))


def test_a_version_1_trace_draws_call_order_edges() -> None:
    trace = traced("identity_block")
    old = _as_version_1(trace)
    assert not old.provenance
    assert viz.mermaid(old, depth=1) == viz.mermaid(trace, depth=1, edges="calls")


def test_a_version_1_trace_of_a_two_input_model_draws_one_input_and_folds_by_shape() -> None:
    chart = draw(_as_version_1(traced("actor_critic")), depth=2, edges="calls")
    # Without sources the heads' parallelism is unknown: three equal Linear calls in a row fold, and the calls
    # are joined in the order they ran, one input box for both tensors.
    assert chart.title("action_heads.0") == "Linear x 3"
    assert chart.edges == chain(
        "input",
        *prefixed("image_encoder", "0", "1", "2", "3"),
        "state_encoder.0",
        "state_encoder.1",
        "fuse",
        "action_heads.0",
        "value_head",
        "output",
    )
    assert chart.shapes("input") == "[(2,3,8,8), (2,6)]"
