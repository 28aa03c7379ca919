"""MACs counted per module during the trace, and the summary table built from them.

Every MAC figure here is computed by hand from the layer's shapes (see viz/macs.py for the rules).
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import lucid
from lucid import nn
from lucid.autograd.function import get_op_observer, set_op_observer
from viz.ir import Trace
from viz.macs import MAC_RULES
from viz.summary import summarise_trace, summary
from viz.trace import TracingError, trace


def own_macs(model: nn.Module, shape: tuple[int, ...]) -> dict[str, int]:
    return {call.path: call.macs for call in trace(model, input_shape=shape).calls}


def test_conv2d_macs_by_hand() -> None:
    # out 2 x 8 x 16 x 16, each a 3 x 3 x 3 dot product; the bias add is not a MAC.
    assert own_macs(nn.Conv2d(3, 8, 3, stride=2, padding=1), (2, 3, 32, 32))[""] == 2 * 8 * 16 * 16 * 27
    assert own_macs(nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False), (2, 3, 32, 32))[""] == 2 * 8 * 16 * 16 * 27
    # Depthwise: each output channel reads one input channel.
    assert own_macs(nn.Conv2d(8, 8, 3, padding=1, groups=8), (1, 8, 10, 10))[""] == 8 * 10 * 10 * 9
    # Grouped 1x1 (the pointwise fast path): 4 groups of 16 -> 8 channels.
    assert own_macs(nn.Conv2d(64, 32, 1, groups=4), (1, 64, 5, 5))[""] == 32 * 5 * 5 * 16
    # Dilation widens the window, not the work per output.
    assert own_macs(nn.Conv2d(2, 4, 3, dilation=2), (1, 2, 9, 9))[""] == 4 * 5 * 5 * 2 * 9
    # An unbatched image counts as a batch of one.
    assert own_macs(nn.Conv2d(3, 8, 3), (3, 10, 10))[""] == 8 * 8 * 8 * 27


def test_linear_macs_by_hand() -> None:
    assert own_macs(nn.Linear(8, 4), (2, 8))[""] == 2 * 4 * 8
    assert own_macs(nn.Linear(8, 4, bias=False), (2, 8))[""] == 2 * 4 * 8
    # Tokens: every one of the 2 x 5 rows is a matrix-vector product.
    assert own_macs(nn.Linear(8, 4), (2, 5, 8))[""] == 2 * 5 * 4 * 8
    assert own_macs(nn.Linear(8, 4), (8,))[""] == 4 * 8


def test_pooling_macs_by_hand() -> None:
    assert own_macs(nn.AvgPool2d(3, stride=1, padding=1), (1, 4, 6, 6))[""] == 4 * 6 * 6 * 9
    assert own_macs(nn.MaxPool2d(2), (1, 4, 6, 6))[""] == 4 * 3 * 3 * 4
    assert own_macs(nn.AdaptiveAvgPool2d(1), (1, 4, 6, 6))[""] == 4 * 36
    # 6 -> 4 adaptive windows are [0,2) [1,3) [3,5) [4,6): 8 reads per axis (they overlap).
    assert own_macs(nn.AdaptiveAvgPool2d(4), (1, 4, 6, 6))[""] == 4 * 8 * 8


def test_elementwise_and_norm_layers_count_zero() -> None:
    for layer in (nn.ReLU(), nn.GELU(), nn.BatchNorm2d(4), nn.LayerNorm(6), nn.GroupNorm(2, 4), nn.Softmax(-1)):
        assert own_macs(layer, (1, 4, 6, 6))[""] == 0, type(layer).__name__


class Mixer(nn.Module):
    """A matmul in its own forward plus a Linear child: the matmul is the mixer's own work."""

    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Linear(6, 6)

    def forward(self, x: lucid.Tensor) -> lucid.Tensor:
        attn = x @ x.swapaxes(-2, -1)  # (N, L, L): L * L * C MACs per image
        return self.proj(attn @ x)  # attn @ x: L * L * C again


def test_matmul_in_a_module_forward_is_attributed_to_that_module() -> None:
    macs = own_macs(nn.Sequential(Mixer(), nn.ReLU()), (2, 5, 6))
    assert macs["0"] == 2 * (5 * 5 * 6) * 2
    assert macs["0.proj"] == 2 * 5 * 6 * 6
    assert macs[""] == macs["1"] == 0
    table = summary(nn.Sequential(Mixer(), nn.ReLU()), input_shape=(2, 5, 6))
    assert table.row("0").macs == macs["0"] + macs["0.proj"]
    assert table.total_macs == table.row("").macs == sum(macs.values())


def test_summary_rows_totals_and_depth() -> None:
    net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.Flatten(), nn.Linear(8 * 4 * 4, 10))
    net[1].weight.requires_grad = False
    s = summary(net, input_shape=(1, 3, 4, 4), depth=1)
    conv_macs, fc_macs = 8 * 16 * 27, 10 * 128
    assert [(r.path, r.depth, r.output_shapes, r.params, r.macs) for r in s.rows] == [
        ("", 0, [(1, 10)], 224 + 16 + 1290, conv_macs + fc_macs),
        ("0", 1, [(1, 8, 4, 4)], 224, conv_macs),
        ("1", 1, [(1, 8, 4, 4)], 16, 0),
        ("2", 1, [(1, 128)], 0, 0),
        ("3", 1, [(1, 10)], 1290, fc_macs),
    ]
    assert (s.total_params, s.trainable_params, s.total_macs) == (1530, 1522, conv_macs + fc_macs)
    assert s.param_bytes == 1530 * 4 and s.input_bytes == 48 * 4
    # Leaf outputs, float32: conv, norm, flatten (each 128 values) and the logits.
    assert s.activation_bytes == (128 * 3 + 10) * 4
    assert s.rows[1].output_bytes == 128 * 4
    only_root = summary(net, input_shape=(1, 3, 4, 4), depth=0)
    assert [r.path for r in only_root.rows] == [""] and only_root.total_macs == s.total_macs


def test_summary_text_is_a_plain_table() -> None:
    net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.Flatten(), nn.Linear(128, 10))
    text = str(summary(net, input_shape=(1, 3, 4, 4)))
    assert text == (
        "Sequential: input (1,3,4,4), depth 3\n"
        "======================================================\n"
        "Module         Output shape  Params   MACs  Output mem\n"
        "======================================================\n"
        "Sequential     (1,10)         1,514  4,736        40 B\n"
        "├─ 0: Conv2d   (1,8,4,4)        224  3,456       512 B\n"
        "├─ 1: Flatten  (1,128)            0      0       512 B\n"
        "└─ 2: Linear   (1,10)         1,290  1,280        40 B\n"
        "======================================================\n"
        "Total params:         1,514\n"
        "Trainable params:     1,514\n"
        "Non-trainable params: 0\n"
        "Total MACs:           4,736 (0.00 G)\n"
        "Input size:           192 B\n"
        "Activation memory:    1.06 kB (outputs of leaf modules, float32)\n"
        "Parameter memory:     6.06 kB\n"
        "Output:               (1,10)\n"
        "======================================================\n"
        "MACs: convolutions, matrix products (linear, attention) and pooling; elementwise ops and norms count 0.\n"
    )
    assert "\x1b" not in text  # no terminal colour codes


class Twice(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.shared = nn.Linear(4, 4)
        self.inner = nn.Sequential(nn.Linear(4, 4), nn.Sequential(nn.ReLU()))

    def forward(self, x: lucid.Tensor) -> lucid.Tensor:
        return self.inner(self.shared(self.shared(x)))


def test_summary_tree_guides_and_repeated_calls() -> None:
    s = summary(Twice(), input_shape=(1, 4))
    shared = s.row("shared")
    assert (shared.calls, shared.macs, shared.output_bytes) == (2, 2 * 16, 2 * 16)
    lines = str(s).splitlines()[4:9]
    assert [re.match(r"(.*?)\s+\(", line).group(1) for line in lines] == [
        "Twice",
        "├─ shared: Linear",
        "└─ inner: Sequential",
        "   ├─ 0: Linear",
        "   └─ 1: Sequential",
    ]
    assert "(1,4) x2 calls" in lines[1]


def test_summary_of_a_saved_trace_does_not_guess_trainable() -> None:
    saved = Trace.from_json(trace(nn.Linear(3, 2), input_shape=(1, 3)).to_json())
    assert summarise_trace(saved).trainable_params == 8  # the trace records it
    saved.trainable_params = None  # as in a file written before it was recorded
    s = summarise_trace(saved)
    assert s.trainable_params is None and s.total_macs == 6
    assert "Trainable params:     unknown" in str(s)
    with pytest.raises(ValueError, match="input_shape is for tracing a model"):
        summary(saved, input_shape=(1, 3))
    with pytest.raises(ValueError, match="depth must be an int >= 0"):
        summary(saved, depth=-1)


def test_macs_survive_json_and_older_traces_without_them_load() -> None:
    traced = trace(nn.Linear(3, 2), input_shape=(1, 3))
    assert Trace.from_json(traced.to_json()) == traced and traced.calls[0].macs == 6
    data = json.loads(traced.to_json())
    del data["calls"][0]["macs"]
    assert Trace.from_dict(data).calls[0].macs == 0
    data["calls"][0]["macs"] = -1
    with pytest.raises(ValueError, match=r"trace.calls\[0\].macs: expected a count >= 0"):
        Trace.from_dict(data)


def test_trace_restores_and_chains_the_previous_op_observer() -> None:
    seen: list[str] = []

    def outer(op_name: str, *_: object) -> None:
        seen.append(op_name)

    previous = set_op_observer(outer)
    try:
        trace(nn.Linear(3, 2), input_shape=(1, 3))
        assert "MatMul" in seen  # the tracer passed the ops on
        assert set_op_observer(outer) is outer  # and put the outer observer back
        with pytest.raises(TracingError):
            trace(nn.Linear(3, 2), input_shape=(1, 5))
        assert set_op_observer(outer) is outer  # also after a failing forward
    finally:
        set_op_observer(previous)
    lucid.randn(2) + 1.0  # no observer left: plain ops still work
    assert np.isfinite(lucid.randn(2).numpy()).all()


def test_an_observer_that_names_its_ops_sees_only_those_also_through_a_trace() -> None:
    seen: list[str] = []

    def adds(op_name: str, *_: object) -> None:
        seen.append(op_name)

    adds.ops = {"Add"}  # type: ignore[attr-defined]
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    previous = set_op_observer(adds)
    try:
        model(lucid.randn(1, 3))
        assert seen == ["Add", "Add"]  # the two bias adds; MatMul and Relu were not passed on
        seen.clear()
        traced = trace(model, input_shape=(1, 3))
        assert seen == ["Add", "Add"]
        assert traced.calls[1].macs == 12 and traced.calls[3].macs == 8  # the tracer still saw the MatMuls
        assert get_op_observer() is adds
    finally:
        set_op_observer(previous)


def test_a_mac_rule_that_fails_is_named_with_the_shapes_it_was_given(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(input_shapes, output_shape, options):  # a user's rule that expects a 4-D input
        n, c, h, w = input_shapes[0]
        return n * c * h * w

    monkeypatch.setitem(MAC_RULES, "MatMul", broken)
    with pytest.raises(ValueError, match=r"MAC_RULES\['MatMul'\] failed on input shapes \[\(1, 3\), \(3, 2\)\]"):
        trace(nn.Linear(3, 2), input_shape=(1, 3))
