"""lucid.nn.utils (gradient clipping, parameters <-> vector) against torch.nn.utils."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import lucid
from lucid import nn

torch = pytest.importorskip("torch")

SHAPES = [(3, 4), (5,), (2, 3, 2), (4,)]


def _pairs(dtype: str, with_none: bool = True) -> tuple[list[lucid.Tensor], list[Any]]:
    """The same parameters and gradients in both libraries; the third parameter has no gradient."""
    rng = np.random.default_rng(3)
    ours, theirs = [], []
    for i, shape in enumerate(SHAPES):
        value = rng.standard_normal(shape).astype(dtype)
        grad = (rng.standard_normal(shape) * (i + 1)).astype(dtype)
        p, t = lucid.tensor(value, requires_grad=True), torch.tensor(value, requires_grad=True)
        if not (with_none and i == 2):
            p.grad = grad.copy()
            t.grad = torch.tensor(grad)
        ours.append(p)
        theirs.append(t)
    return ours, theirs


def _grads(params: list[Any]) -> list[np.ndarray | None]:
    out = []
    for p in params:
        g = p.grad
        out.append(None if g is None else (g if isinstance(g, np.ndarray) else g.numpy()))
    return out


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, 0.5, float("inf"), "inf", -math.inf, 0])
@pytest.mark.parametrize("max_norm", [0.5, 1e4])
def test_clip_grad_norm_matches_torch(dtype: str, norm_type: Any, max_norm: float) -> None:
    ours, theirs = _pairs(dtype)
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    their_total = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert isinstance(total, lucid.Tensor) and total.shape == () and total.dtype == np.dtype(dtype)
    tol = 1e-6 if dtype == "float32" else 1e-12
    assert total.item() == pytest.approx(their_total.item(), rel=tol)
    for a, b in zip(_grads(ours), _grads(theirs), strict=True):
        if b is None:
            assert a is None
        else:
            np.testing.assert_allclose(a, b, rtol=tol, atol=tol)
    if norm_type != 0:  # (the "0-norm" counts nonzero entries: scaling leaves it as it is)
        clipped = float(nn.utils.get_total_norm([g for g in _grads(ours) if g is not None], norm_type))
        assert clipped <= max_norm * (1 + 1e-5) or total.item() <= max_norm


def test_clip_grad_norm_takes_a_generator_or_a_single_tensor() -> None:
    model = nn.Linear(4, 3)
    (model(lucid.randn(5, 4)) ** 2).sum().backward()
    total = nn.utils.clip_grad_norm_(model.parameters(), 0.1)
    assert total.item() > 0.1
    assert float(nn.utils.get_total_norm([p.grad for p in model.parameters()])) == pytest.approx(0.1, rel=1e-4)
    w = lucid.tensor([3.0, 4.0], requires_grad=True)
    w.grad = np.array([3.0, 4.0], dtype=np.float32)
    assert nn.utils.clip_grad_norm_(w, 10.0).item() == pytest.approx(5.0)
    np.testing.assert_allclose(w.grad, [3.0, 4.0])  # below max_norm: unchanged (up to the 1e-6 guard)


def test_clip_grad_norm_with_nonfinite_gradients() -> None:
    ours, theirs = _pairs("float32")
    ours[0].grad[0, 0] = np.nan
    theirs[0].grad[0, 0] = float("nan")
    with pytest.raises(RuntimeError, match=r"clip_grad_norm_: the total norm of order 2.0 of the gradients is nan"):
        nn.utils.clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)
    # Without the flag both scale by the non-finite norm.
    total = nn.utils.clip_grad_norm_(ours, 1.0)
    their_total = torch.nn.utils.clip_grad_norm_(theirs, 1.0)
    assert math.isnan(total.item()) and math.isnan(their_total.item())
    assert np.isnan(ours[1].grad).all() and torch.isnan(theirs[1].grad).all()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("clip_value", [0.0, 0.3, 2.5])
def test_clip_grad_value_matches_torch(dtype: str, clip_value: float) -> None:
    ours, theirs = _pairs(dtype)
    assert nn.utils.clip_grad_value_(ours, clip_value) is None
    torch.nn.utils.clip_grad_value_(theirs, clip_value)
    for a, b in zip(_grads(ours), _grads(theirs), strict=True):
        if b is not None:
            np.testing.assert_array_equal(a, b)
            assert np.abs(a).max() <= clip_value


def test_clipping_scales_the_gradient_arrays_in_place() -> None:
    w = lucid.tensor([3.0, 4.0], requires_grad=True)
    w.grad = np.array([30.0, 40.0], dtype=np.float32)
    held = w.grad
    nn.utils.clip_grad_norm_([w], 5.0)
    assert w.grad is held
    np.testing.assert_allclose(held, [3.0, 4.0], rtol=1e-6)


def test_parameters_to_vector_and_back_match_torch() -> None:
    ours, theirs = _pairs("float32")
    vec = nn.utils.parameters_to_vector(ours)
    their_vec = torch.nn.utils.parameters_to_vector(theirs)
    np.testing.assert_array_equal(vec.numpy(), their_vec.detach().numpy())
    # Differentiable, as in torch: a loss of the vector reaches each parameter.
    for p in ours:
        p.grad = None
    (vec * vec).sum().backward()
    np.testing.assert_allclose(ours[1].grad, 2 * ours[1].numpy())

    new = np.arange(vec.shape[0], dtype=np.float32)
    nn.utils.vector_to_parameters(lucid.tensor(new), ours)
    with torch.no_grad():
        torch.nn.utils.vector_to_parameters(torch.tensor(new), theirs)
    for p, t in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(p.numpy(), t.detach().numpy())


def test_vector_to_parameters_writes_in_place() -> None:
    layer = nn.Linear(2, 2)
    weight = layer.weight
    array = weight.data
    nn.utils.vector_to_parameters(lucid.zeros(6), layer.parameters())
    assert layer.weight is weight and weight.data is array and not array.any()


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda ps: nn.utils.clip_grad_norm_(ps, 1.0), ValueError,
         "clip_grad_norm_: got 2 parameters, none with a gradient; call loss.backward"),
        (lambda ps: nn.utils.clip_grad_norm_([], 1.0), ValueError, "clip_grad_norm_: got an empty list of parameters"),
        (lambda ps: nn.utils.clip_grad_value_(ps, 1.0), ValueError, "clip_grad_value_: got 2 parameters, none with"),
        (lambda ps: nn.utils.clip_grad_norm_(ps, -1.0), ValueError,
         r"clip_grad_norm_: Invalid max_norm: -1.0 \(max_norm must be >= 0\)"),
        (lambda ps: nn.utils.clip_grad_norm_(ps, 1.0, norm_type="fro"), ValueError,
         "clip_grad_norm_: Invalid norm_type: 'fro'"),
        (lambda ps: nn.utils.clip_grad_value_(ps, -0.5), ValueError, "clip_grad_value_: Invalid clip_value: -0.5"),
        (lambda ps: nn.utils.clip_grad_norm_(ps, "1"), TypeError, "clip_grad_norm_: Invalid max_norm: '1'"),
        (lambda ps: nn.utils.clip_grad_norm_([np.ones(2)], 1.0), TypeError,
         r"clip_grad_norm_: parameters\[0\] is a ndarray, not a lucid Tensor"),
        (lambda ps: nn.utils.parameters_to_vector(ps[0]), TypeError, "parameters_to_vector: expected an iterable"),
        (lambda ps: nn.utils.vector_to_parameters(lucid.zeros(4), ps), ValueError,
         "vector_to_parameters: vec has 4 entries but the parameters have 5 in all"),
        (lambda ps: nn.utils.vector_to_parameters(np.zeros(5), ps), TypeError,
         "vector_to_parameters: expected vec to be a lucid Tensor, got ndarray"),
    ],
)  # fmt: skip
def test_bad_input_is_named(call: Any, error: type, message: str) -> None:
    params = [lucid.zeros(2, requires_grad=True), lucid.zeros(3, requires_grad=True)]
    with pytest.raises(error, match=message):
        call(params)
