"""`Function`: the base of every differentiable primitive, and the node type of the graph.

An op is a subclass with `forward(*arrays, **options) -> array` and, right beside it,
`backward(grad) -> one gradient (or None) per input`. `apply` is the single place where a
Tensor's array is computed from its inputs and where the graph edge is recorded; the
engine (`engine.py`) undoes broadcasting and accumulates gradients, so a backward may
return gradients in the broadcast shape of its output. Beside forward each op has
`meta(*metas, **options) -> MetaArray`, its shape rule: when any input is a meta (shape-only)
tensor, `apply` calls it instead of forward (lucid/shape_only.py), in this same one place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from lucid._thread_state import state as _state
from lucid.shape_only import MetaArray, MetaTensorError, as_meta

if TYPE_CHECKING:
    from lucid.tensor import Tensor

# Called after every op of this thread as observer(op_name, input_shapes, output_shape, options) when set. One
# per-thread check on the hot path (lucid/_thread_state.py).
OpObserver = Callable[[str, list[tuple[int, ...]], tuple[int, ...], dict[str, Any]], None]


def set_op_observer(observer: OpObserver | None) -> OpObserver | None:
    """Install `observer` for the ops of this thread (None removes it); returns the previous one so callers can
    restore it.

    An observer with an `ops` attribute (op class names) is called for those ops only: the other ops skip
    building the shape list and the call, which matters when most ops are of no interest (a forward runs
    hundreds of small ones).
    """
    previous, _state.op_observer = _state.op_observer, observer
    ops = getattr(observer, "ops", None)
    _state.observed_ops = None if ops is None else frozenset(ops)
    return previous


def get_op_observer() -> OpObserver | None:
    """The observer installed in this thread, if any."""
    return _state.op_observer


# For tools that follow data from op to op (viz.trace records where each tensor came from): while a tracker is set,
# tensors carry an opaque tag in their `_origin` slot, and tracker(op, inputs, result, options) sees the op's class,
# its input tensors and the tensor it made. The observer above sees only shapes. Per thread, like the observer.
OpTracker = Callable[[type["Function"], tuple["Tensor", ...], "Tensor", dict[str, Any]], None]


def set_op_tracker(tracker: OpTracker | None) -> OpTracker | None:
    """Install `tracker` for the ops of this thread (None removes it); returns the previous one, so callers can
    restore it or chain to it.

    A tracker with an `ops` attribute (op class names) is called for those ops, and for any op whose inputs carry
    different `_origin` tags; for the others lucid passes the inputs' one tag on to the result itself, which spares
    most ops of a forward a Python call. Without `ops` it is called for every op.

    >>> seen = []
    >>> previous = set_op_tracker(lambda op, inputs, result, options: seen.append((op.op_name, len(inputs))))
    >>> _ = lucid.ones(2) + lucid.ones(2)
    >>> _ = set_op_tracker(previous)
    >>> seen
    [('add', 2)]
    """
    if tracker is not None and not callable(tracker):
        raise TypeError(f"set_op_tracker() takes a callable or None, got {type(tracker).__name__}")
    previous, _state.op_tracker = _state.op_tracker, tracker
    ops = getattr(tracker, "ops", None)
    _state.tracked_ops = None if ops is None else frozenset(ops)
    return previous


def get_op_tracker() -> OpTracker | None:
    """The tracker installed in this thread, if any."""
    return _state.op_tracker


def track_outside_apply(op_name: str, inputs: tuple[Tensor, ...], result: Tensor) -> Tensor:
    """Show the op tracker a tensor made without `apply` (detach, comparisons, argmax, an in-place write), so that a
    tool following the data sees it come from `inputs` like any op's result; returns `result`.

    The tracker is given a stand-in op class named `op_name`, made once per name and kept out of `registry` (it
    has no forward or backward of its own).
    """
    tracker = _state.op_tracker
    if tracker is not None:
        op = _OUTSIDE_APPLY.get(op_name)
        if op is None:
            op = _OUTSIDE_APPLY.setdefault(op_name, type(f"_{op_name.title()}", (Function,), {"op_name": op_name}))
        tracker(op, inputs, result, {})
    return result


_OUTSIDE_APPLY: dict[str, type[Function]] = {}


class Function:
    """One differentiable primitive; an instance is the graph node that made a Tensor."""

    # Every concrete subclass, by name: the gradient-check test walks this table so that
    # no op can be added without a finite-difference check.
    registry: ClassVar[dict[str, type[Function]]] = {}
    # The name of the lucid function that runs the op (`add`, `matmul`, `concatenate`), for tools that name ops to
    # users; the class name in lower case unless the class sets its own.
    op_name: ClassVar[str] = "function"
    # Whether backward reads the input arrays; if so an in-place change to an input
    # between forward and backward is an error instead of a silently wrong gradient.
    reads_inputs: ClassVar[bool] = True
    # Whether backward reads the output array (e.g. Exp keeps exp(a)); if so an in-place
    # change to the output, or to a view of it, is an error for the same reason.
    saves_output: ClassVar[bool] = False

    parents: tuple[Tensor, ...]
    _versions: tuple[int, ...]
    _out_box: list[int]
    _out_version: int
    _released: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__name__.startswith("_"):
            Function.registry[cls.__name__] = cls
        if "op_name" not in cls.__dict__:
            cls.op_name = cls.__name__.lower()

    def forward(self, *arrays: np.ndarray, **options: Any) -> np.ndarray:
        raise NotImplementedError

    def meta(self, *arrays: MetaArray, **options: Any) -> MetaArray:
        """The output's shape and dtype for inputs of these shapes and dtypes (no values computed).

        Called instead of `forward` when any input is a meta tensor (lucid/shape_only.py); every op has one.
        """
        raise MetaTensorError(
            f"{type(self).__name__} has no shape rule, so it cannot run on meta (shape-only) tensors; "
            "add a meta() method beside its forward"
        )

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        """One gradient (or None) per input. `grad` may be read-only or shared with another
        branch of the graph: never modify it in place."""
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs: Tensor, **options: Any) -> Tensor:
        """Run the op on tensors; record the graph edge when a gradient will be needed."""
        from lucid.tensor import Tensor

        fn = cls()
        arrays = [t._data for t in inputs]
        if any(type(a) is MetaArray for a in arrays):
            # Shape-only: the op's shape rule stands in for its forward; no graph is recorded.
            out = fn.meta(*[as_meta(a) for a in arrays], **options)
            observer = _state.op_observer
            if observer is not None and (_state.observed_ops is None or cls.__name__ in _state.observed_ops):
                observer(cls.__name__, [a.shape for a in arrays], out.shape, options)
            result = Tensor._wrap(out, _state.grad_enabled and any(t.requires_grad for t in inputs))
        else:
            # asarray: NumPy gives a scalar, not a 0-d array, for arithmetic on 0-d arrays.
            out = np.asarray(fn.forward(*arrays, **options))
            observer = _state.op_observer
            if observer is not None and (_state.observed_ops is None or cls.__name__ in _state.observed_ops):
                observer(cls.__name__, [a.shape for a in arrays], out.shape, options)
            requires_grad = _state.grad_enabled and any(t.requires_grad for t in inputs)
            result = Tensor._wrap(out, requires_grad, _shared_version_box(out, inputs))
            if requires_grad:
                fn.parents = inputs
                if cls.reads_inputs:
                    fn._versions = tuple(t._version for t in inputs)
                if cls.saves_output:
                    fn._out_box = result._version_box
                    fn._out_version = result._version
                result._ctx = fn
        tracker = _state.op_tracker
        if tracker is not None:
            # The inputs' one tag goes on to the result; the tracker decides where they differ (see set_op_tracker).
            if len(inputs) == 1:
                result._origin = inputs[0]._origin
            else:
                origin = None
                for tensor in inputs:
                    tag = tensor._origin
                    if tag is not None and tag != origin:
                        if origin is not None:
                            tracker(cls, inputs, result, options)
                            return result
                        origin = tag
                result._origin = origin
            tracked = _state.tracked_ops
            if tracked is None or cls.__name__ in tracked:
                tracker(cls, inputs, result, options)
        return result

    def check_unchanged(self) -> None:
        """Refuse to differentiate through an input that was modified in place after use."""
        if self._released:
            raise RuntimeError(
                f"{type(self).__name__}: the graph was already freed by an earlier backward(); "
                "call backward(retain_graph=True) the first time to differentiate twice"
            )
        versions = self._versions if self.reads_inputs else ()
        for index, (tensor, version) in enumerate(zip(self.parents, versions, strict=False)):
            if tensor._version != version:
                raise RuntimeError(
                    f"{type(self).__name__}: input {index} (shape {tensor.shape}) was modified in "
                    "place after it was used, and backward needs its old value; "
                    "compute a new tensor instead of modifying it in place"
                )
        if self.saves_output and self._out_box[0] != self._out_version:
            raise RuntimeError(
                f"{type(self).__name__}: its output was modified in place after it was computed, and backward "
                "needs the original value; compute a new tensor instead of modifying it in place"
            )

    def release(self) -> None:
        """Drop saved arrays and parents once backward has run (the graph is freed)."""
        self.__dict__.clear()
        self.parents = ()
        self._released = True


def _shared_version_box(out: np.ndarray, inputs: tuple[Tensor, ...]) -> list[int] | None:
    """The version counter of the input whose memory `out` views (reshape, transpose, slicing), if any."""
    if out.base is None:
        return None
    for t in inputs:
        if np.may_share_memory(out, t._data):
            return t._version_box
    return None
