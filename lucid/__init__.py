"""lucid: a deep-learning library on NumPy, with reverse-mode autograd.

>>> import lucid
>>> x = lucid.randn(2, 3, requires_grad=True)
>>> (x * x).sum().backward()
>>> bool((x.grad == 2 * x.numpy()).all())  # d(sum x²)/dx = 2x
True
"""

from lucid import random
from lucid._kernels.threads import get_num_threads, set_num_threads
from lucid._tensor_methods import attach as _attach
from lucid.autograd.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from lucid.autograd.ops.elementwise import (
    abs,
    add,
    clip,
    div,
    erf,
    exp,
    log,
    maximum,
    minimum,
    mul,
    neg,
    pow,
    relu,
    sigmoid,
    sqrt,
    sub,
    tanh,
    where,
)
from lucid.autograd.ops.matmul import matmul
from lucid.autograd.ops.reduce import argmax, max, mean, min, std, sum, var
from lucid.autograd.ops.shape import (
    broadcast_to,
    chunk,
    concatenate,
    flatten,
    pad,
    reshape,
    split,
    squeeze,
    stack,
    swapaxes,
    transpose,
    unsqueeze,
)
from lucid.creation import (
    arange,
    full,
    linspace,
    meshgrid,
    ones,
    ones_like,
    rand,
    randint,
    randn,
    tensor,
    zeros,
    zeros_like,
)
from lucid.dtypes import bool_, float16, float32, float64, int32, int64
from lucid.serialization import load, save
from lucid.shape_only import MetaArray, MetaTensorError, is_meta_mode, meta
from lucid.tensor import Tensor

_attach()

from lucid import optim  # noqa: E402 - after _attach(), like any user code that runs ops

__version__ = "0.1.0"

__all__ = [
    "MetaArray", "MetaTensorError", "Tensor", "abs", "add", "arange", "argmax", "bool_", "broadcast_to", "chunk",
    "clip", "concatenate", "div", "enable_grad", "erf", "exp", "flatten", "float16", "float32", "float64", "full",
    "get_num_threads", "int32", "int64", "is_grad_enabled", "is_meta_mode", "linspace", "load", "log", "matmul",
    "max", "maximum", "mean", "meshgrid", "meta", "min", "minimum", "mul", "neg", "no_grad", "ones", "ones_like",
    "optim", "pad", "pow", "rand", "randint", "randn", "random", "relu", "reshape", "save", "set_grad_enabled",
    "set_num_threads", "sigmoid", "split", "sqrt", "squeeze", "stack", "std", "sub", "sum", "swapaxes", "tanh",
    "tensor", "transpose", "unsqueeze", "var", "where", "zeros", "zeros_like",
]  # fmt: skip
