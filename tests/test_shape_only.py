"""Shape-only (meta) tensors: every op's shape rule agrees with its real forward, and values are never made up.

The op cases are the gradient-check cases of tests/autograd (every registered op has some), run once on
real tensors and once on meta tensors of the same shapes and dtypes: the op observer must see the same
sequence of (op, input shapes, output shape), and the results the same shapes and dtypes.
"""

from __future__ import annotations

import resource
from typing import Any

import numpy as np
import pytest

import lucid
import lucid.models
from lucid import nn
from lucid.autograd.function import Function, set_op_observer
from lucid.shape_only import MetaArray, MetaTensorError
from tests.autograd.test_grad_coverage import _collected_cases, _register_all_ops


def _observed(fn: Any, tensors: list[lucid.Tensor]) -> tuple[list[tuple], Any]:
    seen: list[tuple] = []
    previous = set_op_observer(lambda name, ins, out, opts: seen.append((name, [tuple(s) for s in ins], tuple(out))))
    try:
        result = fn(*tensors)
    finally:
        set_op_observer(previous)
    return seen, result


def _as_meta(array: np.ndarray) -> lucid.Tensor:
    # Integer inputs of the cases are indexes: they stay real, as index tables in models do.
    if array.dtype.kind != "f":
        return lucid.Tensor(array)
    return lucid.Tensor(MetaArray(array.shape, array.dtype))


def _outputs(result: Any) -> list[lucid.Tensor]:
    return list(result) if isinstance(result, (list, tuple)) else [result]


def test_every_op_has_a_shape_rule_that_matches_its_forward() -> None:
    _register_all_ops()
    covered: set[str] = set()
    failures = []
    rng = np.random.default_rng(0)
    for op_name, cases in sorted(_collected_cases().items()):
        for case in cases:
            arrays = case.arrays(rng)
            real_ops, real = _observed(case.fn, [lucid.Tensor(a) for a in arrays])
            meta_ops, meta = _observed(case.fn, [_as_meta(a) for a in arrays])
            covered.update(name for name, _, _ in meta_ops)
            real_out = [(t.shape, t.dtype) for t in _outputs(real)]
            meta_out = [(t.shape, t.dtype) for t in _outputs(meta)]
            if real_ops != meta_ops or real_out != meta_out or not all(t.is_meta for t in _outputs(meta)):
                failures.append(
                    f"{op_name} ({case.label}): real {real_ops} -> {real_out}, meta {meta_ops} -> {meta_out}"
                )
    assert not failures, "\n".join(failures)
    # A new op without a meta() rule inherits Function.meta, which raises; its gradient case then fails above.
    assert covered == set(Function.registry), f"ops never run on meta tensors: {set(Function.registry) - covered}"


def test_an_op_without_a_shape_rule_names_itself() -> None:
    class _NoRule(Function):
        def forward(self, a: np.ndarray) -> np.ndarray:
            return a

    with pytest.raises(MetaTensorError, match="_NoRule has no shape rule"):
        _NoRule.apply(lucid.Tensor(MetaArray((2,), np.float32)))


def _made_by_every_creation_function() -> list[lucid.Tensor]:
    return [
        lucid.zeros(2, 3),
        lucid.ones((4,), dtype=lucid.float64),
        lucid.full((2, 2), 7),
        lucid.randn(5, 5),
        lucid.rand(3),
        lucid.randint(0, 10, (2, 3)),
        lucid.arange(1, 10, 2),
        lucid.linspace(0, 1, 7),
    ]


def test_creation_under_meta_makes_no_data_and_draws_nothing() -> None:
    state = lucid.random.get_state()
    with lucid.meta():
        made = _made_by_every_creation_function()
        kept = lucid.tensor([1, 2, 3])  # data given: it is kept (small real buffers stay usable)
    real = _made_by_every_creation_function()
    assert all(t.is_meta for t in made) and not kept.is_meta
    assert [(t.shape, t.dtype) for t in made] == [(t.shape, t.dtype) for t in real]
    lucid.random.set_state(state)
    expected = lucid.randn(3).numpy()
    lucid.random.set_state(state)
    with lucid.meta():
        lucid.randn(100)
    np.testing.assert_array_equal(lucid.randn(3).numpy(), expected)  # the meta draw did not advance the generator
    assert not lucid.is_meta_mode()
    like = lucid.zeros_like(made[0])
    assert like.is_meta and like.shape == (2, 3)


def test_reading_values_of_a_meta_tensor_is_a_clear_error() -> None:
    with lucid.meta():
        t = lucid.ones(1)
    for read in (t.item, t.numpy, t.tolist, lambda: bool(t), lambda: float(t), lambda: np.asarray(t)):
        with pytest.raises(MetaTensorError, match=r"a meta tensor of shape \(1,\) has .* no values"):
            read()
    with pytest.raises(MetaTensorError, match="backward"):
        lucid.Tensor(MetaArray((1,), np.float32), requires_grad=True).sum().backward()
    assert repr(t) == "tensor(..., size=(1,), dtype=float32, device='meta')"
    assert (t > 0).is_meta and (t > 0).dtype == np.bool_


def test_a_model_built_under_meta_has_meta_parameters_and_refuses_weights() -> None:
    with lucid.meta():
        meta_model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.Flatten(), nn.Linear(8 * 6 * 6, 4))
    real_model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.Flatten(), nn.Linear(8 * 6 * 6, 4))
    assert all(p.is_meta for p in meta_model.parameters())
    assert [p.shape for p in meta_model.parameters()] == [p.shape for p in real_model.parameters()]
    with pytest.raises(ValueError, match=r"0\.weight.*meta \(shape-only\).*outside lucid\.meta\(\)"):
        meta_model.load_state_dict(real_model.state_dict())
    out = meta_model.eval()(lucid.Tensor(MetaArray((2, 3, 8, 8), np.float32)))
    assert out.is_meta and out.shape == (2, 4)
    # Shape checks in layers only read shapes, so they still name the layer on meta tensors.
    with pytest.raises(ValueError, match="Conv2d"):
        meta_model(lucid.Tensor(MetaArray((2, 5, 8, 8), np.float32)))


def test_efficientformer_l7_under_meta_allocates_no_weights() -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with lucid.meta():
        model = lucid.models.efficientformer_l7()
        x = lucid.randn(256, 3, 224, 224)
    out = model.eval()(x)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert sum(p.size for p in model.parameters()) > 80_000_000  # 81M parameters, 326 MB if real
    assert out.shape == (256, 1000) and out.is_meta
    assert grown_mb < 100, f"peak RSS grew by {grown_mb:.0f} MB building and running L7 under meta"


def test_init_checks_its_arguments_but_leaves_a_meta_tensor_untouched() -> None:
    with lucid.meta():
        w = lucid.zeros(64, 32)
    state = lucid.random.get_state()
    expected = lucid.randn(2).numpy()
    lucid.random.set_state(state)
    for fill in (nn.init.kaiming_uniform_, nn.init.xavier_normal_, nn.init.trunc_normal_, nn.init.zeros_):
        assert fill(w) is w and w.is_meta
    np.testing.assert_array_equal(lucid.randn(2).numpy(), expected)  # nothing was drawn
    with pytest.raises(ValueError, match="expected a <= b"):
        nn.init.uniform_(w, 2.0, 1.0)


def test_training_mode_layers_run_on_meta_inputs_without_drawing() -> None:
    layers = nn.Sequential(nn.BatchNorm2d(8), nn.Dropout(0.5), nn.DropPath(0.2))
    x_real = lucid.randn(2, 8, 4, 4)
    real_ops, real = _observed(layers.train(), [x_real])
    state = lucid.random.get_state()
    expected = lucid.randn(2).numpy()
    lucid.random.set_state(state)
    meta_ops, meta = _observed(layers.train(), [lucid.Tensor(MetaArray((2, 8, 4, 4), np.float32))])
    np.testing.assert_array_equal(lucid.randn(2).numpy(), expected)
    assert meta.is_meta and meta.shape == real.shape
    assert meta_ops == real_ops


@pytest.mark.parametrize("kwargs", [{}, {"axis": 1}, {"axis": -1, "keepdims": True}])
def test_argmax_of_a_meta_tensor_has_the_real_shape(kwargs: dict) -> None:
    real = lucid.argmax(lucid.randn(2, 3, 4), **kwargs)
    meta = lucid.argmax(lucid.Tensor(MetaArray((2, 3, 4), np.float32)), **kwargs)
    assert meta.is_meta and (meta.shape, meta.dtype) == (real.shape, real.dtype)
