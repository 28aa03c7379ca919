"""lucid: a deep-learning library on NumPy, with reverse-mode autograd.

The tensor functions carry PyTorch's names and arguments (`lucid.cat(xs, dim=1)`, `x.sum(dim=0, keepdim=True)`,
`lucid.linalg.svd`), beside lucid's own NumPy-style spellings (`axis=`, `keepdims=`).

>>> import lucid
>>> x = lucid.randn(2, 3, requires_grad=True)
>>> (x * x).sum().backward()
>>> bool((x.grad == 2 * x.numpy()).all())  # d(sum x²)/dx = 2x
True
"""

from lucid import _float_warnings, random
from lucid._kernels.threads import get_num_threads, set_num_threads
from lucid._tensor_methods import attach as _attach
from lucid.autograd.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from lucid.autograd.ops.clamp import clamp, clamp_max, clamp_min
from lucid.autograd.ops.elementwise import (
    abs,
    add,
    clip,
    clone,
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
from lucid.autograd.ops.index import gather, index_select, masked_fill, scatter, scatter_add
from lucid.autograd.ops.matmul import matmul
from lucid.autograd.ops.norms import tensor_norm as norm
from lucid.autograd.ops.products import einsum, outer
from lucid.autograd.ops.rearrange import flip, permute, roll, tril, triu, unflatten
from lucid.autograd.ops.reduce import (
    amax,
    amin,
    argmax,
    argmin,
    logsumexp,
    max,
    mean,
    min,
    std,
    sum,
    var,
)
from lucid.autograd.ops.scan import cumprod, cumsum
from lucid.autograd.ops.shape import (
    broadcast_to,
    cat,
    chunk,
    concat,
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
from lucid.autograd.ops.sort import argsort, sort, topk
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
from lucid.sampling import bernoulli, multinomial
from lucid.serialization import load, save
from lucid.shape_only import MetaArray, MetaTensorError, is_meta_mode, meta
from lucid.tensor import Tensor

_attach()
_float_warnings.install()

# After _attach(), like any user code that runs ops; `import lucid` alone makes lucid.nn and the rest usable.
from lucid import data, linalg, nn, optim, return_types, transforms  # noqa: E402

manual_seed = random.seed  # torch.manual_seed's spelling

__version__ = "0.1.0"

__all__ = [
    "MetaArray", "MetaTensorError", "Tensor", "abs", "add", "amax", "amin", "arange", "argmax", "argmin", "argsort",
    "bernoulli", "bool_", "broadcast_to", "cat", "chunk", "clamp", "clamp_max", "clamp_min", "clip", "clone",
    "concat", "concatenate", "cumprod", "cumsum", "data", "div", "einsum", "enable_grad", "erf", "exp", "flatten",
    "flip", "float16", "float32", "float64", "full", "gather", "get_num_threads", "index_select", "int32", "int64",
    "is_grad_enabled", "is_meta_mode", "linalg", "linspace", "load", "log", "logsumexp", "manual_seed", "masked_fill",
    "matmul", "max", "maximum", "mean", "meshgrid", "meta", "min", "minimum", "mul", "multinomial", "neg", "nn",
    "no_grad", "norm", "ones", "ones_like", "optim", "outer", "pad", "permute", "pow", "rand", "randint", "randn",
    "random", "relu", "reshape", "return_types", "roll", "save", "scatter", "scatter_add", "set_grad_enabled",
    "set_num_threads", "sigmoid", "sort", "split", "sqrt", "squeeze", "stack", "std", "sub", "sum", "swapaxes",
    "tanh", "tensor", "topk", "transforms", "transpose", "tril", "triu", "unflatten", "unsqueeze", "var", "where",
    "zeros", "zeros_like",
]  # fmt: skip
