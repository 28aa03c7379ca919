"""What gradient hooks need from the engine: hooks on tensors (`Tensor.register_hook`) and grouped nodes, which
hand the gradients of several tensors to one callback at once (the module backward hooks of lucid.nn.hooks are
built on them, as PyTorch builds its own on one multi-output BackwardHookFunction node).

Nothing here costs the engine anything while unused: `active()` is read once per backward (not per tensor), and
only then does the engine take its hook-aware loop (lucid/autograd/engine.py).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from lucid.autograd.function import Function

if TYPE_CHECKING:
    from lucid.nn.hooks import RemovableHandle
    from lucid.tensor import Tensor

TensorHook = Callable[["Tensor"], Any]
# grads (one array or None per member of a group) -> gradients for the group's parents (same length and order).
GroupCallback = Callable[[list["np.ndarray | None"]], Sequence["np.ndarray | None"]]


class _TensorHooks(dict):
    """One tensor's hooks (handle id -> hook). Removing the last one forgets the tensor, so that the engine's
    plain loop is used again."""

    def __init__(self, key: int, ref: weakref.ref) -> None:
        super().__init__()
        self.key, self.ref = key, ref

    def pop(self, *args: Any) -> Any:
        value = super().pop(*args)
        if not self and _tensor_hooks.get(self.key) is self:
            del _tensor_hooks[self.key]
        return value


# id(tensor) -> its hooks; an entry goes when its tensor is collected (weakref callback) or its last hook is removed.
_tensor_hooks: dict[int, _TensorHooks] = {}
# The grouped nodes alive: a graph holding one needs the hook-aware loop (a group's members must be run together).
# A weak set rather than a counter: entries leave when a node is collected, with no count to race between threads.
_live_groups: weakref.WeakSet = weakref.WeakSet()


def active() -> bool:
    """Whether any tensor has a hook or any grouped node exists: the engine then takes its hook-aware loop."""
    return bool(_tensor_hooks) or bool(_live_groups)


def register_tensor_hook(tensor: Tensor, hook: TensorHook) -> RemovableHandle:
    """Call `hook(grad)` each time the gradient of `tensor` is computed; a non-None return replaces it."""
    from lucid.nn.hooks import add_hook  # lucid.nn sits above autograd: imported when first needed

    key = id(tensor)
    table = _tensor_hooks.get(key)
    if table is None or table.ref() is not tensor:
        table = _TensorHooks(key, weakref.ref(tensor, lambda ref, key=key: _forget(key, ref)))
        _tensor_hooks[key] = table
    return add_hook(table, hook)


def _forget(key: int, ref: weakref.ref) -> None:
    table = _tensor_hooks.get(key)
    if table is not None and table.ref is ref:
        del _tensor_hooks[key]


def tensor_hooks(tensor: Tensor) -> _TensorHooks | None:
    """The hooks registered on `tensor`, if any."""
    table = _tensor_hooks.get(id(tensor))
    return table if table is not None and table.ref() is tensor else None


def run_tensor_hooks(tensor: Tensor, grad: np.ndarray, hooks: _TensorHooks) -> np.ndarray:
    """`grad` passed through each hook in registration order; a hook's non-None result replaces it."""
    for hook in tuple(hooks.values()):  # a hook may remove itself
        result = hook(as_grad_tensor(grad))
        if result is not None:
            grad = grad_array(result, tensor.shape, tensor.dtype, f"tensor hook {_name(hook)}")
    return grad


def as_grad_tensor(grad: np.ndarray | None) -> Tensor | None:
    """A gradient as hooks see it: a Tensor (no grad) on a read-only view, since the array may be shared."""
    from lucid.tensor import Tensor

    if grad is None:
        return None
    view = grad.view()
    view.flags.writeable = False
    return Tensor._wrap(view)


def grad_array(value: Any, shape: tuple[int, ...], dtype: np.dtype, where: str) -> np.ndarray:
    """A hook's replacement gradient as an array of `shape` and `dtype`, or a ValueError naming the hook."""
    from lucid.tensor import Tensor

    array = np.asarray(value._data if isinstance(value, Tensor) else value)
    if array.shape != shape:
        raise ValueError(f"{where} returned a gradient of shape {array.shape}; expected {shape}, the tensor's shape")
    return array.astype(dtype, copy=False)


def _name(hook: Any) -> str:
    return repr(getattr(hook, "__name__", hook))


class _GradGroup(Function):
    """One node for several tensors (its members): the engine collects the gradients of all members present in
    the graph and calls `callback` once with them, in member order (None for a member that got none); the
    callback returns the gradients of the parents, member i standing for parent i.

    Not an op (no forward: `group` builds it), so its name starts with "_" and it stays out of Function.registry.
    """

    reads_inputs = False

    def __init__(self, callback: GroupCallback) -> None:
        self.callback = callback
        self.members: dict[int, int] = {}  # id(member) -> its position
        _live_groups.add(self)

    def position(self, member: Tensor) -> int:
        return self.members[id(member)]

    def meta(self, *arrays: Any, **options: Any) -> Any:  # never applied: group() builds the node itself
        raise NotImplementedError


def group(tensors: Sequence[Tensor], callback: GroupCallback) -> list[Tensor]:
    """New tensors with the values of `tensors` (sharing their memory), joined in one grouped node whose parents
    are `tensors`; all must require grad. Backward then calls `callback` once with the members' gradients."""
    from lucid.tensor import Tensor

    node = _GradGroup(callback)
    node.parents = tuple(tensors)
    members = []
    for position, tensor in enumerate(tensors):
        member = Tensor._wrap(tensor._data, True, tensor._version_box)
        member._ctx = node
        member._origin = tensor._origin  # a tool following the data sees the member as its source
        node.members[id(member)] = position
        members.append(member)
    return members
