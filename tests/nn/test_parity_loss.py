"""Loss layers and functions against PyTorch (tests/parity.py): every reduction, class weights, ignore_index, label
smoothing, class-probability and K-dimensional targets, and the weighted-mean denominators; targets are constants
(integer arrays or Const) in the inputs list."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import lucid
from lucid.nn import functional as F  # noqa: N812 - the conventional spelling
from lucid.nn import layers as L  # noqa: N812 - short, like torch.nn as tnn
from tests.parity import Const, LayerCase, OpCase, check_layer, check_op, layer_params, op_params, torch

pytestmark = pytest.mark.torch

tnn = torch.nn
TF = torch.nn.functional

_rng = np.random.default_rng(21)


def normal(*shape: int) -> np.ndarray:
    return _rng.standard_normal(shape).astype(np.float32)


def target(*shape: int) -> Const:
    """A constant float target."""
    return Const(_rng.standard_normal(shape).astype(np.float32))


def probabilities(*shape: int) -> np.ndarray:
    """Probabilities strictly inside (0, 1), differentiated (the input of BCELoss)."""
    return _rng.uniform(0.02, 0.98, shape).astype(np.float32)


def distribution(*shape: int, axis: int = 1) -> Const:
    """A constant target distribution over `axis`."""
    values = _rng.random(shape).astype(np.float32) + 0.05
    return Const(values / values.sum(axis=axis, keepdims=True))


def classes(count: int, *shape: int, ignore: int | None = None) -> np.ndarray:
    """Integer class targets; with `ignore`, a few positions are set to that index."""
    labels = _rng.integers(0, count, size=shape)
    if ignore is not None:
        labels.reshape(-1)[::3] = ignore
    return labels


def signs(*shape: int) -> np.ndarray:
    return _rng.choice([-1, 1], size=shape)


def _pair(label: str, build, inputs, **kwargs) -> LayerCase:
    return LayerCase(label, lambda: build(L, lucid), lambda: build(tnn, torch), inputs, **kwargs)


def _reductions(label: str, build, inputs) -> list[LayerCase]:
    """One case per reduction: `build(module, library, reduction)`."""
    return [
        _pair(f"{label} {reduction}", lambda m, lib, r=reduction: build(m, lib, r), inputs)
        for reduction in ("mean", "sum", "none")
    ]


LAYER_CASES = [
    *_reductions("l1", lambda m, lib, r: m.L1Loss(reduction=r), [(3, 4), target(3, 4)]),
    *_reductions("mse", lambda m, lib, r: m.MSELoss(reduction=r), [(2, 3, 2), target(2, 3, 2)]),
    *_reductions("smooth l1", lambda m, lib, r: m.SmoothL1Loss(reduction=r), [normal(4, 5) * 2, target(4, 5)]),
    _pair("smooth l1 beta 0.5", lambda m, lib: m.SmoothL1Loss(beta=0.5), [normal(4, 5) * 2, target(4, 5)]),
    _pair("smooth l1 beta 0", lambda m, lib: m.SmoothL1Loss(beta=0.0), [(6,), target(6)]),
    *_reductions("huber", lambda m, lib, r: m.HuberLoss(reduction=r), [normal(4, 5) * 2, target(4, 5)]),
    _pair("huber delta 2", lambda m, lib: m.HuberLoss(delta=2.0), [normal(3, 6) * 3, target(3, 6)]),
    _pair("kl div batchmean", lambda m, lib: m.KLDivLoss(reduction="batchmean"), [(3, 5), distribution(3, 5)]),
    _pair("kl div sum", lambda m, lib: m.KLDivLoss(reduction="sum"), [(2, 4), distribution(2, 4)]),
    _pair("kl div none", lambda m, lib: m.KLDivLoss(reduction="none"), [(2, 4), distribution(2, 4)]),
    _pair(
        "kl div log target",
        lambda m, lib: m.KLDivLoss(reduction="batchmean", log_target=True),
        [(3, 4), Const(np.log(distribution(3, 4).array))],
    ),
    _pair(
        "kl div zero target entries",
        lambda m, lib: m.KLDivLoss(reduction="sum"),
        [(2, 3), Const(np.array([[0.0, 0.4, 0.6], [1.0, 0.0, 0.0]], dtype=np.float32))],
    ),
    *_reductions("bce", lambda m, lib, r: m.BCELoss(reduction=r), [probabilities(3, 4), Const(probabilities(3, 4))]),
    _pair("bce weighted", lambda m, lib: m.BCELoss(lib.ones(4)), [probabilities(2, 4), Const(probabilities(2, 4))]),
    *_reductions(
        "bce with logits",
        lambda m, lib, r: m.BCEWithLogitsLoss(reduction=r),
        [normal(3, 4) * 5, Const(probabilities(3, 4))],
    ),
    _pair(
        "bce with logits weight and pos_weight",
        lambda m, lib: m.BCEWithLogitsLoss(lib.ones(3, 4), pos_weight=lib.ones(4)),
        [normal(3, 4) * 3, Const(probabilities(3, 4))],
    ),
    _pair(
        "bce with logits large logits",
        lambda m, lib: m.BCEWithLogitsLoss(pos_weight=lib.ones(2)),
        [
            np.array([[60.0, -60.0], [-90.0, 0.5]], dtype=np.float32),
            Const(np.array([[0, 1], [1, 0]], dtype=np.float32)),
        ],
    ),
    *_reductions("nll", lambda m, lib, r: m.NLLLoss(reduction=r), [(5, 4), classes(4, 5)]),
    _pair("nll weighted", lambda m, lib: m.NLLLoss(lib.ones(4)), [(6, 4), classes(4, 6)]),
    _pair("nll ignore_index", lambda m, lib: m.NLLLoss(ignore_index=2), [(6, 3), classes(3, 6, ignore=2)]),
    _pair(
        "nll weighted ignore -100 K-dim",
        lambda m, lib: m.NLLLoss(lib.ones(3)),
        [(2, 3, 4, 2), classes(3, 2, 4, 2, ignore=-100)],
    ),
    _pair("nll unbatched", lambda m, lib: m.NLLLoss(lib.ones(5)), [(5,), np.array(3)]),
    *_reductions(
        "cross entropy weighted",
        lambda m, lib, r: m.CrossEntropyLoss(lib.ones(5), reduction=r),
        [(4, 5), classes(5, 4)],
    ),
    *_reductions(
        "cross entropy weight ignore smoothing",
        lambda m, lib, r: m.CrossEntropyLoss(lib.ones(4), ignore_index=1, reduction=r, label_smoothing=0.2),
        [(7, 4), classes(4, 7, ignore=1)],
    ),
    *_reductions(
        "cross entropy ignore smoothing K-dim",
        lambda m, lib, r: m.CrossEntropyLoss(ignore_index=-100, reduction=r, label_smoothing=0.1),
        [(2, 3, 5), classes(3, 2, 5, ignore=-100)],
    ),
    _pair(
        "cross entropy weighted smoothing K-dim",
        lambda m, lib: m.CrossEntropyLoss(lib.ones(3), label_smoothing=0.3),
        [(2, 3, 2, 3), classes(3, 2, 2, 3)],
    ),
    *_reductions(
        "cross entropy probabilities weighted smoothing",
        lambda m, lib, r: m.CrossEntropyLoss(lib.ones(4), reduction=r, label_smoothing=0.15),
        [(3, 4), distribution(3, 4)],
    ),
    _pair("cross entropy probabilities K-dim", lambda m, lib: m.CrossEntropyLoss(), [(2, 3, 4), distribution(2, 3, 4)]),
    _pair("cross entropy unbatched", lambda m, lib: m.CrossEntropyLoss(label_smoothing=0.1), [(6,), np.array(4)]),
    _pair(
        "cross entropy unbatched probabilities",
        lambda m, lib: m.CrossEntropyLoss(lib.ones(3)),
        [(3,), distribution(3, axis=0)],
    ),
    *_reductions("margin ranking", lambda m, lib, r: m.MarginRankingLoss(reduction=r), [(6,), (6,), signs(6)]),
    _pair("margin ranking margin 0.5", lambda m, lib: m.MarginRankingLoss(0.5), [(2, 3), (2, 3), signs(2, 3)]),
    *_reductions("cosine embedding", lambda m, lib, r: m.CosineEmbeddingLoss(reduction=r), [(5, 4), (5, 4), signs(5)]),
    _pair("cosine embedding margin", lambda m, lib: m.CosineEmbeddingLoss(0.2), [(6, 3), (6, 3), signs(6)]),
    _pair("cosine embedding unbatched", lambda m, lib: m.CosineEmbeddingLoss(-0.5), [(4,), (4,), np.array(-1)]),
]

_W = Const(_rng.uniform(0.2, 2.0, (3, 4)).astype(np.float32))
_CLASS_W = Const(np.array([0.2, 1.5, 0.7, 3.0], dtype=np.float32))

OP_CASES = [
    OpCase(
        "Abs",
        "F.l1_loss weighted mean",
        lambda x, t, w: F.l1_loss(x, t, weight=w),
        lambda x, t, w: TF.l1_loss(x, t, weight=w),
        [(3, 4), target(3, 4), _W],
    ),
    OpCase(
        "Mul",
        "F.mse_loss weighted sum",
        lambda x, t, w: F.mse_loss(x, t, reduction="sum", weight=w),
        lambda x, t, w: TF.mse_loss(x, t, reduction="sum", weight=w),
        [(3, 4), target(3, 4), _W],
    ),
    OpCase(
        "Where",
        "F.huber_loss weighted mean",
        lambda x, t, w: F.huber_loss(x, t, delta=0.5, weight=w),
        lambda x, t, w: TF.huber_loss(x, t, delta=0.5, weight=w),
        [(3, 4), target(3, 4), _W],
    ),
    OpCase("Sub", "F.mse_loss target with gradient", F.mse_loss, TF.mse_loss, [(2, 5), (2, 5)]),
    OpCase(
        "Exp",
        "F.kl_div target with gradient",
        lambda x, t: F.kl_div(x, t, reduction="sum", log_target=True),
        lambda x, t: TF.kl_div(x, t, reduction="sum", log_target=True),
        [(2, 3), (2, 3)],
    ),
    OpCase(
        "BinaryCrossEntropy",
        "F.binary_cross_entropy broadcast weight, target with gradient",
        lambda x, t, w: F.binary_cross_entropy(x, t, w),
        lambda x, t, w: TF.binary_cross_entropy(x, t, w),
        [probabilities(3, 4), probabilities(3, 4), Const(np.array([0.5, 1.0, 2.0, 0.1], np.float32))],
    ),
    OpCase(
        "Softplus",
        "F.binary_cross_entropy_with_logits",
        lambda x, t, p: F.binary_cross_entropy_with_logits(x, t, pos_weight=p),
        lambda x, t, p: TF.binary_cross_entropy_with_logits(x, t, pos_weight=p),
        [(4, 3), probabilities(4, 3), Const(normal(3))],
    ),
    OpCase(
        "GetItem",
        "F.nll_loss class weights",
        lambda x, t, w: F.nll_loss(x, t, w),
        lambda x, t, w: TF.nll_loss(x, t, w),
        [(5, 4), classes(4, 5), _CLASS_W],
    ),
    OpCase(
        "GetItem",
        "F.cross_entropy everything ignored is NaN",
        lambda x, t: F.cross_entropy(x, t),
        lambda x, t: TF.cross_entropy(x, t),
        [(3, 4), np.array([-100, -100, -100])],
    ),
    OpCase(
        "Log",
        "F.cross_entropy weights, ignore, smoothing, K-dim",
        lambda x, t, w: F.cross_entropy(x, t, w, ignore_index=0, label_smoothing=0.25),
        lambda x, t, w: TF.cross_entropy(x, t, w, ignore_index=0, label_smoothing=0.25),
        [(2, 4, 3), classes(4, 2, 3, ignore=0), _CLASS_W],
    ),
    OpCase(
        "Log",
        "F.cross_entropy probabilities with gradient",
        lambda x, t: F.cross_entropy(x, t, label_smoothing=0.1),
        lambda x, t: TF.cross_entropy(x, t, label_smoothing=0.1),
        [(3, 4), probabilities(3, 4)],
    ),
    OpCase(
        "Relu",
        "F.margin_ranking_loss float target",
        lambda a, b, y: F.margin_ranking_loss(a, b, y, 0.3),
        lambda a, b, y: TF.margin_ranking_loss(a, b, y, 0.3),
        [(5,), (5,), Const(signs(5).astype(np.float32))],
    ),
    OpCase(
        "Sqrt",
        "F.cosine_embedding_loss with a zero vector",
        lambda a, b, y: F.cosine_embedding_loss(a, b, y),
        lambda a, b, y: TF.cosine_embedding_loss(a, b, y),
        [np.array([[0.0, 0.0], [1.0, 2.0]], np.float32), (2, 2), np.array([1, -1])],
    ),
]


@pytest.mark.parametrize(("case", "mode"), layer_params(LAYER_CASES))
def test_loss_layer_matches_torch(case: LayerCase, mode: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # KLDivLoss's "mean" warning
        check_layer(case, mode)


@pytest.mark.parametrize("case", op_params(OP_CASES))
def test_loss_function_matches_torch(case: OpCase) -> None:
    check_op(case)


def test_kl_div_mean_warns_and_divides_by_the_element_count() -> None:
    x = np.log(distribution(2, 5).array)
    t = distribution(2, 5).array
    with pytest.warns(UserWarning, match="batchmean"):
        ours = L.KLDivLoss()(lucid.tensor(x), lucid.tensor(t))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = tnn.KLDivLoss()(torch.tensor(x), torch.tensor(t))
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-6)


@pytest.mark.parametrize(
    ("size_average", "reduce", "reduction"), [(False, None, "sum"), (None, False, "none"), (True, True, "mean")]
)
def test_legacy_size_average_and_reduce_pick_the_reduction_as_in_torch(size_average, reduce, reduction: str) -> None:
    with pytest.warns(UserWarning, match="size_average and reduce are deprecated"):
        layer = L.CrossEntropyLoss(None, size_average, -100, reduce)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = tnn.CrossEntropyLoss(None, size_average, -100, reduce)
    assert layer.reduction == theirs.reduction == reduction
    with pytest.warns(UserWarning, match="reduction='sum'"):
        loss = F.l1_loss(lucid.ones(3), lucid.zeros(3), size_average=False)
    assert loss.item() == 3.0


_WEIGHT = lucid.tensor([1.0, 2.0, 3.0])
_TORCH_WEIGHT = torch.tensor([1.0, 2.0, 3.0])
_REPRS = [
    (L.CrossEntropyLoss(_WEIGHT, label_smoothing=0.1), tnn.CrossEntropyLoss(_TORCH_WEIGHT, label_smoothing=0.1)),
    (L.NLLLoss(), tnn.NLLLoss()),
    (L.BCELoss(_WEIGHT), tnn.BCELoss(_TORCH_WEIGHT)),
    (L.BCEWithLogitsLoss(pos_weight=_WEIGHT), tnn.BCEWithLogitsLoss(pos_weight=_TORCH_WEIGHT)),
    (L.BCEWithLogitsLoss(_WEIGHT, pos_weight=_WEIGHT), tnn.BCEWithLogitsLoss(_TORCH_WEIGHT, pos_weight=_TORCH_WEIGHT)),
    (L.L1Loss(), tnn.L1Loss()),
    (L.SmoothL1Loss(beta=0.5), tnn.SmoothL1Loss(beta=0.5)),
    (L.HuberLoss(delta=2.0), tnn.HuberLoss(delta=2.0)),
    (L.KLDivLoss(log_target=True), tnn.KLDivLoss(log_target=True)),
    (L.CosineEmbeddingLoss(0.5), tnn.CosineEmbeddingLoss(0.5)),
    (L.MarginRankingLoss(0.1), tnn.MarginRankingLoss(0.1)),
]


@pytest.mark.parametrize(("ours", "theirs"), _REPRS, ids=[type(t).__name__ for _, t in _REPRS])
def test_loss_repr_state_dict_and_settings_match_torch(ours: lucid.nn.Module, theirs: torch.nn.Module) -> None:
    assert repr(ours) == repr(theirs)
    ours_state, theirs_state = ours.state_dict(), theirs.state_dict()
    assert list(ours_state) == list(theirs_state)
    for name, value in theirs_state.items():
        np.testing.assert_array_equal(ours_state[name].numpy(), value.numpy(), err_msg=name)
    for setting in ("reduction", "ignore_index", "label_smoothing", "beta", "delta", "margin", "log_target"):
        assert getattr(ours, setting, None) == getattr(theirs, setting, None), setting


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: F.cross_entropy(lucid.randn(3, 4), lucid.tensor([0, 1, 4])),
            IndexError,
            "target class 4 is out of range for 4 classes",
        ),
        (
            lambda: F.nll_loss(lucid.randn(3, 4), lucid.tensor([0, -3, 1])),
            IndexError,
            "target class -3 is out of range",
        ),
        (
            lambda: F.nll_loss(lucid.randn(3, 4), lucid.tensor([0, 1, 2]), lucid.ones(3)),
            ValueError,
            r"nll_loss: weight must have one entry per class, shape \(4,\), got \(3,\)",
        ),
        (
            lambda: F.nll_loss(lucid.randn(3, 4), lucid.tensor([0.0, 1.0, 2.0])),
            TypeError,
            "nll_loss: target must hold integer class indices, got dtype float32",
        ),
        (
            lambda: F.cross_entropy(lucid.randn(3, 4), lucid.randn(3, 4), ignore_index=1),
            ValueError,
            r"ignore_index \(1\) cannot be used with class-probability targets",
        ),
        (
            lambda: F.cross_entropy(lucid.randn(3, 4), lucid.randn(3, 5)),
            ValueError,
            r"class-probability target must have the input's shape \(3, 4\), got \(3, 5\)",
        ),
        (
            lambda: F.cross_entropy(lucid.randn(3, 4), lucid.tensor([0, 1]), label_smoothing=1.5),
            ValueError,
            "label_smoothing must be between 0 and 1, got 1.5",
        ),
        (
            lambda: L.CrossEntropyLoss(reduction="avg"),
            ValueError,
            r"CrossEntropyLoss: reduction must be one of \('mean', 'sum', 'none'\), got 'avg'",
        ),
        (lambda: L.KLDivLoss(reduction="batch"), ValueError, "KLDivLoss: reduction must be one of .*'batchmean'"),
        (
            lambda: F.binary_cross_entropy(lucid.tensor([1.5, 0.2]), lucid.tensor([1.0, 0.0])),
            ValueError,
            "every input must be a probability between 0 and 1, got values from 0.2 to 1.5",
        ),
        (
            lambda: F.binary_cross_entropy(lucid.tensor([0.5]), lucid.tensor([1.0, 0.0])),
            ValueError,
            r"input shape \(1,\) and target shape \(2,\) must match",
        ),
        (
            lambda: F.binary_cross_entropy_with_logits(lucid.zeros(2, 3), lucid.zeros(2, 3), pos_weight=lucid.ones(2)),
            ValueError,
            r"pos_weight of shape \(2,\) does not broadcast to the input's shape \(2, 3\)",
        ),
        (
            lambda: F.l1_loss(lucid.zeros(2, 3), lucid.zeros(3)),
            ValueError,
            r"l1_loss: input shape \(2, 3\) and target shape \(3,\) must match",
        ),
        (
            lambda: F.mse_loss(lucid.zeros(3), lucid.zeros(3), weight=lucid.ones(2)),
            ValueError,
            r"mse_loss: weight must have the input's shape \(3,\), got \(2,\)",
        ),
        (lambda: L.SmoothL1Loss(beta=-1.0), ValueError, "SmoothL1Loss: beta must be non-negative, got -1.0"),
        (lambda: L.HuberLoss(delta=0.0), ValueError, "HuberLoss: delta must be positive, got 0.0"),
        (
            lambda: F.margin_ranking_loss(lucid.zeros(3), lucid.zeros(3, 1), lucid.ones(3)),
            ValueError,
            "margin_ranking_loss: input1, input2 and target must have the same number of dimensions",
        ),
        (
            lambda: F.cosine_embedding_loss(lucid.zeros(3, 4), lucid.zeros(3, 4), lucid.ones(3, 1)),
            ValueError,
            r"cosine_embedding_loss: expected inputs of one shape \(N, D\) with a target \(N,\)",
        ),
        (lambda: L.MSELoss()([1.0], lucid.zeros(1)), TypeError, "mse_loss: input must be a lucid Tensor, got list"),
    ],
)
def test_bad_loss_input_names_the_function_and_values(call, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        call()
