"""Embedding options, Bilinear, Unflatten, ChannelShuffle, the dropout variants and ParameterList / ParameterDict
against PyTorch (tests/parity.py), and the training-mode statistics of the dropouts (which no two libraries can
share draw for draw), tested with a fixed seed."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import lucid
from lucid.nn import functional as F  # noqa: N812 - the conventional spelling
from lucid.nn import layers as L  # noqa: N812 - short, like torch.nn as tnn
from tests.parity import LayerCase, OpCase, check_layer, check_op, layer_params, op_params, torch

pytestmark = pytest.mark.torch

tnn = torch.nn
TF = torch.nn.functional

_TOKENS = np.array([[0, 5, 2, 2], [2, 1, 5, 0]])


def _pair(label: str, build, inputs, **kwargs) -> LayerCase:
    return LayerCase(label, lambda: build(L), lambda: build(tnn), inputs, **kwargs)


_DROPOUTS = [
    ("dropout1d", lambda m, p: m.Dropout1d(p), (3, 4, 5)),
    ("dropout1d unbatched", lambda m, p: m.Dropout1d(p), (4, 5)),
    ("dropout2d", lambda m, p: m.Dropout2d(p), (2, 3, 4, 4)),
    ("dropout3d", lambda m, p: m.Dropout3d(p), (2, 3, 2, 2, 2)),
    ("dropout3d unbatched", lambda m, p: m.Dropout3d(p), (3, 2, 2, 2)),
    ("alpha dropout", lambda m, p: m.AlphaDropout(p), (4, 6)),
]

LAYER_CASES = [
    _pair("embedding padding_idx", lambda m: m.Embedding(6, 3, padding_idx=2), [_TOKENS]),
    _pair("embedding negative padding_idx", lambda m: m.Embedding(6, 3, padding_idx=-1), [_TOKENS]),
    _pair("embedding max_norm", lambda m: m.Embedding(6, 4, max_norm=1.0), [_TOKENS]),
    _pair("embedding max_norm 1-norm", lambda m: m.Embedding(6, 4, max_norm=1.5, norm_type=1.0), [_TOKENS]),
    _pair("embedding max_norm above the norms", lambda m: m.Embedding(6, 2, max_norm=50.0), [_TOKENS]),
    _pair("embedding scale_grad_by_freq", lambda m: m.Embedding(6, 3, scale_grad_by_freq=True), [_TOKENS]),
    _pair(
        "embedding everything",
        lambda m: m.Embedding(6, 3, padding_idx=0, max_norm=2.0, norm_type=3.0, scale_grad_by_freq=True),
        [_TOKENS],
    ),
    _pair("bilinear", lambda m: m.Bilinear(3, 4, 5), [(6, 3), (6, 4)]),
    _pair("bilinear no bias", lambda m: m.Bilinear(2, 3, 4, bias=False), [(5, 2), (5, 3)]),
    _pair("bilinear 3-d input", lambda m: m.Bilinear(3, 2, 4), [(2, 5, 3), (2, 5, 2)]),
    _pair("bilinear 1-d input", lambda m: m.Bilinear(3, 2, 4), [(3,), (2,)]),
    _pair("unflatten", lambda m: m.Unflatten(1, (2, 3)), [(4, 6)]),
    _pair("unflatten -1 and negative dim", lambda m: m.Unflatten(-1, [2, -1, 2]), [(3, 2, 8)]),
    _pair("channel shuffle", lambda m: m.ChannelShuffle(2), [(2, 6, 3, 3)]),
    _pair("channel shuffle 3 groups 3-d", lambda m: m.ChannelShuffle(3), [(2, 9, 4)]),
    *(_pair(f"{label} p=0", lambda m, b=build: b(m, 0.0), [shape]) for label, build, shape in _DROPOUTS),
    *(
        _pair(f"{label} eval", lambda m, b=build: b(m, 0.4), [shape], modes=("eval",))
        for label, build, shape in _DROPOUTS
    ),
]

OP_CASES = [
    OpCase("MatMul", "F.bilinear", F.bilinear, TF.bilinear, [(4, 3), (4, 2), (5, 3, 2), (5,)]),
    OpCase(
        "Transpose",
        "F.channel_shuffle",
        lambda x: F.channel_shuffle(x, 4),
        lambda x: TF.channel_shuffle(x, 4),
        [(1, 8, 2)],
    ),
    OpCase(
        "GetItem",
        "F.embedding scale_grad_by_freq",
        lambda i, w: F.embedding(i, w, scale_grad_by_freq=True),
        lambda i, w: TF.embedding(i, w, scale_grad_by_freq=True),
        [np.array([[3, 3, 1], [3, 0, 1]]), (4, 2)],
    ),
]


@pytest.mark.parametrize(("case", "mode"), layer_params(LAYER_CASES))
def test_layer_matches_torch(case: LayerCase, mode: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_layer(case, mode)


@pytest.mark.parametrize("case", op_params(OP_CASES))
def test_function_matches_torch(case: OpCase) -> None:
    check_op(case)


def test_embedding_max_norm_renormalizes_the_looked_up_rows_in_place_as_torch() -> None:
    table = (np.random.default_rng(0).standard_normal((8, 4)) * 2).astype(np.float32)
    ours, theirs = L.Embedding(8, 4, max_norm=1.5), tnn.Embedding(8, 4, max_norm=1.5)
    ours.load_state_dict({"weight": table.copy()})
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(table))
    tokens = np.array([1, 3, 3, 6])
    ours(lucid.tensor(tokens))
    theirs(torch.tensor(tokens))
    np.testing.assert_allclose(ours.weight.numpy(), theirs.weight.detach().numpy(), rtol=1e-6)
    norms = np.linalg.norm(ours.weight.numpy(), axis=1)
    assert (norms[[1, 3, 6]] <= 1.5).all()
    np.testing.assert_array_equal(ours.weight.numpy()[[0, 2, 4, 5, 7]], table[[0, 2, 4, 5, 7]])  # rows not looked up


def test_embedding_from_pretrained_freezes_and_copies_as_torch() -> None:
    table = np.arange(6, dtype=np.float32).reshape(3, 2)
    frozen = L.Embedding.from_pretrained(lucid.tensor(table), padding_idx=1)
    assert not frozen.weight.requires_grad and frozen.padding_idx == 1
    np.testing.assert_array_equal(frozen.weight.numpy(), table)  # a given table keeps its padding row
    assert repr(frozen) == repr(tnn.Embedding.from_pretrained(torch.tensor(table), padding_idx=1))
    trainable = L.Embedding.from_pretrained(lucid.tensor(table), freeze=False)
    trainable(lucid.tensor([2, 2])).sum().backward()
    np.testing.assert_array_equal(trainable.weight.grad, [[0, 0], [0, 0], [2, 2]])


@pytest.mark.parametrize("build", [lambda m: m.Dropout1d(0.5), lambda m: m.Dropout2d(0.5), lambda m: m.Dropout3d(0.5)])
def test_channel_dropout_zeroes_whole_channels_and_scales_the_rest(build) -> None:
    lucid.random.seed(0)
    layer = build(L)
    spatial = {"Dropout1d": (6,), "Dropout2d": (3, 3), "Dropout3d": (2, 2, 2)}[type(layer).__name__]
    x = lucid.ones(40, 50, *spatial, requires_grad=True)
    y = layer(x)
    values = y.numpy().reshape(40, 50, -1)
    # Each (sample, channel) is all zeros or all 2 = 1 / (1 - p): whole channels go.
    assert set(np.unique(values)) == {0.0, 2.0}
    assert (values == values[:, :, :1]).all()
    dropped = float((values[:, :, 0] == 0).mean())
    assert abs(dropped - 0.5) < 0.05  # 2000 channels: a binomial's spread is about 0.011
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, y.numpy())  # the gradient is the mask itself


def test_dropout2d_takes_a_3d_input_as_batched_1d_with_torchs_warning() -> None:
    lucid.random.seed(1)
    with pytest.warns(UserWarning, match="dropout2d: a 3-d input is taken as \\(N, C, L\\)"):
        y = F.dropout2d(lucid.ones(30, 20, 5), 0.5).numpy()
    assert (y == y[:, :, :1]).all() and 0 < (y == 0).mean() < 1


def test_alpha_dropout_keeps_zero_mean_and_unit_variance() -> None:
    lucid.random.seed(2)
    x = lucid.randn(400_000, requires_grad=True)
    for p in (0.1, 0.5):
        y = F.alpha_dropout(x, p, training=True)
        values = y.numpy()
        assert abs(values.mean()) < 0.01 and abs(values.std() - 1.0) < 0.01
        # Dropped units all share one value, SELU's saturation mapped through the same affine as kept ones.
        a = 1 / np.sqrt((1.7580993408473766**2 * p + 1) * (1 - p))
        dropped = np.isclose(values, -1.7580993408473766 * a * (1 - p), rtol=1e-6)
        assert abs(dropped.mean() - p) < 0.01
        np.testing.assert_allclose(values[~dropped], x.numpy()[~dropped] * a + 1.7580993408473766 * a * p, atol=1e-6)
    # The gradient is a where kept, 0 where dropped (positive inputs keep the two kinds of output apart).
    x = lucid.rand(10_000, requires_grad=True)
    y = F.alpha_dropout(x, 0.5, training=True)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, np.where(y.numpy() > 0, a, 0.0), rtol=1e-6)


def test_dropouts_at_p_one_zero_everything_and_in_eval_pass_through() -> None:
    x = lucid.randn(2, 3, 4)
    for layer in (L.Dropout1d(1.0), L.AlphaDropout(1.0), L.Dropout(1.0)):
        assert (layer(x).numpy() == 0).all()
        assert layer.eval()(x) is x


_REPRS = [
    (
        L.Embedding(5, 3, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True),
        tnn.Embedding(5, 3, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True),
    ),
    (L.Embedding(5, 3, padding_idx=-2, sparse=True), tnn.Embedding(5, 3, padding_idx=-2, sparse=True)),
    (L.Bilinear(2, 3, 4), tnn.Bilinear(2, 3, 4)),
    (L.Bilinear(2, 3, 4, bias=False), tnn.Bilinear(2, 3, 4, bias=False)),
    (L.Unflatten(1, (2, 3)), tnn.Unflatten(1, (2, 3))),
    (L.Unflatten(-1, [2, -1]), tnn.Unflatten(-1, [2, -1])),
    (L.ChannelShuffle(2), tnn.ChannelShuffle(2)),
    (L.Dropout1d(), tnn.Dropout1d()),
    (L.Dropout2d(0.2, True), tnn.Dropout2d(0.2, True)),
    (L.Dropout3d(0.3), tnn.Dropout3d(0.3)),
    (L.AlphaDropout(0.1), tnn.AlphaDropout(0.1)),
]


@pytest.mark.parametrize(("ours", "theirs"), _REPRS, ids=[repr(t) for _, t in _REPRS])
def test_repr_and_state_dict_names_match_torch(ours: lucid.nn.Module, theirs: torch.nn.Module) -> None:
    assert repr(ours) == repr(theirs)
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == {
        k: tuple(v.shape) for k, v in theirs.state_dict().items()
    }


def test_bilinear_default_init_is_torchs_uniform_bound() -> None:
    layer = L.Bilinear(16, 3, 200)
    bound = 1 / np.sqrt(16)
    for p in (layer.weight, layer.bias):
        assert np.abs(p.numpy()).max() <= bound
    assert abs(layer.weight.numpy().std() - bound / np.sqrt(3)) < 0.05 * bound


def _torch_style(text: str) -> str:
    """PyTorch's parameter-container reprs, in lucid's dtype names."""
    for old, new in (
        ("torch.FloatTensor", "lucid.float32"),
        ("torch.DoubleTensor", "lucid.float64"),
        ("torch.", "lucid."),
    ):
        text = text.replace(old, new)
    return text


def test_parameter_list_registers_state_dict_keys_and_reprs_as_torch() -> None:
    arrays = [np.ones((2, 3), np.float32), np.arange(4, dtype=np.float32)]
    ours = lucid.nn.ParameterList([lucid.nn.Parameter(lucid.tensor(arrays[0])), lucid.tensor(arrays[1])])
    theirs = tnn.ParameterList([tnn.Parameter(torch.tensor(arrays[0])), torch.tensor(arrays[1])])
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["0", "1"]
    assert repr(ours) == _torch_style(repr(theirs))
    assert all(isinstance(p, lucid.nn.Parameter) and p.requires_grad for p in ours)
    ours.append(lucid.zeros(5))
    ours[0] = lucid.ones(1)
    assert len(ours) == 3 and ours[-1].shape == (5,) and ours[0].shape == (1,)
    assert [p.shape for p in ours[1:]] == [(4,), (5,)]
    assert [name for name, _ in ours.named_parameters()] == ["0", "1", "2"]
    ours.load_state_dict({"0": np.full(1, 7.0, np.float32), "1": arrays[1], "2": np.zeros(5, np.float32)})
    assert ours[0].item() == 7.0
    with pytest.raises(IndexError, match="index 3 is out of range for a ParameterList of length 3"):
        ours[3]
    with pytest.raises(TypeError, match=r"ParameterList\.append \(entry 3\): expected a Parameter or Tensor, got str"):
        ours.append("w")


def test_parameter_dict_registers_its_keys_and_reprs_as_torch() -> None:
    ours = lucid.nn.ParameterDict({"scale": lucid.ones(2), "shift": lucid.zeros(3, dtype=lucid.float64)})
    theirs = tnn.ParameterDict({"scale": torch.ones(2), "shift": torch.zeros(3, dtype=torch.float64)})
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["scale", "shift"]
    assert repr(ours) == _torch_style(repr(theirs))
    ours["bias"] = lucid.zeros(1)
    assert "bias" in ours and len(ours) == 3 and list(ours) == ["scale", "shift", "bias"]
    assert ours.pop("shift").dtype == np.float64 and list(ours.keys()) == ["scale", "bias"]
    ours.update([("gain", lucid.ones(4))])
    assert [name for name, _ in ours.named_parameters()] == ["scale", "bias", "gain"]
    with pytest.raises(KeyError, match="ParameterDict has no key 'missing'"):
        ours["missing"]
    with pytest.raises(KeyError, match=r"must be non-empty and contain no '\.'"):
        ours["a.b"] = lucid.ones(1)


def test_parameter_containers_in_a_model_train() -> None:
    class Scaled(lucid.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.gains = lucid.nn.ParameterList([lucid.ones(3) for _ in range(2)])
            self.shifts = lucid.nn.ParameterDict({"a": lucid.zeros(3)})

        def forward(self, x: lucid.Tensor) -> lucid.Tensor:
            return x * self.gains[0] * self.gains[1] + self.shifts["a"]

    model = Scaled()
    assert list(model.state_dict()) == ["gains.0", "gains.1", "shifts.a"]
    model(lucid.ones(2, 3)).sum().backward()
    np.testing.assert_array_equal(model.shifts["a"].grad, [2.0, 2.0, 2.0])
    assert len(list(model.parameters())) == 3


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: L.Bilinear(2, 3, 4)(lucid.zeros(5, 2), lucid.zeros(5, 4)),
            ValueError,
            r"Bilinear: expected input2 with last dimension 3, got shape \(5, 4\)",
        ),
        (
            lambda: F.bilinear(lucid.zeros(5, 2), lucid.zeros(4, 3), lucid.zeros(4, 2, 3)),
            ValueError,
            r"bilinear: the inputs' leading dimensions must match",
        ),
        (
            lambda: L.Unflatten(1, (4, 2))(lucid.zeros(3, 6)),
            ValueError,
            r"Unflatten: dimension 1 of size 6 \(input \(3, 6\)\) cannot be split",
        ),
        (lambda: L.Unflatten(1, "23"), TypeError, "Unflatten: unflattened_size must be a tuple or list of ints"),
        (
            lambda: L.ChannelShuffle(2)(lucid.zeros(1, 5, 3)),
            ValueError,
            r"channel_shuffle: the 5 channels of input \(1, 5, 3\) are not divisible by groups=2",
        ),
        (
            lambda: L.ChannelShuffle(2)(lucid.zeros(4, 6)),
            ValueError,
            r"channel_shuffle: expected input of shape \(N, C, \*\)",
        ),
        (
            lambda: L.Dropout1d(0.5)(lucid.zeros(2, 3, 4, 5)),
            ValueError,
            r"dropout1d: expected input of shape \(N, C, L\) or \(C, L\), got shape \(2, 3, 4, 5\)",
        ),
        (
            lambda: L.Dropout2d(0.5)(lucid.zeros(2, 3)),
            ValueError,
            r"dropout2d: expected input of shape \(N, C, H, W\), got shape \(2, 3\)",
        ),
        (lambda: L.AlphaDropout(1.5), ValueError, "AlphaDropout: p must be a probability between 0 and 1, got 1.5"),
        (
            lambda: L.Embedding(4, 2, max_norm=1.0)(lucid.tensor([4])),
            IndexError,
            "embedding: index 4 is out of range for a table of 4 rows",
        ),
        (
            lambda: L.Embedding(4, 2, _weight=lucid.zeros(3, 2)),
            ValueError,
            r"Embedding: _weight must have shape \(4, 2\), got \(3, 2\)",
        ),
        (
            lambda: L.Embedding.from_pretrained(lucid.zeros(3)),
            ValueError,
            r"Embedding.from_pretrained: embeddings must be a 2-d Tensor, got \(3,\)",
        ),
    ],
)
def test_bad_input_names_the_layer(call, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        call()
