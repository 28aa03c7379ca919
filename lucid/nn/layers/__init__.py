"""Layer classes, one module per family (the family is the file name: conv, norm, activation, ...).

>>> from lucid.nn.layers import Conv2d, BatchNorm2d
>>> BatchNorm2d(8)(Conv2d(3, 8, 3, padding=1)(lucid.randn(1, 3, 16, 16))).shape
(1, 8, 16, 16)
"""

from lucid.nn.layers.activation import GELU, ReLU, Sigmoid, SiLU, Softmax, Tanh
from lucid.nn.layers.attention import MultiheadAttention
from lucid.nn.layers.conv import Conv2d
from lucid.nn.layers.drop import Dropout, DropPath
from lucid.nn.layers.linear import Flatten, Identity, Linear
from lucid.nn.layers.loss import CrossEntropyLoss, MSELoss
from lucid.nn.layers.norm import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm
from lucid.nn.layers.pool import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from lucid.nn.layers.recurrent import GRU, LSTM, RNN
from lucid.nn.layers.recurrent_cell import GRUCell, LSTMCell, RNNCell
from lucid.nn.layers.sparse import Embedding
from lucid.nn.layers.transformer import Transformer, TransformerDecoder, TransformerEncoder
from lucid.nn.layers.transformer_layer import TransformerDecoderLayer, TransformerEncoderLayer

__all__ = [
    "GELU",
    "GRU",
    "LSTM",
    "RNN",
    "AdaptiveAvgPool2d",
    "AvgPool2d",
    "BatchNorm1d",
    "BatchNorm2d",
    "Conv2d",
    "CrossEntropyLoss",
    "DropPath",
    "Dropout",
    "Embedding",
    "Flatten",
    "GRUCell",
    "GroupNorm",
    "Identity",
    "LSTMCell",
    "LayerNorm",
    "Linear",
    "MSELoss",
    "MaxPool2d",
    "MultiheadAttention",
    "RNNCell",
    "ReLU",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "Transformer",
    "TransformerDecoder",
    "TransformerDecoderLayer",
    "TransformerEncoder",
    "TransformerEncoderLayer",
]
