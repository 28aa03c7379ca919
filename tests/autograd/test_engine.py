"""The backward engine: deep graphs, freeing, in-place detection, grad mode, accumulation."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import lucid


def test_a_10000_op_chain_backpropagates_without_recursion() -> None:
    x = lucid.tensor([1.0, 2.0], dtype=lucid.float64, requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [1.0001**10_000] * 2, rtol=1e-9)


def test_backward_frees_the_graph_and_a_second_backward_says_so() -> None:
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    loss = (x.exp() * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match=r"already freed.*retain_graph=True"):
        loss.backward()


def test_retain_graph_allows_a_second_backward_that_accumulates() -> None:
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    np.testing.assert_allclose(x.grad, [4.0, 8.0])


def test_intermediate_tensors_are_released_after_backward() -> None:
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * 2.0).exp().sum()
    middle = weakref.ref(loss.grad_fn.parents[0])  # the output of exp, held only by the graph
    gc.collect()
    assert middle() is not None
    loss.backward()
    gc.collect()
    assert middle() is None


def test_a_shared_subexpression_gets_both_gradients() -> None:
    x = lucid.tensor([0.5, -1.5], dtype=lucid.float64, requires_grad=True)
    y = x * x
    (y + y * y).sum().backward()  # d/dx (x^2 + x^4) = 2x + 4x^3
    np.testing.assert_allclose(x.grad, 2 * x.numpy() + 4 * x.numpy() ** 3)


# ---- in-place writes -----------------------------------------------------------------------


def test_writing_into_a_saved_output_makes_backward_raise() -> None:
    a = lucid.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x = a.exp()
    with lucid.no_grad():
        x[0] = 1.0
    with pytest.raises(RuntimeError, match="Exp: its output was modified in place"):
        x.sum().backward()


def test_writing_into_a_saved_input_makes_backward_raise() -> None:
    a = lucid.tensor([1.0, 2.0], requires_grad=True)
    w = lucid.tensor([3.0, 4.0], requires_grad=True)
    loss = (a * w).sum()
    with lucid.no_grad():
        a[1] = 10.0
    with pytest.raises(RuntimeError, match=r"Mul: input 0 \(shape \(2,\)\) was modified in place"):
        loss.backward()


@pytest.mark.parametrize(
    "make_view",
    [
        lambda t: t.reshape(2, 1),
        lambda t: t.T,
        lambda t: t[1:],
        lambda t: t.detach(),
    ],
    ids=["reshape", "T", "slice", "detach"],
)
def test_writing_through_a_view_of_a_saved_tensor_makes_backward_raise(make_view: object) -> None:
    a = lucid.tensor([1.0, 2.0], requires_grad=True)
    w = lucid.tensor([3.0, 4.0], requires_grad=True)
    loss = (a * w).sum()
    view = make_view(a)  # type: ignore[operator]
    with lucid.no_grad():
        view[...] = 0.0
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()


def test_a_write_before_use_and_a_write_to_an_unsaved_input_are_fine() -> None:
    a = lucid.tensor([1.0, 2.0], requires_grad=True)
    with lucid.no_grad():
        a[0] = 5.0
    b = lucid.tensor([1.0, 1.0])
    loss = (a * a + b).sum()  # Add does not read its inputs in backward
    b[0] = 7.0
    loss.backward()
    np.testing.assert_allclose(a.grad, [10.0, 4.0])


def test_assigning_into_a_tensor_that_requires_grad_is_refused() -> None:
    a = lucid.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"in-place assignment .* shape \(2,\) that requires grad"):
        a[0] = 3.0
    with pytest.raises(RuntimeError, match="in-place assignment"):
        a.exp()[0] = 3.0


def test_assigning_a_tensor_that_requires_grad_into_a_plain_one_is_refused() -> None:
    buffer = lucid.zeros(3)
    x = lucid.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"shape \(2,\) that requires grad into a tensor of shape \(3,\)"):
        buffer[:2] = x * 2
    with lucid.no_grad():
        buffer[:2] = x * 2  # no graph is being recorded: a plain copy of the values
    assert buffer.tolist() == [2.0, 2.0, 0.0]


def test_augmented_assignment_rebinds_and_keeps_gradients_right() -> None:
    a = lucid.tensor([1.0, 2.0], requires_grad=True)
    x = a
    x += 1.0
    x *= a
    x -= 0.5
    x /= 2.0
    x **= 2
    assert a.tolist() == [1.0, 2.0]  # a itself is untouched
    x.sum().backward()
    # x = (((a + 1) * a - 0.5) / 2) ** 2; dx/da = 2 * inner * (2a + 1) / 2
    inner = ((a.numpy() + 1) * a.numpy() - 0.5) / 2
    np.testing.assert_allclose(a.grad, 2 * inner * (2 * a.numpy() + 1) / 2, rtol=1e-6)


# ---- grad mode -----------------------------------------------------------------------------


def test_no_grad_as_context_manager_restores_the_mode_even_on_error() -> None:
    x = lucid.ones(2, requires_grad=True)
    with lucid.no_grad():
        assert not lucid.is_grad_enabled()
        y = x * 2
    assert lucid.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    with pytest.raises(ZeroDivisionError), lucid.no_grad():
        _ = 1 / 0
    assert lucid.is_grad_enabled()


def test_no_grad_as_decorator_with_and_without_parentheses() -> None:
    x = lucid.ones(2, requires_grad=True)

    @lucid.no_grad()
    def with_parens(t: lucid.Tensor) -> lucid.Tensor:
        return t * 2

    @lucid.no_grad
    def bare(t: lucid.Tensor) -> lucid.Tensor:
        return t * 2

    assert not with_parens(x).requires_grad
    assert not bare(x).requires_grad
    assert bare.__name__ == "bare"
    assert lucid.is_grad_enabled()
    assert (x * 2).requires_grad


def test_enable_grad_inside_no_grad() -> None:
    x = lucid.ones(2, requires_grad=True)
    with lucid.no_grad():
        with lucid.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad


# ---- leaves, accumulation, backward arguments ------------------------------------------------


def test_gradients_accumulate_across_backward_calls_and_none_clears() -> None:
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad, [5.0, 7.0])
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad, [3.0, 3.0])


def test_backward_with_an_explicit_gradient() -> None:
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    (x * x).backward(lucid.tensor([1.0, -1.0]))
    np.testing.assert_allclose(x.grad, [2.0, -4.0])


def test_implicit_gradient_needs_one_element_but_not_zero_dimensions() -> None:
    x = lucid.tensor([[2.0]], requires_grad=True)
    (x * x).backward()
    np.testing.assert_allclose(x.grad, [[4.0]])
    with pytest.raises(ValueError, match=r"single-element tensor, got shape \(2,\)"):
        (lucid.ones(2, requires_grad=True) * 2).backward()


def test_a_0d_leaf_keeps_an_array_gradient_across_accumulation() -> None:
    x = lucid.tensor(2.0, requires_grad=True)
    (x * x).backward()
    (x * x).backward()
    assert isinstance(x.grad, np.ndarray) and x.grad.shape == () and x.grad == 8.0
    assert isinstance((x * 3).numpy(), np.ndarray)


def test_backward_on_a_tensor_without_a_graph_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="does not require grad"):
        lucid.ones(1).backward()


def test_leaves_detach_and_requires_grad_() -> None:
    x = lucid.ones(3)
    assert x.is_leaf and not x.requires_grad and x.grad is None
    assert x.requires_grad_() is x and x.requires_grad
    y = x * 2
    assert not y.is_leaf and y.grad_fn is not None
    d = y.detach()
    assert d.is_leaf and not d.requires_grad
    assert np.shares_memory(d.numpy(), y.numpy())
    with pytest.raises(RuntimeError, match=r"use \.detach"):
        y.requires_grad = False
    z = (d * 2).sum()
    assert not z.requires_grad


def test_only_float_tensors_can_require_grad() -> None:
    with pytest.raises(TypeError, match="only floating-point tensors can require gradients, got dtype int64"):
        lucid.tensor([1, 2], requires_grad=True)
