"""Layer behaviour that does not need PyTorch: input errors, default initialization, modes, families."""

from __future__ import annotations

import math

import numpy as np
import pytest

import lucid
from lucid import nn


@pytest.mark.parametrize(
    ("layer", "x", "message"),
    [
        (lambda: nn.Conv2d(3, 8, 3), (1, 4, 8, 8), r"Conv2d: expected input with 3 channels, got shape \(1, 4, 8, 8\)"),
        (lambda: nn.Conv2d(3, 8, 3), (3, 8), r"Conv2d: expected input of shape \(N, C, H, W\) or \(C, H, W\), got"),
        (lambda: nn.Conv2d(3, 8, 5), (1, 3, 3, 3), r"Conv2d: input \(1, 3, 3, 3\) padded by \(0, 0\) is smaller"),
        (lambda: nn.BatchNorm2d(8), (2, 8, 4), r"BatchNorm2d: expected input of shape \(N, C, H, W\), got shape"),
        (lambda: nn.BatchNorm2d(8), (2, 6, 4, 4), r"BatchNorm2d: expected input with 8 channels, got shape"),
        (lambda: nn.BatchNorm1d(8), (2, 6), r"BatchNorm1d: expected input with 8 channels, got shape \(2, 6\)"),
        (lambda: nn.LayerNorm(8), (2, 7), r"LayerNorm: expected input whose trailing dimensions are \(8,\), got"),
        (lambda: nn.GroupNorm(2, 8), (2, 6, 3, 3), r"GroupNorm: expected input with 8 channels"),
        (lambda: nn.Linear(4, 2), (3, 5), r"Linear: expected input with last dimension 4, got shape \(3, 5\)"),
        (lambda: nn.AvgPool2d(3), (2, 2, 4), r"AvgPool2d: input of shape \(2, 2, 4\) is too small"),
        (lambda: nn.MaxPool2d(2), (2, 3), r"MaxPool2d: expected input of shape \(N, C, H, W\) or \(C, H, W\)"),
        (lambda: nn.AvgPool2d(2, padding=2), (1, 1, 4, 4), r"padding \(2, 2\) must be at most half"),
    ],
)
def test_bad_input_raises_a_value_error_naming_shapes(layer, x, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        layer()(lucid.zeros(*x))


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: nn.Conv2d(3, 8, 3, groups=2), r"in_channels \(3\) and out_channels \(8\) must both be divisible"),
        (lambda: nn.Conv2d(3, 8, 2, padding="full"), "padding must be an int, a tuple, 'valid' or 'same', got 'full'"),
        (lambda: nn.Conv2d(3, 8, 3, padding_mode="mirror"), "padding_mode must be one of .*, got 'mirror'"),
        (lambda: nn.GroupNorm(3, 8), r"num_channels \(8\) must be divisible by num_groups \(3\)"),
        (lambda: nn.GELU("fast"), "approximate must be 'none' or 'tanh'"),
        (lambda: nn.MSELoss(reduction="avg"), "reduction must be one of"),
        (lambda: nn.Embedding(4, 2, padding_idx=4), "padding_idx 4 must be within"),
    ],
)
def test_bad_arguments_raise_at_construction(build, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def test_conv_and_linear_default_init_is_torch_kaiming_uniform() -> None:
    # kaiming_uniform(a=sqrt(5)) is U(-1/sqrt(fan_in), 1/sqrt(fan_in)); the bias uses the same bound.
    conv = nn.Conv2d(16, 64, 3)
    bound = 1 / math.sqrt(16 * 9)
    for p in (conv.weight, conv.bias):
        assert np.abs(p.data).max() <= bound
    assert abs(conv.weight.data.std() - bound / math.sqrt(3)) < 0.05 * bound
    linear = nn.Linear(200, 300)
    assert np.abs(linear.weight.data).max() <= 1 / math.sqrt(200)
    assert abs(linear.weight.data.std() - 1 / math.sqrt(600)) < 0.05 / math.sqrt(600)


def test_norm_layers_start_as_the_identity_affine() -> None:
    bn = nn.BatchNorm2d(4)
    assert (bn.weight.data == 1).all() and (bn.bias.data == 0).all()
    assert (bn.running_mean.data == 0).all() and (bn.running_var.data == 1).all()
    assert bn.num_batches_tracked.dtype == np.int64 and bn.num_batches_tracked.item() == 0
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]


def test_batchnorm_counts_batches_only_in_training() -> None:
    bn = nn.BatchNorm2d(2)
    bn(lucid.randn(2, 2, 3, 3))
    bn(lucid.randn(2, 2, 3, 3))
    bn.eval()
    before = bn.running_mean.data.copy()
    bn(lucid.randn(2, 2, 3, 3))
    assert bn.num_batches_tracked.item() == 2
    assert (bn.running_mean.data == before).all()


def test_embedding_padding_row_starts_at_zero() -> None:
    emb = nn.Embedding(5, 3, padding_idx=-1)
    assert emb.padding_idx == 4
    assert (emb.weight.data[4] == 0).all() and (emb.weight.data[:4] != 0).all()


def test_dropout_layers_follow_train_and_eval() -> None:
    x = lucid.ones(64, 64)
    block = nn.Sequential(nn.Dropout(0.5), nn.DropPath(0.5))
    assert (block(x).data != 1).any()
    block.eval()
    assert (block(x).data == 1).all()


def test_each_layer_lives_in_the_file_named_for_its_family() -> None:
    families = {
        "conv": [nn.Conv2d],
        "norm": [
            nn.BatchNorm1d,
            nn.BatchNorm2d,
            nn.BatchNorm3d,
            nn.InstanceNorm1d,
            nn.InstanceNorm2d,
            nn.InstanceNorm3d,
            nn.LayerNorm,
            nn.GroupNorm,
            nn.RMSNorm,
            nn.LocalResponseNorm,
        ],
        "activation": [
            nn.ReLU,
            nn.ReLU6,
            nn.LeakyReLU,
            nn.PReLU,
            nn.ELU,
            nn.SELU,
            nn.CELU,
            nn.Hardtanh,
            nn.Hardswish,
            nn.Hardsigmoid,
            nn.Mish,
            nn.Softplus,
            nn.Softsign,
            nn.GELU,
            nn.SiLU,
            nn.Sigmoid,
            nn.Tanh,
            nn.GLU,
            nn.Softmax,
            nn.LogSoftmax,
        ],
        "linear": [nn.Linear, nn.Bilinear, nn.Identity, nn.Flatten, nn.Unflatten, nn.ChannelShuffle],
        "pool": [nn.AvgPool2d, nn.MaxPool2d, nn.AdaptiveAvgPool2d],
        "drop": [nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout, nn.DropPath],
        "sparse": [nn.Embedding],
        "loss": [
            nn.CrossEntropyLoss,
            nn.NLLLoss,
            nn.MSELoss,
            nn.L1Loss,
            nn.SmoothL1Loss,
            nn.HuberLoss,
            nn.KLDivLoss,
            nn.BCELoss,
            nn.BCEWithLogitsLoss,
            nn.MarginRankingLoss,
            nn.CosineEmbeddingLoss,
        ],
    }
    for family, classes in families.items():
        for cls in classes:
            assert cls.__module__ == f"lucid.nn.layers.{family}", cls


def test_softmax_without_dim_warns_and_uses_torchs_implicit_axis() -> None:
    with pytest.warns(UserWarning, match="implicit dimension"):
        y = nn.Softmax()(lucid.zeros(2, 4))
    np.testing.assert_allclose(y.data, 0.25)


def test_layers_run_in_float64_after_double() -> None:
    net = nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.GELU(), nn.AdaptiveAvgPool2d(1))
    net.double()
    x = lucid.randn(2, 2, 5, 5, dtype=lucid.float64, requires_grad=True)
    y = net(x)
    assert y.dtype == np.float64
    y.sum().backward()
    assert all(p.grad.dtype == np.float64 for p in net.parameters())


def test_hyper_parameters_of_the_wrong_type_raise_type_error() -> None:
    with pytest.raises(TypeError, match=r"Conv2d: kernel_size must be an int or a pair of ints, got '3'"):
        nn.Conv2d(3, 8, "3")
    with pytest.raises(TypeError, match=r"MaxPool2d: stride must be an int or a pair of ints, got \(1, 2, 3\)"):
        nn.MaxPool2d(2, stride=(1, 2, 3))(lucid.zeros(1, 1, 4, 4))


def test_an_embedding_runs_shape_only() -> None:
    with lucid.meta():
        table = lucid.nn.Embedding(10, 4)
        tokens = lucid.zeros(2, 5, dtype=lucid.int64)
    out = table(tokens)
    assert out.is_meta and out.shape == (2, 5, 4)
