"""Places where autograd used to give a silently wrong or missing gradient, checked against PyTorch's answers:
writes through `.numpy()`, casts to integer dtypes, `x ** y` at x = 0, and `relu` at NaN."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import lucid
from lucid.nn import functional as F  # noqa: N812 - the conventional spelling


def _torch() -> Any:
    return pytest.importorskip("torch")


# ---- .numpy() of a tensor in a graph ---------------------------------------------------


def test_writing_through_numpy_of_a_tensor_requiring_grad_is_refused_and_the_gradient_stays_right() -> None:
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    with pytest.raises(ValueError, match="read-only"):
        x.numpy()[0] = 7.0
    with pytest.raises(ValueError, match="read-only"):
        np.asarray(x)[0] = 7.0
    with pytest.raises(ValueError, match="read-only"):
        x.numpy()[...] += 1.0
    y.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])


def test_numpy_of_a_parameter_still_reads_without_a_copy() -> None:
    model = lucid.nn.Linear(3, 2)
    arrays = {name: value.numpy() for name, value in model.state_dict().items()}
    assert arrays["weight"].shape == (2, 3)
    # A later update (an optimizer step writes under no_grad) shows through the same array: it is a view.
    with lucid.no_grad():
        model.weight[0, 0] = 5.0
    assert arrays["weight"][0, 0] == 5.0


def test_numpy_of_a_tensor_not_requiring_grad_shares_writable_memory_as_in_pytorch() -> None:
    t = lucid.tensor([1.0, 2.0])
    t.numpy()[0] = 7.0
    np.testing.assert_array_equal(t.numpy(), [7.0, 2.0])


def test_np_array_of_a_tensor_is_a_copy() -> None:
    for t in (lucid.tensor([1.0, 2.0]), lucid.tensor([1.0, 2.0], requires_grad=True)):
        copy = np.array(t)
        copy[0] = 9.0
        assert copy.flags.writeable
        np.testing.assert_array_equal(t.numpy(), [1.0, 2.0])


# ---- casts to integer and bool dtypes --------------------------------------------------


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_a_cast_to_an_integer_or_bool_dtype_does_not_require_grad(dtype: str) -> None:
    w = lucid.tensor([1.5, -2.5, 0.0], requires_grad=True)
    cast = w.astype(dtype)
    assert cast.dtype == np.dtype(dtype)
    assert not cast.requires_grad
    assert cast.grad_fn is None
    np.testing.assert_array_equal(cast.numpy(), w.detach().numpy().astype(dtype))
    with pytest.raises(RuntimeError, match="does not require grad"):
        cast.sum().backward()


def test_a_float_cast_keeps_its_graph_edge() -> None:
    w = lucid.tensor([1.5, -2.5], requires_grad=True)
    (w.astype("float64") * 3.0).sum().backward()
    np.testing.assert_array_equal(w.grad, [3.0, 3.0])
    assert w.grad.dtype == np.float32


@pytest.mark.torch
def test_integer_cast_requires_grad_as_in_pytorch() -> None:
    torch = _torch()
    w = torch.ones(2, requires_grad=True)
    ours = lucid.ones(2, requires_grad=True)
    assert ours.astype("int64").requires_grad == w.to(torch.int64).requires_grad
    assert ours.astype("bool").requires_grad == w.to(torch.bool).requires_grad
    assert ours.astype("float64").requires_grad == w.to(torch.float64).requires_grad


# ---- x ** y where the power's slope has no finite formula ------------------------------

_BASES = [0.0, -1.0, 2.0]
_EXPONENTS = [0.0, 1.0, 2.0, 3.0, 0.5, 1.5, -1.0, -0.5, -2.0]


@pytest.mark.torch
@pytest.mark.parametrize("exponent", _EXPONENTS)
def test_power_with_a_scalar_exponent_has_pytorchs_gradient_at_zero(exponent: float) -> None:
    torch = _torch()
    x = lucid.tensor(_BASES, requires_grad=True)
    (x**exponent).sum().backward()
    tx = torch.tensor(_BASES, requires_grad=True)
    (tx**exponent).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-6)  # inf and NaN must sit in the same places


@pytest.mark.torch
def test_power_of_two_tensors_has_pytorchs_gradients_for_base_and_exponent() -> None:
    torch = _torch()
    pairs = [(b, e) for b in _BASES for e in _EXPONENTS]
    bases = np.array([b for b, _ in pairs], dtype=np.float32)
    exponents = np.array([e for _, e in pairs], dtype=np.float32)
    a, b = lucid.tensor(bases, requires_grad=True), lucid.tensor(exponents, requires_grad=True)
    (a**b).sum().backward()
    ta, tb = torch.tensor(bases, requires_grad=True), torch.tensor(exponents, requires_grad=True)
    (ta**tb).sum().backward()
    np.testing.assert_allclose(a.grad, ta.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(b.grad, tb.grad.numpy(), rtol=1e-6)


@pytest.mark.torch
@pytest.mark.parametrize("base", [0.0, -2.0, 2.0])
def test_power_of_a_scalar_base_has_pytorchs_exponent_gradient(base: float) -> None:
    torch = _torch()
    e = lucid.tensor(_EXPONENTS, requires_grad=True)
    (base**e).sum().backward()
    te = torch.tensor(_EXPONENTS, requires_grad=True)
    (base**te).sum().backward()
    np.testing.assert_allclose(e.grad, te.grad.numpy(), rtol=1e-6)


def test_constant_power_has_zero_gradient_at_zero() -> None:
    x = lucid.tensor([0.0, 3.0], requires_grad=True)
    (x**0.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])


# ---- activations at NaN ----------------------------------------------------------------

_ACTIVATIONS = {
    "relu": (F.relu, lambda torch, x: torch.relu(x)),
    "sigmoid": (F.sigmoid, lambda torch, x: torch.sigmoid(x)),
    "tanh": (F.tanh, lambda torch, x: torch.tanh(x)),
    "gelu": (F.gelu, lambda torch, x: torch.nn.functional.gelu(x)),
    "gelu_tanh": (
        lambda x: F.gelu(x, approximate="tanh"),
        lambda torch, x: torch.nn.functional.gelu(x, approximate="tanh"),
    ),
    "silu": (F.silu, lambda torch, x: torch.nn.functional.silu(x)),
}


@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(_ACTIVATIONS))
def test_activation_gradient_at_nan_and_around_zero_matches_pytorch(name: str) -> None:
    torch = _torch()
    ours, theirs = _ACTIVATIONS[name]
    values = [math.nan, -1.0, 0.0, 1.0]
    x = lucid.tensor(values, requires_grad=True)
    ours(x).sum().backward()
    tx = torch.tensor(values, requires_grad=True)
    theirs(torch, tx).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_relu_passes_the_gradient_at_nan_so_a_nan_upstream_is_not_hidden() -> None:
    x = lucid.tensor([math.nan, -1.0, 2.0], requires_grad=True)
    F.relu(x).sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 0.0, 1.0])
