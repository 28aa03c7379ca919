"""Stateless spellings of the layers (PyTorch's `torch.nn.functional`), one module per family.

>>> from lucid.nn import functional as F
>>> F.relu(lucid.tensor([-1.0, 1.0]))
tensor([0., 1.])
"""

from lucid.autograd.ops.conv import conv1d, conv2d, conv3d
from lucid.autograd.ops.conv_transpose import conv_transpose1d, conv_transpose2d, conv_transpose3d
from lucid.autograd.ops.fold import fold, unfold
from lucid.autograd.ops.padding import pad
from lucid.autograd.ops.resample import interpolate
from lucid.nn.functional.activation import gelu, log_softmax, relu, sigmoid, silu, softmax, tanh
from lucid.nn.functional.drop import drop_path, dropout
from lucid.nn.functional.linear import linear
from lucid.nn.functional.loss import cross_entropy, mse_loss
from lucid.nn.functional.norm import batch_norm, group_norm, layer_norm
from lucid.nn.functional.pool import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_avg_pool3d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    adaptive_max_pool3d,
    avg_pool1d,
    avg_pool2d,
    avg_pool3d,
    max_pool1d,
    max_pool2d,
    max_pool3d,
)
from lucid.nn.functional.resample import pixel_shuffle, pixel_unshuffle
from lucid.nn.functional.sparse import embedding

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool3d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "adaptive_max_pool3d",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "batch_norm",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "cross_entropy",
    "drop_path",
    "dropout",
    "embedding",
    "fold",
    "gelu",
    "group_norm",
    "interpolate",
    "layer_norm",
    "linear",
    "log_softmax",
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
    "mse_loss",
    "pad",
    "pixel_shuffle",
    "pixel_unshuffle",
    "relu",
    "sigmoid",
    "silu",
    "softmax",
    "tanh",
    "unfold",
]
