"""Stateless spellings of the layers (PyTorch's `torch.nn.functional`), one module per family.

>>> from lucid.nn import functional as F
>>> F.relu(lucid.tensor([-1.0, 1.0]))
tensor([0., 1.])
"""

from lucid.autograd.ops.conv import conv2d
from lucid.autograd.ops.pool import adaptive_avg_pool2d, avg_pool2d, max_pool2d
from lucid.nn.functional.activation import gelu, log_softmax, relu, sigmoid, silu, softmax, tanh
from lucid.nn.functional.attention import scaled_dot_product_attention
from lucid.nn.functional.drop import drop_path, dropout
from lucid.nn.functional.linear import linear
from lucid.nn.functional.loss import cross_entropy, mse_loss
from lucid.nn.functional.multihead import multi_head_attention_forward
from lucid.nn.functional.norm import batch_norm, group_norm, layer_norm
from lucid.nn.functional.sparse import embedding

__all__ = [
    "adaptive_avg_pool2d",
    "avg_pool2d",
    "batch_norm",
    "conv2d",
    "cross_entropy",
    "drop_path",
    "dropout",
    "embedding",
    "gelu",
    "group_norm",
    "layer_norm",
    "linear",
    "log_softmax",
    "max_pool2d",
    "mse_loss",
    "multi_head_attention_forward",
    "relu",
    "scaled_dot_product_attention",
    "sigmoid",
    "silu",
    "softmax",
    "tanh",
]
