"""Fused batch norm, training and eval: finite-difference gradients (float64), the same values and gradients
as the composition of primitives it replaces (float32, as the models use it), and PyTorch's semantics
for the affine combinations batch_norm fills in."""

from __future__ import annotations

import numpy as np
import pytest

import lucid
from lucid.autograd.ops.norm import BatchNorm, BatchNormEval
from lucid.nn import functional as F  # noqa: N812 - the conventional spelling
from lucid.nn.functional.norm import _channel_view, _normalize
from tests.gradcheck import GradCase, check_gradients


def _fused(x: lucid.Tensor, *affine: lucid.Tensor) -> lucid.Tensor:
    return BatchNorm.apply(x, *affine, eps=1e-5)


def _weight_only(x: lucid.Tensor, weight: lucid.Tensor) -> lucid.Tensor:
    return F.batch_norm(x, None, None, weight, None, training=True)


# Running statistics for eval mode: options of the op, not inputs (no gradient flows to buffers).
_running_mean = np.array([0.5, -1.0, 2.0])
_running_var = np.array([0.3, 2.0, 1.5])


def _fused_eval(x: lucid.Tensor, *affine: lucid.Tensor) -> lucid.Tensor:
    c = x.shape[1]
    return BatchNormEval.apply(x, *affine, mean=_running_mean[:c], var=_running_var[:c], eps=1e-5)


def _eval_bias_only(x: lucid.Tensor, bias: lucid.Tensor) -> lucid.Tensor:
    c = x.shape[1]
    mean, var = lucid.tensor(_running_mean[:c]), lucid.tensor(_running_var[:c])
    return F.batch_norm(x, mean, var, None, bias, training=False)


# A channel whose mean is far from zero against its spread: the centering must not lose it.
_offset = np.random.default_rng(7).standard_normal((5, 2, 3)) * 0.1 + np.array([[40.0], [-3.0]])

CASES = {
    "BatchNorm": [
        GradCase(_fused, [(4, 3, 2, 2)], "batch norm without affine"),
        GradCase(_fused, [(4, 3, 2, 2), (3,), (3,)], "batch norm with weight and bias"),
        GradCase(_fused, [(6, 4), (4,), (4,)], "batch norm of (N, C) input"),
        GradCase(_fused, [(3, 2, 5)], "batch norm of (N, C, L) input"),
        GradCase(_fused, [_offset, (2,), (2,)], "batch norm of an offset channel"),
        GradCase(_weight_only, [(3, 2, 2, 3), (2,)], "batch_norm with weight only"),
    ],
    "BatchNormEval": [
        GradCase(_fused_eval, [(4, 3, 2, 2)], "eval batch norm without affine"),
        GradCase(_fused_eval, [(4, 3, 2, 2), (3,), (3,)], "eval batch norm with weight and bias"),
        GradCase(_fused_eval, [(6, 3), (3,), (3,)], "eval batch norm of (N, C) input"),
        GradCase(_eval_bias_only, [(3, 2, 5), (2,)], "eval batch_norm with bias only"),
    ],
}


@pytest.mark.parametrize("case", [c for cases in CASES.values() for c in cases], ids=lambda c: c.label)
def test_norm_gradients_match_finite_differences(case: GradCase) -> None:
    check_gradients(case)


def _composed(x: lucid.Tensor, weight: lucid.Tensor, bias: lucid.Tensor) -> lucid.Tensor:
    out, _, _ = _normalize(x, (0, *range(2, x.ndim)), 1e-5)
    return out * _channel_view(weight, x.ndim) + _channel_view(bias, x.ndim)


@pytest.mark.parametrize("shape", [(4, 16, 7, 7), (32, 8)], ids=["nchw", "nc"])
def test_fused_batch_norm_matches_the_composition_in_float32(shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(3)
    data = (rng.standard_normal(shape) * 2 + 3).astype(np.float32)
    weight = rng.standard_normal(shape[1]).astype(np.float32)
    bias = rng.standard_normal(shape[1]).astype(np.float32)
    upstream = rng.standard_normal(shape).astype(np.float32)
    results = []
    for fn in (_fused, _composed):
        tensors = [lucid.tensor(a, requires_grad=True) for a in (data, weight, bias)]
        out = fn(*tensors)
        (out * lucid.tensor(upstream)).sum().backward()
        assert out.dtype == np.float32 and all(t.grad.dtype == np.float32 for t in tensors)
        results.append([out.numpy()] + [t.grad for t in tensors])
    for fused, composed, what in zip(results[0], results[1], ["output", "dx", "dweight", "dbias"], strict=True):
        np.testing.assert_allclose(fused, composed, rtol=1e-4, atol=2e-5, err_msg=what)


def test_fused_batch_norm_hands_back_the_batch_statistics() -> None:
    data = np.random.default_rng(5).standard_normal((6, 3, 4)) * 3 + 1
    stats: list[np.ndarray] = []
    _ = BatchNorm.apply(lucid.tensor(data), eps=1e-5, stats_out=stats)
    mean, var = stats
    np.testing.assert_allclose(mean, data.mean(axis=(0, 2)), rtol=1e-12)
    np.testing.assert_allclose(var, data.var(axis=(0, 2)), rtol=1e-12)


def test_gradient_is_unchanged_by_an_in_place_edit_of_the_input_after_the_op() -> None:
    # The op keeps its own centered copy, so (as with the composition) editing x afterwards is allowed.
    data = np.random.default_rng(6).standard_normal((4, 3, 2))
    upstream = lucid.tensor(np.random.default_rng(8).standard_normal(data.shape))
    grads = []
    for edit in (False, True):
        x = lucid.tensor(data, requires_grad=True)
        base = x * 1.0
        out = _fused(base)
        if edit:
            with lucid.no_grad():
                base[...] = 0.0
        (out * upstream).sum().backward()
        grads.append(x.grad)
    np.testing.assert_array_equal(grads[0], grads[1])


@pytest.mark.parametrize("given", ["weight", "bias", "both", "neither"])
def test_batch_norm_training_matches_torch_for_each_affine_combination(given: str) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(9)
    data = (rng.standard_normal((4, 3, 5, 5)) + 2).astype(np.float32)
    params = {name: rng.standard_normal(3).astype(np.float32) for name in ("weight", "bias")}
    use = {name: given in (name, "both") for name in params}
    upstream = rng.standard_normal(data.shape).astype(np.float32)

    ours = {name: lucid.tensor(a, requires_grad=True) if use[name] else None for name, a in params.items()}
    x = lucid.tensor(data, requires_grad=True)
    mean, var = lucid.zeros(3), lucid.ones(3)
    out = F.batch_norm(x, mean, var, ours["weight"], ours["bias"], training=True, momentum=0.3)
    (out * lucid.tensor(upstream)).sum().backward()

    theirs = {name: torch.tensor(a, requires_grad=True) if use[name] else None for name, a in params.items()}
    tx = torch.tensor(data, requires_grad=True)
    tmean, tvar = torch.zeros(3), torch.ones(3)
    tout = torch.nn.functional.batch_norm(
        tx, tmean, tvar, theirs["weight"], theirs["bias"], training=True, momentum=0.3
    )
    (tout * torch.tensor(upstream)).sum().backward()

    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(mean.numpy(), tmean.numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(var.numpy(), tvar.numpy(), rtol=1e-6, atol=1e-6)
    assert mean.dtype == var.dtype == np.float32
    for name in params:
        if use[name]:
            np.testing.assert_allclose(ours[name].grad, theirs[name].grad.numpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("given", ["weight", "bias", "both", "neither"])
@pytest.mark.parametrize("shape", [(4, 3, 5, 5), (6, 3)], ids=["nchw", "nc"])
def test_batch_norm_eval_matches_torch_for_each_affine_combination(given: str, shape: tuple[int, ...]) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(10)
    data = (rng.standard_normal(shape) * 3 + 2).astype(np.float32)
    params = {name: rng.standard_normal(3).astype(np.float32) for name in ("weight", "bias")}
    stats = {"mean": rng.standard_normal(3).astype(np.float32), "var": rng.uniform(0.2, 4, 3).astype(np.float32)}
    use = {name: given in (name, "both") for name in params}
    upstream = rng.standard_normal(shape).astype(np.float32)

    ours = {name: lucid.tensor(a, requires_grad=True) if use[name] else None for name, a in params.items()}
    x = lucid.tensor(data, requires_grad=True)
    mean, var = lucid.tensor(stats["mean"]), lucid.tensor(stats["var"])
    out = F.batch_norm(x, mean, var, ours["weight"], ours["bias"], training=False)
    (out * lucid.tensor(upstream)).sum().backward()

    theirs = {name: torch.tensor(a, requires_grad=True) if use[name] else None for name, a in params.items()}
    tx = torch.tensor(data, requires_grad=True)
    tout = torch.nn.functional.batch_norm(
        tx, torch.tensor(stats["mean"]), torch.tensor(stats["var"]), theirs["weight"], theirs["bias"], training=False
    )
    (tout * torch.tensor(upstream)).sum().backward()

    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-5, atol=1e-5)
    for name in params:
        if use[name]:
            np.testing.assert_allclose(ours[name].grad, theirs[name].grad.numpy(), rtol=1e-4, atol=1e-4)
    # The running statistics are read, never written, in eval.
    np.testing.assert_array_equal(mean.numpy(), stats["mean"])
    np.testing.assert_array_equal(var.numpy(), stats["var"])
