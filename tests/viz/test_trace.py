"""viz.trace on real lucid models: what it records, and that tracing leaves the model exactly as it was.

EfficientFormer-L1 is traced once for the module (a fixture); the behaviour tests use small models written here.
The shapes of every call are checked against timm's EfficientFormer run under PyTorch forward hooks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from user_models import Broken, SmallCNN, TupleNet

import lucid
import lucid.models as models
import viz
from lucid import nn
from lucid.nn import hooks
from viz.ir import Trace
from viz.render.palette import ERROR_COLOURS


@pytest.fixture(scope="module")
def l1() -> tuple[nn.Module, Trace]:
    model = models.efficientformer_l1()
    return model, viz.trace(model)


def _snapshot(model: nn.Module) -> dict:
    return {
        "state": {k: (v._data.copy(), v._data.dtype) for k, v in model.state_dict().items()},
        "modes": [(name, m.training) for name, m in model.named_modules()],
        "grads": [p.grad for p in model.parameters()],
        "requires_grad": [p.requires_grad for p in model.parameters()],
    }


def _assert_unchanged(model: nn.Module, before: dict) -> None:
    after = _snapshot(model)
    assert after["state"].keys() == before["state"].keys()
    for key, (data, dtype) in before["state"].items():
        now, now_dtype = after["state"][key]
        assert now_dtype == dtype and np.array_equal(now, data), f"{key} changed"
    assert after["modes"] == before["modes"]
    assert all(g is None for g in after["grads"])
    assert after["requires_grad"] == before["requires_grad"]


def _random_state() -> dict:
    return lucid.random.generator().bit_generator.state


# ---- what is recorded ----------------------------------------------------------------------------------------


def test_module_tree_follows_named_modules(l1) -> None:
    model, trace = l1
    named = list(model.named_modules())
    assert [m.path for m in trace.modules] == [path for path, _ in named]
    by_path = trace.module_map()
    for path, module in named:
        node = by_path[path]
        assert node.class_name == type(module).__name__
        assert node.name == path.rsplit(".", 1)[-1]
        assert node.total_params == sum(p.size for p in module.parameters())
        assert node.children == [f"{path}.{c}" if path else c for c, _ in module.named_children()]
    assert by_path[""].total_params == sum(p.size for p in model.parameters())
    conv = by_path["stem.conv1"]
    assert (conv.family, conv.builtin, conv.own_params) == ("conv", True, 3 * 24 * 9 + 24)
    assert (by_path["stem.norm1"].family, by_path["stages"].family) == ("norm", "container")
    assert by_path["stages"].is_container and not by_path["stages.0"].is_container
    assert (by_path["stages.0"].family, by_path["stages.0"].builtin) == ("user", False)
    assert trace.model_name == "efficientformer_l1"


class _Sharing(nn.Module):
    """Tied weights, a module under two parents and a module under two names of one parent."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Linear(4, 4)
        self.unembed = nn.Linear(4, 4)
        self.unembed.weight = self.embed.weight  # tied, as language models tie their embeddings
        act = nn.ReLU()
        self.left = nn.Sequential(nn.Linear(4, 3), act)
        self.right = nn.Sequential(act, nn.Linear(3, 2), self.embed)
        self.twice = nn.Sequential()
        inner = nn.Linear(2, 2)
        self.twice.add_module("first", inner)
        self.twice.add_module("again", inner)

    def forward(self, x: lucid.Tensor) -> lucid.Tensor:
        return self.unembed(self.embed(x))


def test_shared_modules_and_tied_parameters_are_counted_like_named_modules_and_parameters() -> None:
    model = _Sharing()
    trace = viz.trace(model, (1, 4))
    named = list(model.named_modules())
    assert [m.path for m in trace.modules] == [path for path, _ in named]
    by_path = trace.module_map()
    for path, module in named:
        assert by_path[path].total_params == sum(p.size for p in module.parameters()), path
        walked = {p for p, _ in named}
        expected = [f"{path}.{c}" if path else c for c, _ in module.named_children()]
        assert by_path[path].children == [c for c in expected if c in walked], path
    # The tied weight counts once at the root and in each subtree that reaches it.
    assert by_path[""].total_params == 16 + 4 + 4 + 15 + 8 + 6
    assert by_path["right"].total_params == 8 + 20
    assert by_path["twice"].children == ["twice.first"]


def test_calls_are_numbered_in_the_order_they_start(l1) -> None:
    _, trace = l1
    assert [c.index for c in trace.calls] == list(range(len(trace.calls)))
    root = trace.calls[0]
    assert (root.path, root.input_shapes, root.output_shapes) == ("", [(1, 3, 224, 224)], [(1, 1000)])
    assert trace.input_shapes == [(1, 3, 224, 224)] and trace.output_shapes == [(1, 1000)]
    first = {}
    for call in trace.calls:
        first.setdefault(call.path, call.index)
    # A parent starts before its children; siblings run in forward order.
    assert first[""] < first["stem"] < first["stem.conv1"] < first["stem.norm1"] < first["stem.conv2"]
    assert first["stem.act2"] < first["stages"] < first["stages.0"] < first["stages.3"] < first["norm"]
    assert first["norm"] < first["head_drop"] < first["head"]
    assert trace.error is None


@pytest.mark.torch
def test_every_call_has_timms_shapes(l1) -> None:
    torch = pytest.importorskip("torch")
    timm = pytest.importorskip("timm")
    _, trace = l1
    reference = timm.create_model("efficientformer_l1", pretrained=False).eval()
    names = {module: name for name, module in reference.named_modules()}
    seen: dict[str, list] = defaultdict(list)

    def record(module, inputs, output) -> None:
        seen[names[module]].append(([tuple(inputs[0].shape)], [tuple(output.shape)]))

    handles = [m.register_forward_hook(record) for m in reference.modules()]
    with torch.no_grad():
        reference(torch.zeros(1, 3, 224, 224))
    for handle in handles:
        handle.remove()
    ours: dict[str, list] = defaultdict(list)
    for call in trace.calls:
        ours[call.path].append((call.input_shapes, call.output_shapes))
    # Same paths (timm's names) and the same shapes, call by call; timm alone has a distillation head and an
    # identity norm in its last MLPs.
    assert set(ours) <= set(seen)
    assert {p for p in set(seen) - set(ours) if not (p == "head_dist" or p.endswith("mlp.norm"))} == set()
    for path, calls in ours.items():
        assert calls == seen[path], path


def test_json_round_trip_of_a_real_trace(l1) -> None:
    _, trace = l1
    text = trace.to_json()
    again = Trace.from_json(text)
    assert again == trace
    assert again.to_json() == text


def test_tuple_dict_and_keyword_shapes_are_recorded() -> None:
    trace = viz.trace(TupleNet(), (2, 8), keep=1)
    calls = {c.path: c for c in trace.calls}
    # keep=1 reached forward: the split is 1 + 5 features.
    assert calls["split"].input_shapes == [(2, 8)]
    assert calls["split"].output_shapes == [(2, 1), (2, 5)]
    assert calls["split.proj"].output_shapes == [(2, 6)]
    # b was passed by keyword; the dict and the list inside it are flattened in order.
    assert calls["heads"].input_shapes == [(2, 1), (2, 5)]
    assert calls["heads.act"].output_shapes == [(2, 5)]
    heads_trace = viz.trace(TupleNet(), (2, 8), keep=4)
    heads = next(c for c in heads_trace.calls if c.path == "heads")
    assert heads.input_shapes == [(2, 4), (2, 2)]
    assert heads.output_shapes == [(2, 4), (2, 2), (2, 2)]
    assert heads_trace.output_shapes == [(2, 4), (2, 4), (2, 2), (2, 2)]
    assert heads_trace.calls[0].output_shapes == heads_trace.output_shapes
    assert Trace.from_json(heads_trace.to_json()) == heads_trace


def test_inputs_can_be_given_as_tensors_or_several_shapes() -> None:
    class Add(nn.Module):
        def forward(self, x: lucid.Tensor, y: lucid.Tensor) -> lucid.Tensor:
            return x + y

    by_tensor = viz.trace(Add(), inputs=(lucid.zeros(2, 3), lucid.zeros(1, 3)))
    by_shape = viz.trace(Add(), input_shape=((2, 3), (1, 3)))
    assert by_tensor.input_shapes == by_shape.input_shapes == [(2, 3), (1, 3)]
    assert by_tensor.output_shapes == by_shape.output_shapes == [(2, 3)]
    single = viz.trace(nn.Linear(3, 2), inputs=lucid.zeros(4, 3))
    assert single.output_shapes == [(4, 2)]


def test_a_module_called_twice_has_two_calls_and_tracing_is_deterministic() -> None:
    class Twice(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(3, 3)

        def forward(self, x: lucid.Tensor) -> lucid.Tensor:
            return self.fc(self.fc(x))

    model = Twice()
    trace = viz.trace(model, (1, 3))
    assert [c.path for c in trace.calls] == ["", "fc", "fc"]
    assert viz.trace(model, (1, 3)).to_json() == trace.to_json()


def test_a_child_error_caught_by_its_parent_does_not_shift_later_calls() -> None:
    class Fallback(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.wrong = nn.Linear(3, 4)
            self.right = nn.Linear(4, 4)
            self.out = nn.Linear(4, 2)

        def forward(self, x: lucid.Tensor) -> lucid.Tensor:
            try:
                y = self.wrong(x)
            except ValueError:
                y = self.right(x)
            return self.out(y)

    trace = viz.trace(Fallback(), (1, 4))
    calls = {c.path: c for c in trace.calls}
    assert calls[""].output_shapes == [(1, 2)]
    assert calls["wrong"].output_shapes == []
    assert calls["right"].output_shapes == [(1, 4)] and calls["out"].output_shapes == [(1, 2)]


# ---- the model is left as it was -------------------------------------------------------------------------------


def test_tracing_leaves_a_training_model_bit_identical() -> None:
    model = SmallCNN()
    model.train()
    model.head.eval()  # mixed modes must come back as they were
    bn = model.features[1]
    bn.running_mean._data[...] = np.array([0.1, -0.2, 0.3, 0.4], dtype=np.float32)
    bn.running_var._data[...] = np.array([1.5, 0.5, 2.0, 1.0], dtype=np.float32)
    before = _snapshot(model)
    random_before = _random_state()
    grad_mode = lucid.is_grad_enabled()
    captured = []
    handle = model.head.register_forward_hook(lambda module, args, output: captured.append(output))

    trace = viz.trace(model, (2, 3, 8, 8))

    handle.remove()
    assert trace.output_shapes == [(2, 2)]
    _assert_unchanged(model, before)
    assert _random_state() == random_before
    assert lucid.is_grad_enabled() == grad_mode
    assert hooks.global_forward_hooks == {} and hooks.global_forward_pre_hooks == {}
    # No autograd graph: the recorded output has no creator and needs no gradient.
    (output,) = captured
    assert output._ctx is None and not output.requires_grad
    # The test can fail: an ordinary forward in train mode does move the statistics and draw random numbers.
    model(lucid.randn(2, 3, 8, 8))
    assert not np.array_equal(bn.running_mean._data, before["state"]["features.1.running_mean"][0])
    assert _random_state() != random_before


class _Counter(nn.Module):
    """Counts its calls in a buffer, in place and in any mode (as a step counter or an EMA would)."""

    def __init__(self, steps: lucid.Tensor | None = None) -> None:
        super().__init__()
        self.register_buffer("steps", steps if steps is not None else lucid.zeros(1))

    def forward(self, x: lucid.Tensor) -> lucid.Tensor:
        self.steps._data += 1
        return x


def test_buffers_written_by_the_forward_come_back_as_the_same_arrays() -> None:
    first = _Counter()
    model = nn.Sequential(first, _Counter(first.steps)).eval()  # one buffer, two owners
    array = first.steps._data
    viz.trace(model, (1, 2))
    assert first.steps._data is array and model[1].steps._data is array
    assert array.tolist() == [0.0]
    model(lucid.zeros(1, 2))  # the test can fail: a forward does count
    assert array.tolist() == [2.0]


def test_tracing_leaves_efficientformer_unchanged_in_train_mode() -> None:
    model = models.efficientformer_l1(num_classes=10)
    model.train()
    model.stages[1].eval()
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean._data += 0.25
    before = _snapshot(model)
    random_before = _random_state()
    viz.trace(model)
    _assert_unchanged(model, before)
    assert _random_state() == random_before


# ---- failures --------------------------------------------------------------------------------------------------


def test_a_failing_forward_names_the_module_and_keeps_the_partial_trace() -> None:
    model = Broken()
    model.train()
    before = _snapshot(model)
    random_before = _random_state()
    with pytest.raises(viz.TracingError) as info:
        viz.trace(model, (1, 4))
    message = str(info.value)
    assert message.startswith("seq.2: ") and "last dimension 5" in message and "(input shapes (1,8))" in message
    assert isinstance(info.value, ValueError) and isinstance(info.value.__cause__, ValueError)
    partial = info.value.partial
    assert partial.error is not None
    assert (partial.error.path, partial.error.input_shapes) == ("seq.2", [(1, 8)])
    assert [(c.path, c.output_shapes) for c in partial.calls] == [
        ("", []),
        ("seq", []),
        ("seq.0", [(1, 8)]),
        ("seq.1", [(1, 8)]),
        ("seq.2", []),
    ]
    assert Trace.from_json(partial.to_json()) == partial
    # Everything is put back even though the forward raised.
    assert hooks.global_forward_hooks == {} and hooks.global_forward_pre_hooks == {}
    _assert_unchanged(model, before)
    assert _random_state() == random_before
    assert lucid.is_grad_enabled()


def test_the_partial_chart_marks_the_failing_node_red() -> None:
    with pytest.raises(viz.TracingError) as info:
        viz.trace(Broken(), (1, 4))
    chart = viz.mermaid(info.value.partial)
    fill, stroke = ERROR_COLOURS
    # Pre-order numbering: m0 the model, m1 seq, m2..m4 its layers; seq.2 is m4.
    assert f"style m4 fill:{fill},stroke:{stroke},stroke-width:1px;" in chart
    assert [line for line in chart.splitlines() if f"fill:{fill}" in line and line.startswith("style m")] == [
        f"style m4 fill:{fill},stroke:{stroke},stroke-width:1px;"
    ]
    assert 'error["Error in seq.2<br/>' in chart and "m4 --> error;" in chart
    assert "output[" not in chart
    # The failing call has no output shapes: its label says it failed instead of showing an empty list.
    (failing,) = [line for line in chart.splitlines() if line.startswith("m4[")]
    assert "(1,8) → failed" in failing


def test_an_input_efficientformer_cannot_take_is_named_with_its_shape() -> None:
    with pytest.raises(viz.TracingError) as info:
        viz.trace(models.efficientformer_l1(), (1, 3, 256, 256))
    message = str(info.value)
    assert "stages.3.blocks.4.token_mixer" in message and "7×7 attention grid" in message
    assert message.endswith("(input shapes (1,3,256,256))")
    assert info.value.partial.error is not None
    assert hooks.global_forward_hooks == {} and hooks.global_forward_pre_hooks == {}


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"input_shape": (1, 0, 4)}, ValueError, "positive ints"),
        ({"input_shape": (1, 2.5)}, ValueError, "positive ints"),
        ({"input_shape": ()}, TypeError, "non-empty"),
        ({"input_shape": "1,4"}, TypeError, "tuple of positive ints"),
        ({"input_shape": ((1, 4), 3)}, TypeError, "tuple of shapes"),
        ({"input_shape": (1, 4), "inputs": lucid.zeros(1, 4)}, ValueError, "not both"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        viz.trace(nn.Linear(4, 2), **kwargs)
    assert hooks.global_forward_hooks == {} and hooks.global_forward_pre_hooks == {}


def test_a_model_without_a_default_shape_asks_for_one() -> None:
    with pytest.raises(ValueError, match="input_shape"):
        viz.trace(nn.Linear(4, 2))
    with pytest.raises(TypeError, match=r"nn\.Module"):
        viz.trace(lambda x: x, (1, 4))


def test_user_hooks_still_run_and_the_trace_shows_what_callers_pass_and_get() -> None:
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    ran: list[str] = []
    # A pre-hook that keeps the first 4 features: the caller passes (1, 6), the layer runs on (1, 4).
    model[0].register_forward_pre_hook(lambda mod, args: ran.append("pre") or (args[0][:, :4],))
    # A post-hook that replaces the output with a wider one: the caller receives (1, 3).
    model[2].register_forward_hook(lambda mod, args, out: ran.append("post") or lucid.zeros(1, 3))
    with nn.register_module_forward_hook(lambda mod, args, out: ran.append("global") and None):
        traced = viz.trace(model, (1, 6))
    assert ran.count("pre") == 1 and ran.count("post") == 1 and ran.count("global") == 4
    shapes = {c.path: (c.input_shapes, c.output_shapes) for c in traced.calls}
    # Each call as its caller saw it: the arguments before the module's hooks, the output after them.
    assert shapes["0"] == ([(1, 6)], [(1, 8)])
    assert shapes["2"] == ([(1, 8)], [(1, 3)])
    assert shapes[""] == ([(1, 6)], [(1, 3)]) and traced.output_shapes == [(1, 3)]


def test_trace_restores_and_chains_a_module_call_wrapper_set_before_it() -> None:
    seen: list[str] = []

    def outer(module: nn.Module, call: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
        seen.append(type(module).__name__)
        return call(*args, **kwargs)

    previous = nn.set_module_call_wrapper(outer)
    try:
        viz.trace(SmallCNN(), (1, 3, 8, 8))
        assert seen and seen[0] == "SmallCNN"  # the trace passed every call on to it
        assert nn.set_module_call_wrapper(outer) is outer  # and put it back
        with pytest.raises(viz.TracingError):
            viz.trace(Broken(), (1, 4))
        assert nn.set_module_call_wrapper(outer) is outer  # also after a failing forward
    finally:
        nn.set_module_call_wrapper(previous)
    assert nn.set_module_call_wrapper(None) is None  # no wrapper left behind
