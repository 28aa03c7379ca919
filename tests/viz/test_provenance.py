"""Where each tensor came from, as the trace records it: sources, merges, ports, and the trace's JSON."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

import lucid
import viz
from lucid import Tensor, nn
from viz.ir import Merge, Port, Trace


class Residual(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.act = nn.ReLU()

    def forward(self, x: Tensor) -> Tensor:
        return self.act(x + self.fc(x).reshape(1, 4) * 2.0)


def _paths(trace: Trace) -> dict[str, int]:
    return {call.path: call.index for call in trace.calls}


def test_calls_record_their_parent_and_where_each_input_came_from() -> None:
    trace = viz.trace(Residual(), (1, 4))
    calls = _paths(trace)
    assert trace.provenance
    assert trace.calls[calls["fc"]].parent == calls[""]
    assert trace.calls[calls["fc"]].sources == [("input", 0, 0)]
    # The reshape and the scaling by a constant have one traced input: the add sees fc's output, not a new source.
    (merge,) = trace.merges
    assert (merge.name, merge.call, merge.after_calls) == ("add", calls[""], 2)
    assert merge.sources == [("input", 0, 0), ("call", calls["fc"], 0)]
    assert trace.calls[calls["act"]].sources == [("op", 0, 0)]
    # The root returned what its ReLU made; the model's output is the root call's output.
    assert trace.calls[calls[""]].returned == [("call", calls["act"], 0)]
    assert trace.outputs == [Port("", [(1, 4)], [("call", calls[""], 0)])]


def test_parameters_and_constants_are_not_sources() -> None:
    class Scaled(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.gamma = nn.Parameter(lucid.ones(4))

        def forward(self, x: Tensor) -> Tensor:
            return x * self.gamma + lucid.zeros(1, 4)

    trace = viz.trace(Scaled(), (1, 4))
    assert trace.merges == []  # one traced input throughout
    assert trace.calls[0].returned == [("input", 0, 0)]


def test_inputs_and_outputs_are_grouped_by_argument_and_by_item() -> None:
    class TwoInOut(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = nn.Linear(3, 2)
            self.b = nn.Linear(5, 2)

        def forward(self, image: Tensor, extra: Tensor, mask: Tensor | None = None) -> dict[str, Tensor]:
            return {"logits": self.a(image), "value": self.b(extra) * mask}

    trace = viz.trace(TwoInOut(), inputs=(lucid.ones(1, 3), lucid.ones(1, 5)), mask=lucid.ones(1, 2))
    assert [(p.name, p.shapes) for p in trace.inputs] == [("0", [(1, 3)]), ("1", [(1, 5)]), ("mask", [(1, 2)])]
    assert trace.input_shapes == [(1, 3), (1, 5), (1, 2)]
    assert [(p.name, p.shapes) for p in trace.outputs] == [("logits", [(1, 2)]), ("value", [(1, 2)])]
    calls = _paths(trace)
    assert trace.calls[calls["b"]].sources == [("input", 1, 0)]
    (merge,) = trace.merges
    assert merge.name == "mul" and merge.sources == [("call", calls["b"], 0), ("input", 2, 0)]


def test_a_call_that_returns_its_input_hands_back_an_alias() -> None:
    # Identity returns the very tensor it got; the caller's other reference must still come from the input.
    class Skip(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.same = nn.Identity()
            self.fc = nn.Linear(4, 4)

        def forward(self, x: Tensor) -> Tensor:
            y = self.same(x)
            assert y is not x and np.shares_memory(y.numpy(), x.numpy())
            return self.fc(x) + y

    trace = viz.trace(Skip(), (1, 4))
    calls = _paths(trace)
    assert trace.calls[calls["fc"]].sources == [("input", 0, 0)]
    assert trace.merges[0].sources == [("call", calls["fc"], 0), ("call", calls["same"], 0)]


def test_tracing_leaves_no_tag_on_the_users_tensors_or_the_model() -> None:
    model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))
    x = lucid.ones(2, 4)
    before = pickle.dumps(model)
    viz.trace(model, inputs=x)
    assert x._origin is None
    assert all(t._origin is None for t in [*model.parameters(), *model.buffers()])
    assert pickle.dumps(model) == before


def test_an_earlier_traces_tags_mean_nothing_to_a_later_one() -> None:
    # A tensor made during one trace and kept by the model is a constant to the next trace, not a producer.
    class Cache(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(4, 4)
            self.kept: Tensor | None = None

        def forward(self, x: Tensor) -> Tensor:
            out = self.fc(x)
            if self.kept is None:
                self.kept = out
            return out + self.kept

    model = Cache()
    first = viz.trace(model, (1, 4))
    assert first.merges == []  # out and kept are the same tensor
    second = viz.trace(model, (1, 4))
    assert second.merges == [] and second.calls[0].returned == [("call", 1, 0)]


def test_shape_only_traces_record_the_same_provenance() -> None:
    real = viz.trace(Residual(), (1, 4))
    meta = viz.trace(Residual(), (1, 4), meta=True)
    assert (meta.calls, meta.merges, meta.inputs, meta.outputs) == (real.calls, real.merges, real.inputs, real.outputs)


def test_json_round_trip_keeps_provenance_and_version_1_files_still_load() -> None:
    trace = viz.trace(Residual(), (1, 4))
    text = trace.to_json()
    assert json.loads(text)["version"] == 2
    assert Trace.from_json(text) == trace
    old = json.loads(text)
    old["version"] = 1
    for key in ("provenance", "inputs", "outputs", "merges"):
        del old[key]
    for call in old["calls"]:
        for key in ("parent", "sources", "returned"):
            del call[key]
    loaded = Trace.from_json(json.dumps(old))
    assert not loaded.provenance and loaded.merges == [] and loaded.calls[1].sources == []
    assert [c.output_shapes for c in loaded.calls] == [c.output_shapes for c in trace.calls]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["calls"][1].update(sources=[["call", 99, 0]]), r"call 1 inputs: source \['call', 99, 0\]"),
        (lambda d: d["calls"][1].update(sources=[["layer", 0, 0]]), r"calls\[1\]\.sources\[0\]: expected null"),
        (lambda d: d["calls"][1].update(sources=[]), r"call 1 inputs: 0 sources for 1 tensors"),
        (lambda d: d["calls"][1].update(parent=5), "call 1 has parent 5"),
        (lambda d: d["merges"][0].update(sources=[["op", 0, 0], None]), r"merge 0: source \['op', 0, 0\]"),
        (lambda d: d["merges"][0].update(call=9), "merge 0 ran in call 9"),
        (lambda d: d["outputs"][0].update(sources=[["input", 3, 0]]), r"output 0: source \['input', 3, 0\]"),
        (lambda d: d["inputs"][0].update(shapes=[[2, 2]]), "input ports' shapes do not add up"),
    ],
)
def test_malformed_provenance_is_refused_naming_the_field(edit: object, message: str) -> None:
    data = json.loads(viz.trace(Residual(), (1, 4)).to_json())
    edit(data)  # type: ignore[operator]
    with pytest.raises(ValueError, match=message):
        Trace.from_json(json.dumps(data))


def test_a_merge_records_its_shapes() -> None:
    class Cat(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = nn.Linear(4, 2)
            self.b = nn.Linear(4, 3)

        def forward(self, x: Tensor) -> Tensor:
            return lucid.concatenate([self.a(x), self.b(x)], axis=1)

    (merge,) = viz.trace(Cat(), (2, 4)).merges
    assert merge == Merge(0, "concatenate", 0, [(2, 2), (2, 3)], [(2, 5)], [("call", 1, 0), ("call", 2, 0)], 3)
