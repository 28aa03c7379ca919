"""`Tensor`: a NumPy array plus what reverse-mode autograd needs.

A Tensor holds its array in `_data`. Arrays are computed from other tensors only in
`Function.apply` (lucid/autograd/function.py); the methods here are thin spellings of the
ops in lucid/autograd/ops/.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from lucid import dtypes
from lucid._structure import changed, keep, keep_values
from lucid.autograd.grad_mode import is_grad_enabled
from lucid.shape_only import MetaArray, MetaTensorError, no_values_message

if TYPE_CHECKING:
    from lucid.autograd.function import Function

Scalar = int | float | bool
ArrayLike = Any  # Tensor, np.ndarray, Python scalar or (nested) sequence


class Tensor:
    """An n-dimensional array that can record the operations applied to it.

    >>> x = lucid.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    array([2., 4., 6.], dtype=float32)
    """

    # `_version_box` is a one-element list shared by a tensor and every view of its memory
    # (reshape, transpose, basic indexing, detach), so an in-place write through any of them
    # is seen by the ops that saved the array for backward.
    # `_origin` is free for a tool that follows tensors through a forward (viz.trace tags each tensor with where it
    # came from, through lucid.autograd.function.set_op_tracker); lucid itself never reads it.
    __slots__ = ("__weakref__", "_ctx", "_data", "_grad", "_origin", "_requires_grad", "_version_box")
    _keeps_writes = False  # Parameter: True (see lucid._structure.keep_values)
    # Make NumPy defer to Tensor's reflected operators (`np.float32(2) * t` gives a Tensor).
    __array_priority__ = 1000

    def __init__(self, data: ArrayLike, dtype: dtypes.DTypeLike = None, requires_grad: bool = False) -> None:
        if isinstance(data, Tensor):
            array = data._data.copy()
        elif isinstance(data, MetaArray):
            array = data  # no values to copy
        elif isinstance(data, np.ndarray):
            array = data.copy()
        elif dtype is not None:
            # Convert straight to the requested dtype: going through float32 first would
            # round `tensor([0.1], dtype=float64)`.
            array = np.asarray(data, dtype=dtypes.resolve(dtype))
        else:
            array = dtypes.default_for(np.asarray(data))
        if dtype is not None:
            array = array.astype(dtypes.resolve(dtype), copy=False)
        if array.dtype.kind not in "biuf":
            raise TypeError(
                f"cannot make a tensor from {type(data).__name__} data of NumPy dtype {array.dtype}: "
                "it is not numeric (bool, integer or float)"
            )
        self._data = array
        self._grad: np.ndarray | None = None
        self._ctx: Function | None = None
        self._origin: Any = None
        self._version_box = [0]
        self._requires_grad = False
        self.requires_grad = requires_grad

    @classmethod
    def _wrap(cls, array: np.ndarray, requires_grad: bool = False, version_box: list[int] | None = None) -> Tensor:
        """Wrap an array produced by an op, without copying or checking it.

        Pass `version_box` when `array` is a view of another tensor's memory.
        """
        t = object.__new__(Tensor)
        t._data = array if isinstance(array, (np.ndarray, MetaArray)) else np.asarray(array)
        t._grad = None
        t._ctx = None
        t._origin = None
        t._version_box = [0] if version_box is None else version_box
        t._requires_grad = requires_grad
        return t

    @property
    def _version(self) -> int:
        """How many in-place writes this tensor's memory has seen (through it or any view)."""
        return self._version_box[0]

    @_version.setter
    def _version(self, value: int) -> None:
        self._version_box[0] = value

    # ---- the array and its description -------------------------------------------------
    @property
    def data(self) -> np.ndarray:
        """The underlying NumPy array (shared, not copied)."""
        return self._data

    @data.setter
    def data(self, value: ArrayLike) -> None:
        array = value._data if isinstance(value, Tensor) else value
        new = array if isinstance(array, MetaArray) else np.asarray(array)
        if new.size != self._data.size:
            changed(self)  # a parameter's size, and with it the parameter counts, changed
        elif new is not self._data:
            keep(self)  # an open journal (viz.trace) puts the old array back
        self._data = new
        self._version += 1

    @property
    def is_meta(self) -> bool:
        """Whether this is a shape-only tensor (no values; see lucid.shape_only)."""
        return type(self._data) is MetaArray

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def numpy(self) -> np.ndarray:
        """The array, as NumPy sees it (shared memory, like PyTorch's `.numpy()`).

        For a tensor that requires grad the array is a read-only view: a write through it would bypass the
        in-place checks of autograd and silently change the gradient. Reading stays free (no copy), so
        `p.numpy()` works on parameters; to change values, assign into the tensor (`t[...] = v`, under
        `lucid.no_grad()` for a parameter) or work on a copy (`t.numpy().copy()`).

        >>> w = lucid.tensor([1.0, 2.0], requires_grad=True)
        >>> w.numpy().flags.writeable
        False
        """
        if type(self._data) is MetaArray:
            raise MetaTensorError(no_values_message(self.shape, "call numpy()"))
        return self._guarded_array()

    def _guarded_array(self) -> np.ndarray:
        """`_data`, or a read-only view of it when the tensor requires grad (see `numpy`)."""
        if not self._requires_grad:
            return self._data
        view = self._data.view()
        view.flags.writeable = False
        return view

    def item(self) -> Scalar:
        if self.size != 1:
            raise ValueError(f"item() needs a tensor with one element, got shape {self.shape}")
        return self._data.item()

    def tolist(self) -> Any:
        return self._data.tolist()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if type(self._data) is MetaArray:
            raise MetaTensorError(no_values_message(self.shape, "convert to a NumPy array"))
        if dtype is not None:
            return self._data.astype(dtype)
        # np.array(t) asks for a copy; np.asarray(t) shares memory, read-only when t requires grad (see `numpy`).
        return self._data.copy() if copy else self._guarded_array()

    def __repr__(self) -> str:
        if type(self._data) is MetaArray:
            return f"tensor(..., size={self.shape}, dtype={self.dtype}, device='meta')"
        body = np.array2string(self._data, separator=", ", prefix="tensor(", precision=4)
        extras = []
        if self.dtype not in (dtypes.float32, dtypes.int64, dtypes.bool_):
            extras.append(f"dtype={self.dtype}")
        if self._ctx is not None:
            extras.append(f"grad_fn=<{type(self._ctx).__name__}>")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body, *extras]) + ")"

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {self.shape} is ambiguous; use .any() or .all()")
        return bool(self._data)

    # ---- autograd state ----------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if value and self._data.dtype.kind != "f":
            raise TypeError(f"only floating-point tensors can require gradients, got dtype {self.dtype}")
        if not value and self._ctx is not None:
            raise RuntimeError("requires_grad can only be turned off on a leaf tensor; use .detach()")
        if bool(value) is not self._requires_grad:
            changed()  # trainable parameter counts depend on it
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        self.requires_grad = requires_grad
        return self

    @property
    def grad(self) -> np.ndarray | None:
        """The accumulated gradient (a NumPy array) of a leaf, or None."""
        return self._grad

    @grad.setter
    def grad(self, value: ArrayLike | None) -> None:
        if value is None:
            self._grad = None
            return
        array = value._data if isinstance(value, Tensor) else np.asarray(value)
        if array.shape != self.shape:
            raise ValueError(f"grad of shape {array.shape} does not match the tensor's shape {self.shape}")
        self._grad = array.astype(self.dtype, copy=False)

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    @property
    def grad_fn(self) -> Function | None:
        return self._ctx

    def detach(self) -> Tensor:
        """A tensor sharing this one's data, cut from the graph.

        In-place writes to it are seen by the graph that still uses this tensor's values.
        """
        from lucid.autograd.function import track_outside_apply

        return track_outside_apply("detach", (self,), Tensor._wrap(self._data, False, self._version_box))

    def register_hook(self, hook: Callable[[Tensor], Any]) -> Any:
        """Call `hook(grad)` each time this tensor's gradient is computed, as `torch.Tensor.register_hook`; returns a
        handle whose `remove()` takes the hook off.

        `grad` is a Tensor (read-only, not requiring grad); a non-None return (a Tensor or array of the same
        shape) replaces the gradient that goes on to the tensor's inputs, or, for a leaf, into `.grad`. Several
        hooks run in registration order, each on the previous one's result.

        >>> x = lucid.tensor([1.0, 2.0], requires_grad=True)
        >>> handle = x.register_hook(lambda grad: grad * 10)
        >>> (x * x).sum().backward()
        >>> x.grad
        array([20., 40.], dtype=float32)
        >>> handle.remove()
        """
        from lucid.autograd.backward_hooks import register_tensor_hook

        if not callable(hook):
            raise TypeError(f"register_hook() takes a callable, got {type(hook).__name__}")
        if not self._requires_grad:
            raise RuntimeError(
                f"cannot register a hook on a tensor of shape {self.shape} that does not require grad: "
                "no gradient will be computed for it"
            )
        return register_tensor_hook(self, hook)

    def backward(self, grad: ArrayLike | None = None, retain_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into `.grad` of every leaf that requires grad.

        `grad` may be omitted only for a single-element tensor (it defaults to 1).
        """
        from lucid.autograd.engine import run_backward

        if type(self._data) is MetaArray:
            raise MetaTensorError(no_values_message(self.shape, "run backward()"))
        if not self._requires_grad:
            raise RuntimeError("backward() on a tensor that does not require grad (no graph was recorded)")
        if grad is None:
            if self.size != 1:
                raise ValueError(
                    f"backward() without a gradient needs a single-element tensor, got shape {self.shape}; "
                    "pass grad= of the same shape"
                )
            seed = np.ones(self.shape, dtype=self.dtype)
        else:
            seed = np.asarray(grad._data if isinstance(grad, Tensor) else grad, dtype=self.dtype)
            if seed.shape != self.shape:
                raise ValueError(f"backward(): grad shape {seed.shape} does not match tensor shape {self.shape}")
        run_backward(self, seed, retain_graph)

    # ---- in-place writes ---------------------------------------------------------------
    def __setitem__(self, index: Any, value: ArrayLike) -> None:
        if is_grad_enabled() and self._requires_grad:
            raise RuntimeError(
                f"in-place assignment into a tensor of shape {self.shape} that requires grad would break "
                "its gradient; build a new tensor (lucid.where, concatenate) or assign under lucid.no_grad()"
            )
        if is_grad_enabled() and isinstance(value, Tensor) and value._requires_grad:
            raise RuntimeError(
                f"assigning a tensor of shape {value.shape} that requires grad into a tensor of shape {self.shape} "
                "would drop its gradient; build the result with lucid.stack, concatenate or where instead"
            )
        if self._keeps_writes:
            keep_values(self)  # a parameter: an open journal (viz.trace) can put its values back
        writes_meta = isinstance(value, Tensor) and type(value._data) is MetaArray
        if type(self._data) is MetaArray or writes_meta:
            # A meta tensor has no values to overwrite: the write is checked against the shape and dropped. Values
            # with no values (shape-only) written into a real tensor leave it without known values: it turns meta.
            from lucid.shape_only import indexed_shape

            try:
                indexed_shape(self.shape, _unwrap_index(index))
            except IndexError as exc:
                raise IndexError(f"index {index!r} is invalid for a tensor of shape {self.shape}: {exc}") from None
            if type(self._data) is not MetaArray:
                self._data = MetaArray(self._data.shape, self._data.dtype)
            self._version += 1
            self._track_write(value)
            return
        self._data[_unwrap_index(index)] = value._data if isinstance(value, Tensor) else value
        self._version += 1
        self._track_write(value)

    def _track_write(self, value: ArrayLike) -> None:
        # This tensor now holds data from `value` too: a tool following the data (the op tracker) must see it.
        from lucid.autograd.function import track_outside_apply

        track_outside_apply("setitem", (self, value) if isinstance(value, Tensor) else (self,), self)

    # Shape helpers on the tensor itself: everything else is defined in lucid/autograd/ops
    # and attached below, so each op has one definition.
    @property
    def T(self) -> Tensor:  # noqa: N802 - PyTorch's public name
        from lucid.autograd.ops.shape import transpose

        return transpose(self, tuple(reversed(range(self.ndim))))

    @property
    def mT(self) -> Tensor:  # noqa: N802 - PyTorch's public name
        from lucid.autograd.ops.shape import swapaxes

        if self.ndim < 2:
            raise ValueError(f"mT needs at least 2 dimensions, got shape {self.shape}")
        return swapaxes(self, -1, -2)

    def astype(self, dtype: dtypes.DTypeLike) -> Tensor:
        from lucid.autograd.ops.elementwise import cast

        return cast(self, dtypes.resolve(dtype))


def _unwrap_index(index: Any) -> Any:
    """Let tensors be used inside an index (as NumPy arrays)."""
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, tuple):
        return tuple(i._data if isinstance(i, Tensor) else i for i in index)
    return index


def as_tensor(value: ArrayLike, like: Tensor | None = None) -> Tensor:
    """Return `value` as a Tensor; a Python scalar takes the dtype of `like` when it fits."""
    if isinstance(value, Tensor):
        return value
    if like is not None and isinstance(value, (int, float, bool)) and not isinstance(value, np.ndarray):
        kind = like.dtype.kind
        if kind == "f" or (kind in "iu" and not isinstance(value, float)) or (kind == "b" and isinstance(value, bool)):
            return Tensor._wrap(np.asarray(value, dtype=like.dtype))
    return Tensor(value)


def shape_arg(shape: Sequence[Any]) -> tuple[int, ...]:
    """Accept a shape written as varargs (`zeros(2, 3)`) or as one sequence (`zeros((2, 3))`)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    result = []
    for size in shape:
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
            raise TypeError(f"shape entries must be integers, got {size!r} in {tuple(shape)}")
        result.append(int(size))
    return tuple(result)
