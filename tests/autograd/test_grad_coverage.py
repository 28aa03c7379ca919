"""Every differentiable op has a finite-difference gradient check.

Imports each `tests/autograd/test_grad_*.py` (so a new family's file is picked up without editing
this one), unions their `CASES`, and compares them with `Function.registry`.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from pathlib import Path

import lucid.autograd.ops
from lucid.autograd.function import Function
from tests.collect import load_test_module
from tests.gradcheck import GradCase

_HERE = Path(__file__).parent


def _register_all_ops() -> None:
    # Import every ops module, and lucid.nn where it exists, so that no Function stays
    # unregistered just because nothing imported its module yet.
    for info in pkgutil.iter_modules(lucid.autograd.ops.__path__):
        importlib.import_module(f"lucid.autograd.ops.{info.name}")
    if importlib.util.find_spec("lucid.nn") is not None:
        importlib.import_module("lucid.nn")


def _collected_cases() -> dict[str, list[GradCase]]:
    cases: dict[str, list[GradCase]] = {}
    for path in sorted(_HERE.glob("test_grad_*.py")):
        if path.name == Path(__file__).name:
            continue
        module = load_test_module(path, "_gradcases_")
        for name, family_cases in getattr(module, "CASES", {}).items():
            cases.setdefault(name, []).extend(family_cases)
    return cases


def test_every_registered_function_has_a_gradient_case() -> None:
    _register_all_ops()
    cases = _collected_cases()
    missing = sorted(name for name in Function.registry if not cases.get(name))
    assert not missing, (
        f"Functions without a finite-difference case: {missing}; add GradCases to CASES in a "
        "tests/autograd/test_grad_<family>.py file"
    )


def test_every_case_names_a_registered_function() -> None:
    _register_all_ops()
    unknown = sorted(set(_collected_cases()) - set(Function.registry))
    assert not unknown, f"CASES keys that are not Function classes in the registry: {unknown}"


def test_the_core_ops_are_in_the_registry() -> None:
    # Guards the coverage test itself: an empty registry would make it pass vacuously.
    core = {"Add", "Mul", "Exp", "Sum", "Max", "Reshape", "GetItem", "Concatenate", "MatMul", "Where"}
    assert core <= set(Function.registry)
