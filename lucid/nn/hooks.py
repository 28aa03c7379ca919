"""Hook tables, the removable handles `register_*_hook` returns, and the machinery of module backward hooks."""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from lucid.autograd.backward_hooks import as_grad_tensor, grad_array, group
from lucid.autograd.grad_mode import is_grad_enabled
from lucid.tensor import Tensor

Hook = Callable[..., Any]

_next_id = itertools.count()


class RemovableHandle:
    """Removes one registered hook; also a context manager that removes it on exit.

    >>> net = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
    >>> def show(module, inputs, output):
    ...     print(type(module).__name__, inputs[0].shape, "->", output.shape)
    >>> with net.register_forward_hook(show):
    ...     y = net(lucid.randn(2, 4))
    Sequential (2, 4) -> (2, 8)
    >>> y = net(lucid.randn(2, 4))  # the hook is gone: nothing printed
    """

    def __init__(self, table: dict[int, Any]) -> None:
        self._table = table
        self.id = next(_next_id)

    def remove(self) -> None:
        self._table.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def add_hook(table: dict[int, Any], entry: Any) -> RemovableHandle:
    """Insert `entry` at the end of `table` (hooks run in registration order)."""
    handle = RemovableHandle(table)
    table[handle.id] = entry
    return handle


class GlobalHookTable(dict[int, tuple[Hook, bool]]):
    """A table of global hooks (handle id -> (hook, with_kwargs)) that also keeps its entries as a tuple.

    Every module call reads the global tables, and must not iterate a table itself, since a hook may remove
    itself while running. `entries` is that snapshot, made when the table changes instead of on every call
    (copying the tables was half the cost of calling through a do-nothing hook). Every mutator renews it.
    """

    def __init__(self) -> None:
        super().__init__()
        self.entries: tuple[tuple[Hook, bool], ...] = ()

    def _renew(self) -> None:
        self.entries = tuple(self.values())

    def __setitem__(self, key: int, value: tuple[Hook, bool]) -> None:
        super().__setitem__(key, value)
        self._renew()

    def __delitem__(self, key: int) -> None:
        super().__delitem__(key)
        self._renew()

    def pop(self, key: int, *default: Any) -> Any:
        try:
            return super().pop(key, *default)
        finally:
            self._renew()

    def popitem(self) -> tuple[int, tuple[Hook, bool]]:
        try:
            return super().popitem()
        finally:
            self._renew()

    def clear(self) -> None:
        super().clear()
        self._renew()

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        self._renew()

    def setdefault(self, key: int, default: Any = None) -> Any:
        try:
            return super().setdefault(key, default)
        finally:
            self._renew()

    def __ior__(self, other: Any) -> GlobalHookTable:
        super().__ior__(other)
        self._renew()
        return self


# Hooks that fire for every module call, as torch.nn.modules.module.register_module_forward_hook.
global_forward_pre_hooks = GlobalHookTable()
global_forward_hooks = GlobalHookTable()


def register_module_forward_pre_hook(hook: Hook, *, with_kwargs: bool = False) -> RemovableHandle:
    """Call `hook(module, args)` (or `hook(module, args, kwargs)`) before every module's forward.

    A non-None return replaces the positional args (or, with kwargs, an `(args, kwargs)` pair).
    """
    return add_hook(global_forward_pre_hooks, (hook, with_kwargs))


def register_module_forward_hook(hook: Hook, *, with_kwargs: bool = False) -> RemovableHandle:
    """Call `hook(module, args, output)` (or `hook(module, args, kwargs, output)`) after every forward.

    A non-None return replaces the output.
    """
    return add_hook(global_forward_hooks, (hook, with_kwargs))


def insert_hook(table: dict[int, Any], entry: Any, prepend: bool) -> RemovableHandle:
    """`add_hook`, or with `prepend` the same at the front of `table` (the hooks run before the others)."""
    handle = add_hook(table, entry)
    if prepend:
        others = [(key, value) for key, value in table.items() if key != handle.id]
        table.clear()
        table[handle.id] = entry
        table.update(others)
    return handle


class BackwardHook:
    """One module call's full backward hooks and backward pre-hooks, as PyTorch's torch.utils.hooks.BackwardHook.

    The call's tensor arguments and tensor outputs that require grad are each routed through one grouped node
    (lucid.autograd.backward_hooks.group). In backward the output node runs first: it collects grad_output (one
    entry per output, None where an output is not a tensor or got no gradient), lets the pre-hooks replace it, and
    passes it on into the module's graph. Then the input node collects grad_input (one entry per positional
    argument: None for a non-tensor, zeros for a tensor that got no gradient, as PyTorch fills them) and calls the
    full hooks with both; a hook may return a replacement grad_input. Hooks see gradients as read-only Tensors and
    may return Tensors or arrays.
    """

    def __init__(self, module: Any, hooks: list[Hook], pre_hooks: list[Hook]) -> None:
        self.module, self.hooks, self.pre_hooks = module, hooks, pre_hooks
        self.grad_outputs: tuple[Any, ...] | None = None
        self.n_inputs = 0
        self.input_positions: list[int] | None = None  # arguments routed through the input node (None: none)
        self.other_tensor_inputs: list[tuple[int, tuple[int, ...], Any]] = []  # (position, shape, dtype), not routed
        self.input_shapes: list[tuple[tuple[int, ...], Any]] = []
        self.n_outputs = 0
        self.output_positions: list[int] = []
        self.output_shapes: list[tuple[tuple[int, ...], Any]] = []

    def _route(self, values: tuple, callback: Any) -> tuple[tuple, list[int] | None]:
        """`values` with each tensor that requires grad replaced by a member of one new group; the positions."""
        positions = [i for i, v in enumerate(values) if isinstance(v, Tensor) and v.requires_grad]
        if not positions or not is_grad_enabled():
            return values, None
        members = group([values[i] for i in positions], callback)
        routed = list(values)
        for i, member in zip(positions, members, strict=True):
            routed[i] = member
        return tuple(routed), positions

    def setup_input(self, args: tuple) -> tuple:
        """The call's positional arguments, their tensors routed through the input node."""
        self.n_inputs = len(args)
        routed, self.input_positions = self._route(args, self._input_grads)
        if self.input_positions is not None:
            self.input_shapes = [(args[i].shape, args[i].dtype) for i in self.input_positions]
            self.other_tensor_inputs = [
                (i, arg.shape, arg.dtype)
                for i, arg in enumerate(args)
                if isinstance(arg, Tensor) and i not in self.input_positions
            ]
        return routed

    def setup_output(self, output: Any) -> Any:
        """The call's output (a tensor or a tuple), its tensors routed through the output node."""
        is_tuple = isinstance(output, tuple)
        if not (is_tuple or isinstance(output, Tensor)):
            warnings.warn(
                f"{type(self.module).__name__}: backward hooks are called only for a module whose output is a Tensor "
                f"or a tuple of Tensors, got {type(output).__name__}",
                UserWarning,
                stacklevel=4,
            )
            return output
        outputs = output if is_tuple else (output,)
        self.n_outputs = len(outputs)
        routed, positions = self._route(outputs, self._output_grads)
        if positions is None:
            return output
        self.output_positions = positions
        self.output_shapes = [(outputs[i].shape, outputs[i].dtype) for i in positions]
        return routed if is_tuple else routed[0]

    def _pack(self, positions: list[int], grads: list[Any], size: int) -> tuple[Any, ...]:
        packed: list[Any] = [None] * size
        for i, grad in zip(positions, grads, strict=True):
            packed[i] = as_grad_tensor(grad)
        return tuple(packed)

    def _unpack(self, values: tuple, positions: list[int], shapes: list[tuple], what: str) -> list[Any]:
        where = f"a backward hook of {type(self.module).__name__} ({what})"
        return [
            None if values[i] is None else grad_array(values[i], shape, dtype, f"{where}, entry {i},")
            for i, (shape, dtype) in zip(positions, shapes, strict=True)
        ]

    def _checked(self, result: Any, expected: int, kind: str, hook: Hook) -> tuple[Any, ...]:
        if not isinstance(result, (tuple, list)) or len(result) != expected:
            got = f"{len(result)} entries" if isinstance(result, (tuple, list)) else type(result).__name__
            raise ValueError(
                f"{kind} {getattr(hook, '__name__', hook)!r} on {type(self.module).__name__} must return None or a "
                f"tuple of {expected} gradients (one per {'output' if 'pre' in kind else 'positional argument'}), "
                f"got {got}"
            )
        return tuple(result)

    def _output_grads(self, grads: list[Any]) -> list[Any]:
        self.grad_outputs = self._pack(self.output_positions, grads, self.n_outputs)
        for hook in self.pre_hooks:
            result = hook(self.module, self.grad_outputs)
            if result is not None:
                self.grad_outputs = self._checked(result, self.n_outputs, "backward pre-hook", hook)
        grad_outputs = self.grad_outputs
        if self.input_positions is None:
            # No input needs a gradient, so no input node will run: the full hooks run here, as in PyTorch.
            if self.hooks:
                warnings.warn(
                    f"{type(self.module).__name__}: full backward hooks run with the gradients of the outputs, since "
                    "no input requires grad (grad_input is all None)",
                    UserWarning,
                    stacklevel=2,
                )
                grad_inputs = (None,) * self.n_inputs
                for hook in self.hooks:
                    result = hook(self.module, grad_inputs, grad_outputs)
                    if result is not None and not (isinstance(result, tuple) and all(r is None for r in result)):
                        raise ValueError(
                            f"backward hook {getattr(hook, '__name__', hook)!r} on {type(self.module).__name__} "
                            "returned gradients for inputs that require none; return None"
                        )
            self.grad_outputs = None
        return self._unpack(grad_outputs, self.output_positions, self.output_shapes, "grad_output")

    def _input_grads(self, grads: list[Any]) -> list[Any]:
        if self.grad_outputs is None or self.input_positions is None:
            # The gradient reached the inputs without passing the outputs (PyTorch does the same: no hook call).
            return grads
        # PyTorch hands zeros (not None) for a tensor argument that got no gradient or needs none.
        filled = [
            np.zeros(shape, dtype) if g is None else g
            for g, (shape, dtype) in zip(grads, self.input_shapes, strict=True)
        ]
        grad_inputs = list(self._pack(self.input_positions, filled, self.n_inputs))
        for i, shape, dtype in self.other_tensor_inputs:
            grad_inputs[i] = as_grad_tensor(np.zeros(shape, dtype))
        grad_inputs = tuple(grad_inputs)
        for hook in self.hooks:
            result = hook(self.module, grad_inputs, self.grad_outputs)
            if result is not None:
                grad_inputs = self._checked(result, self.n_inputs, "backward hook", hook)
        self.grad_outputs = None
        return self._unpack(grad_inputs, self.input_positions, self.input_shapes, "grad_input")
