"""Attach the ops to `Tensor` as methods and operators, so each op is defined only once.

Imported once by `lucid/__init__.py`. Besides the ops, `Tensor` gets PyTorch's spellings that cost nothing
to keep correct (`dim()`, `numel()`, `t()`, `float()`, `to(dtype)`, `new_zeros`, ...). Where PyTorch's spelling
meets one of lucid's, lucid's stays and PyTorch's is added beside it when both can hold:

- `x.size` is the element count, as in NumPy, and `x.size()` / `x.size(dim)` is PyTorch's shape / one dim's
  size: the count is an int that can be called.
- `x.max(axis)` / `x.min(axis)` return the values; `x.max(dim=d)` returns PyTorch's `(values, indices)`.
- `x.transpose(*axes)` permutes like NumPy; PyTorch's `x.transpose(d0, d1)` is `x.swapaxes(d0, d1)`, and
  `x.permute(...)` is there too.
- `x.any()` / `x.all()` without a dim return a Python bool (PyTorch: a 0-d tensor; `if x.any():` reads the same).
- `x.data` and `x.grad` are NumPy arrays, not tensors.

>>> x = lucid.ones(2, 3)
>>> x.size, x.size(), x.size(-1), x.dim(), x.t().shape
(6, (2, 3), 3, 2, (3, 2))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lucid import creation, dtypes, sampling
from lucid._dims import dim_aliases, normalize_dim
from lucid.autograd.function import track_outside_apply
from lucid.autograd.ops import clamp as cl
from lucid.autograd.ops import elementwise as ew
from lucid.autograd.ops import index as ix
from lucid.autograd.ops import matmul as mm
from lucid.autograd.ops import norms, products, rearrange, scan
from lucid.autograd.ops import reduce as rd
from lucid.autograd.ops import shape as sh
from lucid.autograd.ops import sort as so
from lucid.shape_only import MetaArray, broadcast
from lucid.tensor import ArrayLike, Tensor, as_tensor


def _compare(op: Any, symbol: str) -> Any:
    def method(self: Tensor, other: ArrayLike) -> Tensor:
        try:
            other_t = as_tensor(other, like=self)
        except TypeError:
            # Not numeric (None, a string, ...): let Python fall back, so `t == None` is False.
            return NotImplemented
        ew._check_broadcast(self, other_t, f"comparison {symbol}")
        if self.is_meta or other_t.is_meta:
            result = Tensor._wrap(broadcast(self._data, other_t._data, dtype=np.bool_))
        else:
            result = Tensor._wrap(np.asarray(op(self._data, other_t._data)))
        return track_outside_apply(op.__name__, (self, other_t), result)

    return method


def _reflected(fn: Any) -> Any:
    def method(self: Tensor, other: ArrayLike) -> Tensor:
        # The op lifts `other` itself, with the same scalar rules as on the right-hand side.
        return fn(other, self)

    return method


_OPERATORS = {
    "__add__": ew.add,
    "__radd__": _reflected(ew.add),
    "__sub__": ew.sub,
    "__rsub__": _reflected(ew.sub),
    "__mul__": ew.mul,
    "__rmul__": _reflected(ew.mul),
    "__truediv__": ew.div,
    "__rtruediv__": _reflected(ew.div),
    "__pow__": ew.pow,
    "__rpow__": _reflected(ew.pow),
    "__matmul__": mm.matmul,
    "__rmatmul__": _reflected(mm.matmul),
    "__neg__": ew.neg,
    "__abs__": ew.abs,
    "__getitem__": sh.getitem,
    "__eq__": _compare(np.equal, "=="),
    "__ne__": _compare(np.not_equal, "!="),
    "__lt__": _compare(np.less, "<"),
    "__le__": _compare(np.less_equal, "<="),
    "__gt__": _compare(np.greater, ">"),
    "__ge__": _compare(np.greater_equal, ">="),
}

_METHODS = {
    # sampling
    "multinomial": sampling.multinomial,
    "bernoulli": sampling.bernoulli,
    # elementwise
    "add": ew.add,
    "sub": ew.sub,
    "mul": ew.mul,
    "div": ew.div,
    "pow": ew.pow,
    "neg": ew.neg,
    "exp": ew.exp,
    "log": ew.log,
    "sqrt": ew.sqrt,
    "abs": ew.abs,
    "tanh": ew.tanh,
    "sigmoid": ew.sigmoid,
    "erf": ew.erf,
    "relu": ew.relu,
    "clip": ew.clip,
    "clamp": cl.clamp,
    "clamp_min": cl.clamp_min,
    "clamp_max": cl.clamp_max,
    "clone": ew.clone,
    "maximum": ew.maximum,
    "minimum": ew.minimum,
    "matmul": mm.matmul,
    "outer": products.outer,
    # reductions and scans
    "sum": rd.sum,
    "mean": rd.mean,
    "max": rd.max,
    "min": rd.min,
    "amax": rd.amax,
    "amin": rd.amin,
    "var": rd.var,
    "std": rd.std,
    "argmax": rd.argmax,
    "argmin": rd.argmin,
    "logsumexp": rd.logsumexp,
    "norm": norms.tensor_norm,
    "cumsum": scan.cumsum,
    "cumprod": scan.cumprod,
    # sorting and indexing along a dim
    "sort": so.sort,
    "argsort": so.argsort,
    "topk": so.topk,
    "gather": ix.gather,
    "scatter": ix.scatter,
    "scatter_add": ix.scatter_add,
    "index_select": ix.index_select,
    "masked_fill": ix.masked_fill,
    # shape
    "reshape": sh.reshape,
    "transpose": sh.transpose,
    "permute": rearrange.permute,
    "swapaxes": sh.swapaxes,
    "flatten": sh.flatten,
    "unflatten": rearrange.unflatten,
    "squeeze": sh.squeeze,
    "unsqueeze": sh.unsqueeze,
    "broadcast_to": sh.broadcast_to,
    "expand": rearrange.expand,
    "expand_as": rearrange.expand_as,
    "split": sh.split,
    "chunk": sh.chunk,
    "pad": sh.pad,
    "flip": rearrange.flip,
    "roll": rearrange.roll,
    "repeat": rearrange.repeat,
    "tril": rearrange.tril,
    "triu": rearrange.triu,
}


@dim_aliases
def _any(self: Tensor, axis: int | None = None, keepdims: bool = False) -> bool | Tensor:
    """Whether any element is non-zero: a Python bool over the whole tensor, a bool tensor over `axis`/`dim`."""
    return _truth(self, axis, keepdims, np.any, "any")


@dim_aliases
def _all(self: Tensor, axis: int | None = None, keepdims: bool = False) -> bool | Tensor:
    """Whether every element is non-zero: a Python bool over the whole tensor, a bool tensor over `axis`/`dim`."""
    return _truth(self, axis, keepdims, np.all, "all")


def _truth(self: Tensor, axis: int | None, keepdims: bool, reduce: Any, name: str) -> bool | Tensor:
    if axis is None and not keepdims:
        return bool(reduce(self._data))
    axes = rd.normalize_axes(axis, self.ndim, self.shape)
    if self.is_meta:
        result = Tensor._wrap(MetaArray(rd._reduced_shape(self.shape, axes, keepdims), np.bool_))
    else:
        result = Tensor._wrap(np.asarray(reduce(self._data, axis=axes, keepdims=keepdims)))
    return track_outside_apply(name, (self,), result)


def _view(self: Tensor, *shape: Any) -> Tensor:
    return sh.reshape(self, *shape)


class _Size(int):
    """A tensor's element count (`x.size`, as NumPy's) that, called, is PyTorch's `x.size()`: the shape, or with a
    dim that dim's size."""

    shape: tuple[int, ...]

    def __call__(self, dim: int | None = None) -> Any:
        if dim is None:
            return self.shape
        if not self.shape:
            raise ValueError(f"size: a 0-d tensor has no dim {dim}")
        return self.shape[normalize_dim(dim, len(self.shape), self.shape, "size")]


def _size(self: Tensor) -> _Size:
    count = _Size(self._data.size)
    count.shape = self._data.shape
    return count


def _numel(self: Tensor) -> int:
    """The number of elements (PyTorch's `numel()`)."""
    return int(self._data.size)


def _dim(self: Tensor) -> int:
    """The number of dims (PyTorch's `dim()`; lucid's `ndim`)."""
    return self._data.ndim


def _t(self: Tensor) -> Tensor:
    """The transpose of a matrix; 0-d and 1-D tensors are returned as they are (PyTorch's `t()`)."""
    if self.ndim > 2:
        raise ValueError(f"t() expects a tensor with at most 2 dims, got shape {self.shape}; use swapaxes or mT")
    return self if self.ndim < 2 else sh.swapaxes(self, 0, 1)


def _caster(dtype: np.dtype, name: str) -> Any:
    def method(self: Tensor) -> Tensor:
        return ew.cast(self, dtype)

    method.__name__ = name
    method.__doc__ = f"`self` as {dtype} (PyTorch's `{name}()`); the same tensor when it already is."
    return method


def _to(self: Tensor, *args: Any, dtype: dtypes.DTypeLike = None, device: Any = None, copy: bool = False) -> Tensor:
    """PyTorch's `to`: `to(dtype)`, `to(other)` (its dtype), `to("cpu")`, `to("cpu", dtype)`, `to(dtype=...)`.

    lucid runs on the CPU: any other device is a ValueError.
    """
    for arg in args:
        if isinstance(arg, Tensor):
            dtype = arg.dtype
        elif isinstance(arg, str):
            try:
                dtype = dtypes.resolve(arg)
            except TypeError:
                device = arg
        else:
            dtype = arg
    if device is not None and str(device).split(":")[0] != "cpu":
        raise ValueError(f"to(): lucid runs on the CPU only, got device {device!r}")
    out = self if dtype is None else ew.cast(self, dtypes.resolve(dtype))
    return ew.clone(out) if copy and out is self else out


def _same(self: Tensor) -> Tensor:
    """`self`: lucid tensors live on the CPU and need no layout change (`cpu()`, `contiguous()`)."""
    return self


def _type_as(self: Tensor, other: Tensor) -> Tensor:
    """`self` in `other`'s dtype."""
    return ew.cast(self, other.dtype)


def _view_as(self: Tensor, other: Tensor) -> Tensor:
    """`self` reshaped to `other`'s shape (PyTorch's `view_as` and `reshape_as`)."""
    return sh.reshape(self, other.shape)


def _new_zeros(self: Tensor, *size: Any, dtype: dtypes.DTypeLike = None, requires_grad: bool = False) -> Tensor:
    """Zeros of `size`, in this tensor's dtype unless `dtype` is given."""
    return creation.zeros(*size, dtype=self.dtype if dtype is None else dtype, requires_grad=requires_grad)


def _new_ones(self: Tensor, *size: Any, dtype: dtypes.DTypeLike = None, requires_grad: bool = False) -> Tensor:
    """Ones of `size`, in this tensor's dtype unless `dtype` is given."""
    return creation.ones(*size, dtype=self.dtype if dtype is None else dtype, requires_grad=requires_grad)


def _new_full(
    self: Tensor, size: Any, fill_value: float, dtype: dtypes.DTypeLike = None, requires_grad: bool = False
) -> Tensor:
    """`fill_value` in every place of `size`, in this tensor's dtype unless `dtype` is given."""
    kind = self.dtype if dtype is None else dtype
    return creation.full(size, fill_value, dtype=kind, requires_grad=requires_grad)


def _new_tensor(self: Tensor, data: ArrayLike, dtype: dtypes.DTypeLike = None, requires_grad: bool = False) -> Tensor:
    """A new tensor of `data`, in this tensor's dtype unless `dtype` is given."""
    return creation.tensor(data, dtype=self.dtype if dtype is None else dtype, requires_grad=requires_grad)


def _softmax(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """`lucid.nn.functional.softmax(self, dim)`."""
    from lucid.nn.functional import softmax  # lucid.nn builds on the tensor, so it is imported on first use

    return softmax(self, *args, **kwargs)


def _log_softmax(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """`lucid.nn.functional.log_softmax(self, dim)`."""
    from lucid.nn.functional import log_softmax

    return log_softmax(self, *args, **kwargs)


_TORCH_SPELLINGS: dict[str, Any] = {
    "numel": _numel,
    "dim": _dim,
    "t": _t,
    "float": _caster(dtypes.float32, "float"),
    "double": _caster(dtypes.float64, "double"),
    "half": _caster(dtypes.float16, "half"),
    "long": _caster(dtypes.int64, "long"),
    "int": _caster(dtypes.int32, "int"),
    "bool": _caster(dtypes.bool_, "bool"),
    "to": _to,
    "cpu": _same,
    "contiguous": _same,
    "type_as": _type_as,
    "view_as": _view_as,
    "reshape_as": _view_as,
    "new_zeros": _new_zeros,
    "new_ones": _new_ones,
    "new_full": _new_full,
    "new_tensor": _new_tensor,
    "softmax": _softmax,
    "log_softmax": _log_softmax,
}


def attach() -> None:
    for name, fn in {**_OPERATORS, **_METHODS, **_TORCH_SPELLINGS}.items():
        setattr(Tensor, name, fn)
    Tensor.any = _any  # type: ignore[attr-defined]
    Tensor.all = _all  # type: ignore[attr-defined]
    Tensor.view = _view  # type: ignore[attr-defined]
    Tensor.size = property(_size, doc=_Size.__doc__)  # type: ignore[assignment,method-assign]
    # Tensors compare elementwise, so they cannot be dict keys by value; hash by identity.
    Tensor.__hash__ = object.__hash__  # type: ignore[method-assign]
