"""lucid.nn.functional against torch.nn.functional, plus the random ops' statistics and error messages."""

from __future__ import annotations

import numpy as np
import pytest

import lucid
from lucid.nn import functional as F  # noqa: N812 - the conventional spelling

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _pair(array: np.ndarray) -> tuple[lucid.Tensor, torch.Tensor]:
    return lucid.tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True)


def _assert_close(ours: np.ndarray, theirs: torch.Tensor, tol: float = 1e-5) -> None:
    np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("smoothing", [0.0, 0.1, 1.0])
@pytest.mark.parametrize(
    ("logits_shape", "target_shape"), [((5, 7), (5,)), ((3, 4, 2, 3), (3, 2, 3)), ((6,), ())], ids=["2d", "kd", "1d"]
)
def test_cross_entropy_with_class_indices_matches_torch(logits_shape, target_shape, smoothing, reduction) -> None:
    rng = np.random.default_rng(0)
    logits = rng.standard_normal(logits_shape).astype(np.float32) * 3
    classes = logits_shape[0] if len(logits_shape) == 1 else logits_shape[1]
    target = rng.integers(0, classes, size=target_shape)
    ours, theirs = _pair(logits)
    loss = F.cross_entropy(ours, lucid.tensor(target), reduction=reduction, label_smoothing=smoothing)
    expected = TF.cross_entropy(theirs, torch.tensor(target), reduction=reduction, label_smoothing=smoothing)
    _assert_close(loss.data, expected)
    seed = rng.standard_normal(expected.shape).astype(np.float32)
    loss.backward(seed)
    expected.backward(torch.tensor(seed))
    _assert_close(ours.grad, theirs.grad)


@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_with_class_probabilities_matches_torch(smoothing: float) -> None:
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((4, 5, 3)).astype(np.float32)
    probs = rng.random((4, 5, 3)).astype(np.float32)
    probs /= probs.sum(axis=1, keepdims=True)
    ours, theirs = _pair(logits)
    loss = F.cross_entropy(ours, lucid.tensor(probs), label_smoothing=smoothing)
    expected = TF.cross_entropy(theirs, torch.tensor(probs), label_smoothing=smoothing)
    _assert_close(loss.data, expected)
    loss.backward()
    expected.backward()
    _assert_close(ours.grad, theirs.grad)


def test_cross_entropy_rejects_bad_targets() -> None:
    logits = lucid.randn(3, 4)
    with pytest.raises(IndexError, match="target class 4 is out of range for 4 classes"):
        F.cross_entropy(logits, lucid.tensor([0, 1, 4]))
    with pytest.raises(ValueError, match=r"must have shape \(3,\) for input \(3, 4\), got \(2,\)"):
        F.cross_entropy(logits, lucid.tensor([0, 1]))
    with pytest.raises(ValueError, match="reduction must be one of"):
        F.cross_entropy(logits, lucid.tensor([0, 1, 2]), reduction="avg")


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss_matches_torch(reduction: str) -> None:
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((2, 3, 4)).astype(np.float32)
    ours, theirs = _pair(a)
    loss = F.mse_loss(ours, lucid.tensor(b), reduction=reduction)
    expected = TF.mse_loss(theirs, torch.tensor(b), reduction=reduction)
    _assert_close(loss.data, expected)
    loss.sum().backward()
    expected.sum().backward()
    _assert_close(ours.grad, theirs.grad)


def test_softmax_and_log_softmax_are_stable_and_match_torch() -> None:
    x = np.array([[1000.0, 1001.0, 999.0], [-1000.0, 0.0, 1000.0]], dtype=np.float32)
    for axis in (0, 1, -1):
        ours, theirs = _pair(x)
        y, expected = F.softmax(ours, axis=axis), TF.softmax(theirs, dim=axis)
        assert np.isfinite(y.data).all()
        _assert_close(y.data, expected)
        (y * lucid.tensor(x / 1000)).sum().backward()
        (expected * torch.tensor(x / 1000)).sum().backward()
        _assert_close(ours.grad, theirs.grad)
        ours, theirs = _pair(x)
        y, expected = F.log_softmax(ours, axis=axis), TF.log_softmax(theirs, dim=axis)
        assert np.isfinite(y.data).all()
        _assert_close(y.data, expected, tol=1e-4)
        y.sum().backward()
        expected.sum().backward()
        _assert_close(ours.grad, theirs.grad)


def test_embedding_matches_torch_and_padding_row_gets_no_gradient() -> None:
    rng = np.random.default_rng(3)
    table = rng.standard_normal((6, 4)).astype(np.float32)
    idx = np.array([[0, 2, 2], [5, 0, 1]])
    for padding_idx in (None, 2, -1):
        ours, theirs = _pair(table)
        y = F.embedding(lucid.tensor(idx), ours, padding_idx=padding_idx)
        expected = TF.embedding(torch.tensor(idx), theirs, padding_idx=padding_idx)
        _assert_close(y.data, expected)
        seed = rng.standard_normal(y.shape).astype(np.float32)
        y.backward(seed)
        expected.backward(torch.tensor(seed))
        _assert_close(ours.grad, theirs.grad)
    with pytest.raises(IndexError, match="index 6 is out of range for a table of 6 rows"):
        F.embedding(lucid.tensor([6]), lucid.randn(6, 2))
    with pytest.raises(IndexError, match="index -1 is out of range"):
        F.embedding(lucid.tensor([-1]), lucid.randn(6, 2))


def test_dropout_zeroes_a_fraction_p_and_rescales_the_rest() -> None:
    x = lucid.ones(200, 500, requires_grad=True)
    y = F.dropout(x, p=0.3, training=True)
    kept = y.data != 0
    assert abs(1 - kept.mean() - 0.3) < 0.01
    np.testing.assert_allclose(y.data[kept], 1 / 0.7, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, y.data)  # the gradient is the same scaled mask
    assert F.dropout(x, p=0.3, training=False) is x
    assert (F.dropout(x, p=1.0).data == 0).all()


def test_dropout_is_repeatable_under_a_seed() -> None:
    lucid.random.seed(7)
    a = F.dropout(lucid.ones(50), 0.5).data
    lucid.random.seed(7)
    assert (F.dropout(lucid.ones(50), 0.5).data == a).all()


def test_drop_path_drops_whole_samples_and_keeps_the_expectation() -> None:
    x = lucid.ones(4000, 3, 2, 2)
    y = F.drop_path(x, 0.25, training=True).data
    per_sample = y.reshape(4000, -1)
    assert (per_sample == per_sample[:, :1]).all()  # all-or-nothing per sample
    np.testing.assert_allclose(np.unique(per_sample), [0.0, 1 / 0.75], rtol=1e-6)
    assert abs(per_sample[:, 0].mean() - 1.0) < 0.05
    assert F.drop_path(x, 0.25, training=False) is x
    unscaled = F.drop_path(x, 0.5, training=True, scale_by_keep=False).data
    assert set(np.unique(unscaled)) <= {0.0, 1.0}


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_rejects_bad_probability(p: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(lucid.ones(3), p)
    with pytest.raises(ValueError, match="between 0 and 1"):
        lucid.nn.Dropout(p)


def test_batch_norm_updates_running_var_with_the_unbiased_variance() -> None:
    x = np.random.default_rng(4).standard_normal((3, 2, 2, 2)).astype(np.float32)
    mean, var = lucid.zeros(2), lucid.ones(2)
    F.batch_norm(lucid.tensor(x), mean, var, training=True, momentum=0.5)
    flat = x.transpose(1, 0, 2, 3).reshape(2, -1)
    np.testing.assert_allclose(mean.data, 0.5 * flat.mean(axis=1), rtol=1e-5)
    np.testing.assert_allclose(var.data, 0.5 + 0.5 * flat.var(axis=1, ddof=1), rtol=1e-5)


def test_batch_norm_training_needs_more_than_one_value_per_channel() -> None:
    with pytest.raises(ValueError, match="more than one value per channel"):
        F.batch_norm(lucid.randn(1, 3), lucid.zeros(3), lucid.ones(3), training=True)


def test_linear_and_conv2d_match_torch_functional() -> None:
    rng = np.random.default_rng(5)
    x, w, b = rng.standard_normal((2, 3, 5)).astype(np.float32), rng.standard_normal((4, 5)), rng.standard_normal(4)
    _assert_close(
        F.linear(lucid.tensor(x), lucid.tensor(w), lucid.tensor(b)).data,
        TF.linear(torch.tensor(x), torch.tensor(w, dtype=torch.float32), torch.tensor(b, dtype=torch.float32)),
    )
    img, k = rng.standard_normal((1, 4, 6, 6)).astype(np.float32), rng.standard_normal((6, 2, 3, 3)).astype(np.float32)
    _assert_close(
        F.conv2d(lucid.tensor(img), lucid.tensor(k), stride=2, padding=1, groups=2).data,
        TF.conv2d(torch.tensor(img), torch.tensor(k), stride=2, padding=1, groups=2),
    )
