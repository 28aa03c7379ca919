"""Every layer class in lucid.nn and every registered op is compared with PyTorch by some parity case.

The case tables are the `LAYER_CASES` and `OP_CASES` lists of every `tests/**/test_*parity*.py` file (the harness
is tests/parity.py), so a new family's file is picked up without editing this one. A layer is covered when a case
builds it; an op is covered when a case's lucid side runs it (seen by the op observer), so a layer's parity case
covers the ops its forward is made of.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

import lucid
from lucid.autograd.function import Function, set_op_observer
from lucid.nn import layers
from tests.autograd.test_grad_coverage import _register_all_ops
from tests.collect import load_test_module
from tests.parity import LayerCase, OpCase, build, concrete, leaves

_TESTS = Path(__file__).parent

# Layers PyTorch has no twin of, and why; each is tested against its reference elsewhere.
LAYERS_WITHOUT_TWIN: dict[str, str] = {}


def _tables() -> tuple[list[LayerCase], list[OpCase]]:
    layer_cases: list[LayerCase] = []
    op_cases: list[OpCase] = []
    for path in sorted(_TESTS.rglob("test_*parity*.py")):
        if path.name == Path(__file__).name:
            continue
        module = load_test_module(path, "_parity_")
        layer_cases.extend(getattr(module, "LAYER_CASES", []))
        op_cases.extend(getattr(module, "OP_CASES", []))
    return layer_cases, op_cases


def _ops_run_by(fn: Any, *args: Any, **kwargs: Any) -> set[str]:
    seen: set[str] = set()
    previous = set_op_observer(lambda name, *rest: seen.add(name))
    try:
        leaves(fn(*args, **kwargs))
    finally:
        set_op_observer(previous)
    return seen


def test_every_layer_class_has_a_parity_case() -> None:
    layer_cases, _ = _tables()
    built = {type(case.ours()).__name__ for case in layer_cases}
    missing = sorted(set(layers.__all__) - built - set(LAYERS_WITHOUT_TWIN))
    assert not missing, f"layers without a PyTorch parity case: {missing}; add LayerCases to a test_*parity*.py file"


def test_every_registered_op_is_run_by_a_parity_case() -> None:
    _register_all_ops()
    layer_cases, op_cases = _tables()
    rng = np.random.default_rng(0)
    seen: set[str] = set()
    for case in op_cases:
        seen |= _ops_run_by(case.ours, *[build(concrete(s, rng), "lucid") for s in case.inputs])
    for layer_case in layer_cases:
        for mode in layer_case.modes:
            module = layer_case.ours().train(mode == "train")
            args = [build(concrete(s, rng), "lucid") for s in layer_case.inputs]
            kwargs = {k: build(concrete(s, rng), "lucid") for k, s in layer_case.kwargs.items()}
            seen |= _ops_run_by(module, *args, **kwargs)
    missing = sorted(set(Function.registry) - seen)
    assert not missing, f"ops no parity case runs: {missing}; add OpCases (or a LayerCase that runs them)"


def test_the_tables_are_found() -> None:
    # Guards the coverage tests themselves: no tables would make them pass vacuously.
    layer_cases, op_cases = _tables()
    assert len(layer_cases) > 50 and len(op_cases) > 50
    assert isinstance(lucid.nn.Linear(2, 2), lucid.nn.Module)
