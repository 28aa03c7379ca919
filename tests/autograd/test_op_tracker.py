"""`set_op_tracker`: a tool sees every op's input tensors and result, on real and on shape-only tensors."""

from __future__ import annotations

from typing import Any

import pytest

import lucid
from lucid.autograd.function import Function, get_op_tracker, set_op_tracker


def _track(run: Any) -> list[tuple[str, tuple[Any, ...], Any]]:
    seen: list[tuple[str, tuple[Any, ...], Any]] = []
    previous = set_op_tracker(lambda op, inputs, result, options: seen.append((op.op_name, inputs, result)))
    try:
        run()
    finally:
        set_op_tracker(previous)
    return seen


@pytest.mark.parametrize("meta", [False, True])
def test_the_tracker_gets_the_tensors_themselves(meta: bool) -> None:
    if meta:
        with lucid.meta():
            a, b = lucid.ones(2, 3), lucid.ones(3, 4)
    else:
        a, b = lucid.ones(2, 3), lucid.ones(3, 4)
    results: list[Any] = []
    seen = _track(lambda: results.append((a @ b).relu()))
    assert [name for name, _, _ in seen] == ["matmul", "relu"]
    (_, inputs, product), (_, relu_inputs, relu_out) = seen
    assert inputs[0] is a and inputs[1] is b
    assert relu_inputs[0] is product and relu_out is results[0]
    assert get_op_tracker() is None


def test_op_names_are_the_function_names() -> None:
    names = {name: cls.op_name for name, cls in Function.registry.items()}
    assert names["Add"] == "add" and names["MatMul"] == "matmul" and names["Concatenate"] == "concatenate"
    assert names["Stack"] == "stack" and names["BroadcastTo"] == "broadcast_to"
    seen = _track(lambda: lucid.stack([lucid.ones(2), lucid.zeros(2)]))
    assert [name for name, _, _ in seen] == ["stack"]


def test_a_tracker_must_be_callable() -> None:
    with pytest.raises(TypeError, match="set_op_tracker"):
        set_op_tracker(3)  # type: ignore[arg-type]
    assert get_op_tracker() is None


def test_tensors_made_outside_apply_are_shown_to_the_tracker() -> None:
    # detach, comparisons, argmax and in-place writes make tensors without an op; a tool following the data
    # must still see where they came from.
    x, y = lucid.ones(2, 3), lucid.zeros(2, 3)
    results: list[Any] = []

    def run() -> None:
        results.append(x.detach())
        results.append(x > y)
        results.append(x.argmax(axis=1))
        x[:, 0] = y[:, 0]

    seen = _track(run)
    names = [name for name, _, _ in seen]
    assert names == ["detach", "greater", "argmax", "getitem", "setitem"]
    assert seen[0][1] == (x,) and seen[0][2] is results[0]
    assert seen[1][1][0] is x and seen[1][1][1] is y
    _, (target, value), written = seen[4]
    assert target is x and written is x and value is seen[3][2]
    # The stand-in op classes have no forward or backward: they must stay out of the registry the gradient checks walk.
    assert not any(name in Function.registry for name in ("_Detach", "_Greater", "_Argmax", "_Setitem"))


def test_a_shape_only_value_written_into_a_real_tensor_leaves_it_shape_only() -> None:
    real = lucid.zeros(2, 4)
    with lucid.meta():
        unknown = lucid.ones(2, 2)
    real[:, :2] = unknown
    assert real.is_meta and real.shape == (2, 4)
    with pytest.raises(IndexError, match="invalid for a tensor of shape"):
        real[5] = unknown
