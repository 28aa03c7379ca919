"""The layers of the activation, norm, loss and misc parity tables run on shape-only (meta) inputs, as lucid-viz
traces models: the same output shapes and dtypes as a real run, in train and eval mode, with no values made up."""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import lucid
from lucid.shape_only import MetaArray
from tests.parity import Const, LayerCase, concrete, leaves

_FAMILIES = ("activation", "norm", "loss", "misc")


def _cases() -> list[LayerCase]:
    cases: list[LayerCase] = []
    for family in _FAMILIES:
        path = Path(__file__).parent / f"test_parity_{family}.py"
        spec = importlib.util.spec_from_file_location(f"_shape_only_{family}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        cases.extend(module.LAYER_CASES)
    return cases


def _build(spec: Any, meta: bool) -> Any:
    """Float inputs as meta tensors (or real ones); constants and integer indices stay real, as in a traced model."""
    if isinstance(spec, list):
        return tuple(_build(s, meta) for s in spec)
    if isinstance(spec, Const):
        return lucid.tensor(spec.array.copy())
    if isinstance(spec, np.ndarray):
        if spec.dtype.kind == "f" and meta:
            return lucid.Tensor(MetaArray(spec.shape, spec.dtype))
        return lucid.tensor(spec.copy())
    return spec


_CASES = _cases()


@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("case", _CASES, ids=[case.label for case in _CASES])
def test_layer_runs_shape_only_with_the_real_shapes(case: LayerCase, mode: str) -> None:
    if mode not in case.modes:
        pytest.skip(f"{case.label} is compared with PyTorch in {case.modes} only")
    specs = [concrete(s, np.random.default_rng(0)) for s in case.inputs]
    if not any(isinstance(s, np.ndarray) and s.dtype.kind == "f" for s in specs):
        pytest.skip(f"{case.label} has no float input to make shape-only (Embedding: tests/nn/test_layers.py)")
    results = []
    for meta in (False, True):
        layer = case.ours().train(mode == "train")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results.append(leaves(layer(*[_build(s, meta) for s in specs])))
    real, shape_only = results
    assert [(t.shape, t.dtype) for t in shape_only] == [(t.shape, t.dtype) for t in real]
    assert all(t.is_meta for t in shape_only)


@pytest.mark.parametrize(
    ("layer", "shape"),
    [
        (lucid.nn.Dropout1d(0.5), (2, 3, 4)),
        (lucid.nn.Dropout2d(0.5), (2, 3, 4, 4)),
        (lucid.nn.Dropout3d(0.5), (3, 2, 2, 2)),
        (lucid.nn.AlphaDropout(0.5), (2, 5)),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, lucid.nn.Module) else str(v),
)
def test_training_dropouts_on_meta_inputs_draw_nothing(layer: lucid.nn.Module, shape: tuple[int, ...]) -> None:
    before = lucid.random.get_state()
    out = layer.train()(lucid.Tensor(MetaArray(shape, np.float32)))
    assert out.is_meta and out.shape == shape
    assert lucid.random.get_state() == before
