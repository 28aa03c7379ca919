"""Vector and matrix norms, composed from other ops: `lucid.linalg.norm`, `vector_norm`, `matrix_norm`, and
`lucid.norm` / `Tensor.norm` (PyTorch's older `torch.norm`), each with PyTorch's argument rules.

A p-norm (sum |x|^p)^(1/p) is undefined in slope where every x of a line is 0; there the gradient is 0, as
PyTorch's, instead of the NaN that the chain rule would give through the root: where a line sums to 0 the root
reads 1 in its place and the result is then set to 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from lucid import dtypes
from lucid._dims import dim_aliases
from lucid.autograd.ops import elementwise as ew
from lucid.autograd.ops.decomp import svdvals
from lucid.autograd.ops.rearrange import permute
from lucid.autograd.ops.reduce import amax, amin, normalize_axes
from lucid.autograd.ops.reduce import sum as reduce_sum
from lucid.autograd.ops.shape import unsqueeze
from lucid.tensor import ArrayLike, Tensor, as_tensor

Dims = int | Sequence[int] | None
_INF = float("inf")


def _floating(x: ArrayLike, dtype: dtypes.DTypeLike, what: str) -> Tensor:
    x = as_tensor(x)
    if dtype is not None:
        x = ew.cast(x, dtypes.resolve(dtype))
    if x.dtype.kind != "f":
        raise TypeError(f"{what}: input must be a floating-point tensor, got dtype {x.dtype}")
    return x


def _root(total: Tensor, power: float) -> Tensor:
    """total ** power, with a zero gradient (not NaN) where total is 0.

    Only a total that holds a zero takes the guarded path (three more ops); a meta total, which has no values,
    takes the plain one, like most real totals, so shape-only traces show the ops a real run usually does.
    """
    if total.is_meta or total.data.all():
        return ew.sqrt(total) if power == 0.5 else total**power
    zero = total == 0.0
    safe = ew.where(zero, 1.0, total)
    return ew.where(zero, 0.0, ew.sqrt(safe) if power == 0.5 else safe**power)


@dim_aliases
def vector_norm(
    x: ArrayLike,
    ord: float = 2,  # noqa: A002 - PyTorch's argument name
    dim: Dims = None,
    keepdim: bool = False,
    *,
    dtype: dtypes.DTypeLike = None,
) -> Tensor:
    """The `ord`-norm of `x` over `dim` (all dims by default, as if flattened): (sum |x|^ord)^(1/ord); `inf` is
    max |x|, `-inf` min |x|, 0 the count of non-zeros (no gradient).

    >>> lucid.linalg.vector_norm(lucid.tensor([3.0, -4.0]))
    tensor(5.)
    """
    x = _floating(x, dtype, "linalg.vector_norm")
    if isinstance(ord, (str, bool)) or not isinstance(ord, (int, float, np.integer, np.floating)):
        raise TypeError(f"linalg.vector_norm: ord must be a number, got {ord!r}")
    axes = normalize_axes(dim, x.ndim, x.shape)
    if ord in (_INF, -_INF) and any(x.shape[a] == 0 for a in axes):
        raise ValueError(f"linalg.vector_norm: the {ord} norm of an empty dim has no value (input shape {x.shape})")
    if ord == 0:
        return reduce_sum(ew.cast(x != 0.0, x.dtype), axis=axes, keepdims=keepdim)
    if ord == _INF:
        return amax(ew.abs(x), axis=axes, keepdims=keepdim)
    if ord == -_INF:
        return amin(ew.abs(x), axis=axes, keepdims=keepdim)
    if ord == 1:
        return reduce_sum(ew.abs(x), axis=axes, keepdims=keepdim)
    if ord == 2:
        return _root(reduce_sum(x * x, axis=axes, keepdims=keepdim), 0.5)
    return _root(reduce_sum(ew.abs(x) ** float(ord), axis=axes, keepdims=keepdim), 1.0 / float(ord))


def _matrix_dims(x: Tensor, dim: Any, what: str) -> tuple[int, int]:
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise ValueError(f"{what}: dim must be a pair of dims, got {dim!r}")
    first, second = normalize_axes(dim[0], x.ndim, x.shape), normalize_axes(dim[1], x.ndim, x.shape)
    if first == second:
        raise ValueError(f"{what}: dim must name two different dims, got {tuple(dim)} for shape {x.shape}")
    return first[0], second[0]


def _singular_values(x: Tensor, rows: int, cols: int) -> Tensor:
    """The singular values of the matrices spanned by dims (rows, cols), along a new last dim."""
    rest = [d for d in range(x.ndim) if d not in (rows, cols)]
    return svdvals(permute(x, (*rest, rows, cols)))


def _restore(result: Tensor, rows: int, cols: int, keepdim: bool) -> Tensor:
    """Put size-1 dims back at `rows` and `cols` (for keepdim) after they were reduced at the end."""
    if not keepdim:
        return result
    for d in sorted((rows, cols)):
        result = unsqueeze(result, d)
    return result


@dim_aliases
def matrix_norm(
    A: ArrayLike,  # noqa: N803 - PyTorch's argument name
    ord: float | str = "fro",  # noqa: A002
    dim: tuple[int, int] = (-2, -1),
    keepdim: bool = False,
    *,
    dtype: dtypes.DTypeLike = None,
) -> Tensor:
    """The matrix norm of the matrices spanned by `dim`: `"fro"` (Frobenius), `"nuc"` (sum of singular values),
    2 / -2 (largest / smallest singular value), 1 / -1 (max / min column sum of |a|), inf / -inf (row sums).

    >>> lucid.linalg.matrix_norm(lucid.tensor([[1.0, -2.0], [3.0, 4.0]]), ord=1)
    tensor(6.)
    """
    a = _floating(A, dtype, "linalg.matrix_norm")
    if a.ndim < 2:
        raise ValueError(f"linalg.matrix_norm: A must have at least 2 dims, got shape {a.shape}")
    rows, cols = _matrix_dims(a, dim, "linalg.matrix_norm")
    if ord == "fro":
        return vector_norm(a, 2, (rows, cols), keepdim)
    if ord == "nuc":
        return _restore(_singular_values(a, rows, cols).sum(axis=-1), rows, cols, keepdim)
    if ord in (2, -2):
        values = _singular_values(a, rows, cols)
        return _restore(amax(values, -1) if ord == 2 else amin(values, -1), rows, cols, keepdim)
    if ord in (1, -1, _INF, -_INF):
        # 1: sum over the rows, then the extreme over the columns; inf: the other way round.
        summed, across = (rows, cols) if ord in (1, -1) else (cols, rows)
        sums = reduce_sum(ew.abs(a), axis=summed, keepdims=keepdim)
        if not keepdim and summed < across:
            across -= 1
        pick = amax if ord > 0 else amin
        return pick(sums, axis=across, keepdims=keepdim)
    raise ValueError(f"linalg.matrix_norm: ord must be 'fro', 'nuc', 2, -2, 1, -1, inf or -inf, got {ord!r}")


@dim_aliases
def norm(
    A: ArrayLike,  # noqa: N803
    ord: float | str | None = None,  # noqa: A002
    dim: Dims = None,
    keepdim: bool = False,
    *,
    dtype: dtypes.DTypeLike = None,
) -> Tensor:
    """`torch.linalg.norm`: a vector norm over one dim (or, without `ord` and `dim`, over all of A as if flat),
    a matrix norm over two dims (or over a 2-D A when `ord` is given without `dim`).

    >>> lucid.linalg.norm(lucid.tensor([[1.0, 2.0], [2.0, 4.0]]))
    tensor(5.)
    """
    a = _floating(A, dtype, "linalg.norm")
    if dim is not None:
        dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
        if len(dims) not in (1, 2):
            raise ValueError(f"linalg.norm: dim must name 1 or 2 dims, got {dim!r}")
    elif ord is not None and a.ndim not in (1, 2):
        raise ValueError(
            f"linalg.norm: with ord and without dim the input must be 1-D or 2-D, got shape {a.shape}; "
            "pass dim, or use vector_norm / matrix_norm"
        )
    else:
        dims = None
    if ord is not None and ((dims is not None and len(dims) == 2) or (dims is None and a.ndim == 2)):
        return matrix_norm(a, ord, dims if dims is not None else (0, 1), keepdim)
    if isinstance(ord, str):
        raise ValueError(f"linalg.norm: ord {ord!r} is a matrix norm; name two dims (or pass a 2-D input)")
    return vector_norm(a, 2 if ord is None else ord, dims, keepdim)


@dim_aliases
def tensor_norm(
    input: ArrayLike,  # noqa: A002
    p: float | str | None = "fro",
    dim: Dims = None,
    keepdim: bool = False,
    dtype: dtypes.DTypeLike = None,
) -> Tensor:
    """`torch.norm` (and `Tensor.norm`): `p="fro"` or a number is a vector norm over `dim` (all dims by default,
    as if flat, even for two named dims); `p="nuc"` the nuclear norm of the matrices over `dim`.

    >>> lucid.tensor([[1.0, 2.0], [2.0, 4.0]]).norm(p=1, dim=1)
    tensor([3., 6.])
    """
    x = _floating(input, dtype, "norm")
    if isinstance(p, str):
        if p == "fro" and (dim is None or isinstance(dim, (int, np.integer)) or len(dim) <= 2):
            return vector_norm(x, 2, dim, keepdim)
        if p == "nuc":
            return matrix_norm(x, "nuc", tuple(range(x.ndim)) if dim is None else dim, keepdim)
        raise ValueError(f"norm: p must be a number, 'fro' or 'nuc', got {p!r}")
    return vector_norm(x, 2 if p is None else p, dim, keepdim)
