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
