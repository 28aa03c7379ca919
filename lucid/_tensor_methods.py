"""Attach the ops to `Tensor` as methods and operators, so each op is defined only once.

Imported once by `lucid/__init__.py`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lucid.autograd.function import track_outside_apply
from lucid.autograd.ops import elementwise as ew
from lucid.autograd.ops import matmul as mm
from lucid.autograd.ops import reduce as rd
from lucid.autograd.ops import shape as sh
from lucid.shape_only import broadcast
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
    "maximum": ew.maximum,
    "minimum": ew.minimum,
    "matmul": mm.matmul,
    # reductions
    "sum": rd.sum,
    "mean": rd.mean,
    "max": rd.max,
    "min": rd.min,
    "var": rd.var,
    "std": rd.std,
    "argmax": rd.argmax,
    # shape
    "reshape": sh.reshape,
    "transpose": sh.transpose,
    "swapaxes": sh.swapaxes,
    "flatten": sh.flatten,
    "squeeze": sh.squeeze,
    "unsqueeze": sh.unsqueeze,
    "broadcast_to": sh.broadcast_to,
    "split": sh.split,
    "chunk": sh.chunk,
    "pad": sh.pad,
}


def _any(self: Tensor) -> bool:
    return bool(self._data.any())


def _all(self: Tensor) -> bool:
    return bool(self._data.all())


def _view(self: Tensor, *shape: Any) -> Tensor:
    return sh.reshape(self, *shape)


def attach() -> None:
    for name, fn in {**_OPERATORS, **_METHODS}.items():
        setattr(Tensor, name, fn)
    Tensor.any = _any  # type: ignore[attr-defined]
    Tensor.all = _all  # type: ignore[attr-defined]
    Tensor.view = _view  # type: ignore[attr-defined]
    # Tensors compare elementwise, so they cannot be dict keys by value; hash by identity.
    Tensor.__hash__ = object.__hash__  # type: ignore[method-assign]
