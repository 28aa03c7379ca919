"""The Trace IR: exact, deterministic JSON round-trip and clear errors for malformed traces."""

from __future__ import annotations

import json

import pytest
from viz_builders import TraceBuilder, efficientformer_l1_trace

from viz.ir import Trace, TraceError, collect_shapes


def test_json_round_trip_is_exact_and_deterministic() -> None:
    trace = efficientformer_l1_trace()
    text = trace.to_json()
    back = Trace.from_json(text)
    assert back == trace
    assert back.to_json() == text
    assert efficientformer_l1_trace().to_json() == text
    # Shapes come back as tuples, so renderers can compare them with the live trace's.
    assert back.calls[2].output_shapes == [(1, 24, 112, 112)]


def test_json_keeps_errors_multiple_tensors_and_unusual_names() -> None:
    b = TraceBuilder('odd "name" ü', "Net")
    b.add("heads", "ModuleDict")
    b.add('heads.a"]; x', "Linear", params=12)
    b.call("", [(2, 4), (2, 4)], [(2, 3), ()])
    b.call('heads.a"]; x', [(2, 4)], [(2, 3)])
    trace = b.build([(2, 4), (2, 4)], [(2, 3), ()])
    trace.error = TraceError('heads.a"]; x', "boom\nline two", [(2, 4)])
    back = Trace.from_json(trace.to_json())
    assert back == trace
    assert back.output_shapes == [(2, 3), ()]


def test_module_order_and_never_called_modules_survive() -> None:
    b = TraceBuilder("net", "Net")
    b.leaf("b", "ReLU", (1, 2), (1, 2))
    b.add("a", "Linear", params=6)  # registered, never called
    trace = Trace.from_json(b.build([(1, 2)], [(1, 2)]).to_json())
    assert [m.path for m in trace.modules] == ["", "b", "a"]
    assert trace.modules[0].children == ["b", "a"]
    assert [c.path for c in trace.calls] == ["b"]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.pop("calls"), "missing field 'calls'"),
        (lambda d: d["modules"][1].update(own_params=True), r"modules\[1\]\.own_params: expected int"),
        (lambda d: d["calls"][0].update(input_shapes=[[1, "2"]]), r"calls\[0\]\.input_shapes\[0\]"),
        (lambda d: d["modules"][0]["children"].append("ghost"), "child 'ghost'"),
        (lambda d: d["calls"][0].update(path="ghost"), "unknown module 'ghost'"),
        (lambda d: d["calls"][0].update(index=5), "index 5"),
        (lambda d: d.update(version=99), "version 99"),
        (lambda d: d.update(format="other"), "'format'"),
        (lambda d: d["modules"].append(dict(d["modules"][1])), "appears twice"),
        (lambda d: d["modules"][0]["children"].append("fc"), "more than one parent"),
        (lambda d: d["modules"].append({**d["modules"][1], "path": "x", "children": ["x"]}), "not reachable"),
        (lambda d: d["modules"].append({**d["modules"][1], "path": "x", "children": []}), "not reachable"),
    ],
)
def test_from_json_rejects_malformed_traces(edit, message: str) -> None:
    b = TraceBuilder("net", "Net")
    b.leaf("fc", "Linear", (1, 2), (1, 3), params=9)
    data = json.loads(b.build([(1, 2)], [(1, 3)]).to_json())
    edit(data)
    with pytest.raises(ValueError, match=message):
        Trace.from_json(json.dumps(data))


def test_from_json_rejects_text_that_is_not_json() -> None:
    with pytest.raises(ValueError, match="does not parse"):
        Trace.from_json("{not json")


def test_walk_is_pre_order_with_depths_and_handles_deep_trees() -> None:
    b = TraceBuilder("deep", "Net")
    path = ""
    for _ in range(3000):  # deeper than Python's recursion limit
        path = f"{path}.0" if path else "0"
        b.add(path, "Sequential")
    trace = b.build([], [])
    walked = list(trace.walk())
    assert [d for _, d in walked[:3]] == [0, 1, 2]
    assert walked[-1][1] == 3000


def test_collect_shapes_flattens_nested_containers_in_order() -> None:
    def shape_of(value: object) -> tuple[int, ...] | None:
        return value.shape if isinstance(value, _FakeTensor) else None

    value = ({"b": _FakeTensor((1, 2)), "a": [_FakeTensor((3,)), "text", None]}, _FakeTensor(()))
    assert collect_shapes(value, shape_of) == [(1, 2), (3,), ()]
    assert collect_shapes(_FakeTensor((4, 5)), shape_of) == [(4, 5)]
    assert collect_shapes(None, shape_of) == []


class _FakeTensor:
    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape
