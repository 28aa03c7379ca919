"""`Module`: the base of every layer and model.

Assigning a `Parameter` or `Module` attribute registers it; forward hooks (per module and global), backward hooks
(per module) and a module-call wrapper (set_module_call_wrapper, per thread) wrap every call; `state_dict` /
`load_state_dict` move weights in and out. Walks over the module tree use explicit stacks, so nesting depth is not
limited by Python's recursion.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

from lucid import dtypes
from lucid._structure import changed, keep_attributes
from lucid._thread_state import state as _state
from lucid.nn import hooks as _hooks
from lucid.nn.hooks import Hook, RemovableHandle
from lucid.nn.parameter import Parameter
from lucid.nn.state_dict import IncompatibleKeys, load_state, named_state
from lucid.tensor import Tensor

# Read on every module call; the tables are never rebound, so the names are bound once.
_GLOBAL_PRE_HOOKS = _hooks.global_forward_pre_hooks
_GLOBAL_HOOKS = _hooks.global_forward_hooks

# wrapper(module, call, args, kwargs) -> output, run in place of every module call of a thread; see
# set_module_call_wrapper.
CallWrapper = Callable[["Module", Callable[..., Any], tuple, dict[str, Any]], Any]


def set_module_call_wrapper(wrapper: CallWrapper | None) -> CallWrapper | None:
    """Run every module call of this thread through `wrapper(module, call, args, kwargs)` (None removes it);
    returns the previous wrapper, so that callers can restore it or chain to it. Other threads keep their own.

    `call(*args, **kwargs)` runs the call as it would run without the wrapper, hooks included, and the wrapper
    returns what the call should return. For tools that see every call of a forward (viz.trace): one Python call
    per module call, where a global pre-hook and post-hook pair costs the hook dispatch and two calls (bench/README
    has the figures).

    >>> seen = []
    >>> def log(module, call, args, kwargs):
    ...     output = call(*args, **kwargs)
    ...     seen.append((type(module).__name__, output.shape))
    ...     return output
    >>> previous = nn.set_module_call_wrapper(log)
    >>> _ = nn.Sequential(nn.Linear(4, 2))(lucid.zeros(3, 4))
    >>> _ = nn.set_module_call_wrapper(previous)
    >>> seen
    [('Linear', (3, 2)), ('Sequential', (3, 2))]
    """
    if wrapper is not None and not callable(wrapper):
        raise TypeError(f"set_module_call_wrapper() takes a callable or None, got {type(wrapper).__name__}")
    previous, _state.call_wrapper = _state.call_wrapper, wrapper
    return previous


def _callable(hook: Any, where: str) -> Hook:
    if not callable(hook):
        raise TypeError(f"{where}() takes a callable, got {type(hook).__name__}")
    return hook


def _check_name(name: Any, kind: str) -> None:
    if not isinstance(name, str):
        raise TypeError(f"{kind} name must be a string, got {type(name).__name__}")
    if name == "" or "." in name:
        raise KeyError(f"{kind} name {name!r} must be non-empty and contain no '.' (dots separate qualified names)")


def _check_free(module: Module, name: str, table: dict[str, Any], kind: str) -> None:
    # Registering over an existing attribute (a method, `training`, a parameter registered as
    # something else) would silently shadow or drop it; PyTorch refuses with KeyError too.
    if name not in table and hasattr(module, name):
        raise KeyError(
            f"cannot register {kind} {name!r} on {type(module).__name__}: an attribute of that name already "
            "exists; pick another name or delete the attribute first"
        )


class _Table(dict):
    """A registration table (parameters, buffers or submodules): a dict that counts its changes in
    lucid._structure, so that a cached module tree (viz.trace's) knows when it is stale and a tracer can undo what
    a forward changed. Reads are a dict's."""

    def __setitem__(self, key: str, value: Any) -> None:
        changed(self)
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        changed(self)
        super().__delitem__(key)

    def pop(self, *args: Any) -> Any:
        changed(self)
        return super().pop(*args)

    def popitem(self) -> tuple[str, Any]:
        changed(self)
        return super().popitem()

    def clear(self) -> None:
        changed(self)
        super().clear()

    def update(self, *args: Any, **kwargs: Any) -> None:
        changed(self)
        super().update(*args, **kwargs)

    def setdefault(self, key: str, default: Any = None) -> Any:
        changed(self)
        return super().setdefault(key, default)

    def __ior__(self, other: Any) -> _Table:
        changed(self)
        return super().__ior__(other)  # type: ignore[return-value]


class Module:
    """Base class for layers and models: subclass it, assign sub-layers in `__init__`, define `forward`.

    >>> class TwoLayer(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.fc1 = nn.Linear(4, 8)
    ...         self.fc2 = nn.Linear(8, 2)
    ...     def forward(self, x):
    ...         return self.fc2(self.fc1(x).relu())
    >>> net = TwoLayer()
    >>> net(lucid.randn(3, 4)).shape
    (3, 2)
    >>> [name for name, _ in net.named_parameters()]
    ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
    """

    training: bool

    def __init__(self) -> None:
        # object.__setattr__: these tables must exist before our __setattr__ can consult them.
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", _Table())
        object.__setattr__(self, "_buffers", _Table())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", _Table())
        object.__setattr__(self, "_forward_pre_hooks", {})
        object.__setattr__(self, "_forward_hooks", {})
        # Full backward hooks and backward pre-hooks in one table (handle id -> (hook, is_pre_hook)), so that a call
        # without any hook checks one attribute for both.
        object.__setattr__(self, "_backward_hooks", {})

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} has no forward(); define forward(self, ...) in the subclass")

    # ---- calling, with hooks -----------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        wrapper = _state.call_wrapper
        if self._forward_pre_hooks or self._forward_hooks or self._backward_hooks or _GLOBAL_PRE_HOOKS or _GLOBAL_HOOKS:
            if wrapper is not None:
                return wrapper(self, self._call_with_hooks_of, args, kwargs)
            return self._call_with_hooks(args, kwargs)
        if wrapper is not None:
            return wrapper(self, self.forward, args, kwargs)
        return self.forward(*args, **kwargs)

    def _call_with_hooks_of(self, *args: Any, **kwargs: Any) -> Any:
        """`_call_with_hooks` in the `call(*args, **kwargs)` form a module-call wrapper is given."""
        return self._call_with_hooks(args, kwargs)

    def _call_with_hooks(self, args: tuple, kwargs: dict[str, Any]) -> Any:
        # Global hooks run before this module's own, as in PyTorch. The hooks run from a snapshot of the
        # tables, so that a hook may remove itself while running (the global tables keep theirs ready).
        pre_hooks = _GLOBAL_PRE_HOOKS.entries
        if self._forward_pre_hooks:
            pre_hooks = (*pre_hooks, *self._forward_pre_hooks.values())
        for hook, with_kwargs in pre_hooks:
            result = hook(self, args, kwargs) if with_kwargs else hook(self, args)
            if result is not None:
                args, kwargs = self._replaced_arguments(hook, with_kwargs, result, kwargs)
        backward_hook = None
        if self._backward_hooks:
            # PyTorch's order: the inputs are routed after the forward pre-hooks, the outputs after the forward hooks.
            # The hooks are read now, so a hook removed after this call still runs in this call's backward.
            entries = list(self._backward_hooks.values())
            full = [hook for hook, is_pre in entries if not is_pre]
            pre = [hook for hook, is_pre in entries if is_pre]
            backward_hook = _hooks.BackwardHook(self, full, pre)
            args = backward_hook.setup_input(args)
        output = self.forward(*args, **kwargs)
        hooks = _GLOBAL_HOOKS.entries
        if self._forward_hooks:
            hooks = (*hooks, *self._forward_hooks.values())
        for hook, with_kwargs in hooks:
            result = hook(self, args, kwargs, output) if with_kwargs else hook(self, args, output)
            if result is not None:
                output = result
        if backward_hook is not None:
            output = backward_hook.setup_output(output)
        return output

    def _replaced_arguments(
        self, hook: Hook, with_kwargs: bool, result: Any, kwargs: dict[str, Any]
    ) -> tuple[tuple, dict[str, Any]]:
        """The (args, kwargs) a pre-hook's non-None `result` stands for."""
        if not with_kwargs:
            return (result if isinstance(result, tuple) else (result,)), kwargs
        if not (isinstance(result, tuple) and len(result) == 2):
            raise TypeError(
                f"forward pre-hook {getattr(hook, '__name__', hook)!r} on {type(self).__name__} "
                f"(with_kwargs=True) must return None or an (args, kwargs) pair, got {type(result).__name__}"
            )
        return result

    def register_forward_pre_hook(self, hook: Hook, *, with_kwargs: bool = False) -> RemovableHandle:
        """`hook(module, args)` runs before forward; a non-None return replaces the args."""
        return _hooks.add_hook(self._forward_pre_hooks, (hook, with_kwargs))

    def register_forward_hook(self, hook: Hook, *, with_kwargs: bool = False) -> RemovableHandle:
        """`hook(module, args, output)` runs after forward; a non-None return replaces the output."""
        return _hooks.add_hook(self._forward_hooks, (hook, with_kwargs))

    def register_full_backward_hook(self, hook: Hook, prepend: bool = False) -> RemovableHandle:
        """`hook(module, grad_input, grad_output)` runs once per backward through each call of this module, when
        the gradients with respect to its positional inputs are computed, as PyTorch's
        `register_full_backward_hook`.

        `grad_input` has one entry per positional argument and `grad_output` one per output (None for non-tensors
        and tensors without a gradient); entries are read-only Tensors. A non-None return (a tuple like
        grad_input) replaces the gradients passed on to the inputs. If no input requires grad, the hook runs with
        grad_input all None once grad_output is known. `prepend` runs it before the hooks already registered.

        >>> layer = nn.Linear(3, 2)
        >>> handle = layer.register_full_backward_hook(
        ...     lambda module, grad_input, grad_output: print(grad_input[0].shape, grad_output[0].shape))
        >>> layer(lucid.randn(4, 3, requires_grad=True)).sum().backward()
        (4, 3) (4, 2)
        >>> handle.remove()
        """
        return _hooks.insert_hook(
            self._backward_hooks, (_callable(hook, "register_full_backward_hook"), False), prepend
        )

    def register_full_backward_pre_hook(self, hook: Hook, prepend: bool = False) -> RemovableHandle:
        """`hook(module, grad_output)` runs once per backward through each call of this module, when the gradients
        with respect to its outputs are known and before they enter it, as
        `torch.nn.Module.register_full_backward_pre_hook`; a non-None return (a tuple like grad_output) replaces them.

        >>> layer = nn.Linear(3, 2)
        >>> x = lucid.randn(4, 3, requires_grad=True)
        >>> handle = layer.register_full_backward_pre_hook(lambda module, grad_output: (grad_output[0] * 0,))
        >>> layer(x).sum().backward()
        >>> bool((x.grad == 0).all())
        True
        """
        return _hooks.insert_hook(
            self._backward_hooks, (_callable(hook, "register_full_backward_pre_hook"), True), prepend
        )

    # ---- attribute registration --------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        # The order of the checks is PyTorch's, and so is the rule for replacing: a value assigned over a name of
        # the same kind (a Parameter over a parameter, a Module over a submodule) takes the old one's place in its
        # table, so that state_dict order and a Sequential's order of calls survive a swap; a value of another kind
        # leaves its old table and is appended to the new one.
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign a Parameter before Module.__init__() runs; call super().__init__()")
            self._discard(name, keep=params)
            params[name] = value
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} to parameter '{name}' of {type(self).__name__}: "
                    "use a Parameter (or None)"
                )
            params[name] = None
        elif isinstance(value, Module):
            if params is None:
                raise AttributeError("cannot assign a Module before Module.__init__() runs; call super().__init__()")
            self._discard(name, keep=self._modules)
            self._modules[name] = value
        elif params is not None and name in self._modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} to submodule '{name}' of {type(self).__name__}: "
                    "use a Module (or None)"
                )
            self._modules[name] = None
        elif params is not None and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign {type(value).__name__} to buffer '{name}' of {type(self).__name__}: "
                    "use a Tensor (or None)"
                )
            self._buffers[name] = value
        else:
            keep_attributes(self)  # an open journal (viz.trace) puts the old value back
            object.__setattr__(self, name, value)

    def _discard(self, name: str, keep: dict[str, Any]) -> None:
        """Remove `name` from the instance dict and from every registration table but `keep`, where the caller is
        about to (re)assign it in place."""
        if name in self.__dict__:
            keep_attributes(self)
            del self.__dict__[name]
        for table in (self._parameters, self._buffers, self._modules):
            if table is not keep:
                table.pop(name, None)
        if keep is not self._buffers:
            self._non_persistent_buffers.discard(name)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: look in the registration tables.
        d = self.__dict__
        for table in ("_parameters", "_buffers", "_modules"):
            if table in d and name in d[table]:
                return d[table][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for table in (self._parameters, self._buffers, self._modules):
            if name in table:
                del table[name]
                self._non_persistent_buffers.discard(name)
                return
        keep_attributes(self)
        object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers) | set(self._modules))

    def add_module(self, name: str, module: Module | None) -> None:
        _check_name(name, "module")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module('{name}', ...) needs a Module, got {type(module).__name__}")
        _check_free(self, name, self._modules, "module")
        self._modules[name] = module

    def register_module(self, name: str, module: Module | None) -> None:
        self.add_module(name, module)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        _check_name(name, "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter('{name}', ...) needs a Parameter or None, got {type(param).__name__}")
        _check_free(self, name, self._parameters, "parameter")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """A non-learnable tensor that belongs to the module's state (e.g. BatchNorm's running mean)."""
        _check_name(name, "buffer")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer('{name}', ...) needs a Tensor or None, got {type(tensor).__name__}")
        _check_free(self, name, self._buffers, "buffer")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    # ---- walking the tree --------------------------------------------------------------
    def named_modules(self, prefix: str = "", remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """Every module in pre-order with its qualified name ("stages.1.blocks.0"); the root is ""."""
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if remove_duplicate:
                if id(module) in seen:
                    continue
                seen.add(id(module))
            yield name, module
            children = [(child_name, child) for child_name, child in module._modules.items() if child is not None]
            for child_name, child in reversed(children):
                stack.append((f"{name}.{child_name}" if name else child_name, child))

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        seen: set[int] = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self) -> Iterator[Module]:
        for _, module in self.named_children():
            yield module

    def _named_members(self, table: str, prefix: str, recurse: bool) -> Iterator[tuple[str, Any]]:
        seen: set[int] = set()
        modules = self.named_modules(prefix=prefix) if recurse else iter([(prefix, self)])
        for module_name, module in modules:
            for name, value in getattr(module, table).items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))
                yield (f"{module_name}.{name}" if module_name else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Parameter]]:
        return self._named_members("_parameters", prefix, recurse)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        return self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def get_submodule(self, target: str) -> Module:
        """The module at a qualified name such as "stages.1.downsample"."""
        module: Module = self
        walked = []
        for part in target.split(".") if target else []:
            child = module._modules.get(part)
            if child is None:
                where = ".".join(walked) or type(self).__name__
                raise AttributeError(f"{where} has no submodule '{part}' (looking up '{target}')")
            module = child
            walked.append(part)
        return module

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call `fn` on every submodule in PyTorch's order (post-order: children in order, then parent).

        >>> net = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
        >>> _ = net.apply(lambda m: print(type(m).__name__))
        Linear
        ReLU
        Sequential
        """
        # Explicit stack; a module is pushed once to expand its children and once more to be visited
        # after them, which reproduces PyTorch's recursive `child.apply(fn)` then `fn(self)`.
        stack: list[tuple[Module, bool]] = [(self, False)]
        while stack:
            module, children_done = stack.pop()
            if children_done:
                fn(module)
                continue
            stack.append((module, True))
            for child in reversed(list(module.children())):
                stack.append((child, False))
        return self

    # ---- modes and gradients -----------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        if not isinstance(mode, bool):
            raise TypeError(f"train() takes a bool, got {mode!r}")
        # PyTorch calls child.train(mode) recursively, so a subclass may override train() (e.g. to keep a
        # frozen part in eval mode). We walk with a stack and hand each overriding descendant its own
        # subtree, so overrides are honoured while plain nesting depth costs no recursion.
        stack: list[Module] = [self]
        while stack:
            module = stack.pop()
            if module is not self and type(module).train is not Module.train:
                module.train(mode)
                continue
            object.__setattr__(module, "training", mode)
            stack.extend(reversed(list(module.children())))
        return self

    def eval(self) -> Module:
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient: set it to None (PyTorch's default) or fill it with zeros."""
        for param in self.parameters():
            if set_to_none or param.grad is None:
                param.grad = None
            else:
                param.grad = np.zeros_like(param.grad)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def to(self, dtype: dtypes.DTypeLike) -> Module:
        """Cast floating-point parameters and buffers to `dtype` in place (e.g. lucid.float64)."""
        target = dtypes.resolve(dtype)
        for module in self.modules():
            for table in (module._parameters, module._buffers):
                for value in table.values():
                    if value is not None and value.dtype.kind == "f":
                        value._data = value._data.astype(target)
                        value._grad = None
                        value._version += 1
        return self

    def float(self) -> Module:
        return self.to(dtypes.float32)

    def double(self) -> Module:
        return self.to(dtypes.float64)

    # ---- state (the work is in lucid/nn/state_dict.py) -----------------------------------
    def state_dict(self, prefix: str = "") -> dict[str, Tensor]:
        """Parameters and persistent buffers by qualified name; values share memory with the module.

        `prefix` is prepended as given, as in PyTorch: `block.state_dict(prefix="blocks.0.")`.

        >>> list(nn.Sequential(nn.Linear(2, 3)).state_dict())
        ['0.weight', '0.bias']
        """
        return {prefix + key: tensor.detach() for key, tensor in named_state(self).items()}

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy values into the parameters and buffers with the same qualified names.

        Every problem (missing keys, unexpected keys, shape mismatches) is reported in one
        error, and nothing is changed unless everything fits.
        """
        return load_state(self, state_dict, strict)

    # ---- printing ----------------------------------------------------------------------
    def extra_repr(self) -> str:
        """One line of settings shown inside the parentheses of `repr` (override in layers)."""
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def _repr_children(self) -> list[tuple[str, Module | None]]:
        """The `(label, child)` rows `repr` prints inside this module; containers may group rows."""
        return [(f"({name}): ", child) for name, child in self._modules.items()]

    def __repr__(self) -> str:
        # Built with an explicit stack: each entry is a module to open, or a closing line.
        lines: list[str] = []
        stack: list[tuple[str, Module | None, int]] = [("", self, 0)]
        # A label without a module is a literal line: ")" closing a parent, or "(name): None" for an
        # empty slot, which PyTorch prints too.
        while stack:
            label, module, depth = stack.pop()
            indent = "  " * depth
            if module is None:
                lines.append(indent + label)
                continue
            extra = module.extra_repr()
            extra_lines = extra.split("\n") if extra else []
            children = module._repr_children()
            head = f"{indent}{label}{module._get_name()}("
            if not children and len(extra_lines) <= 1:
                lines.append(head + extra + ")")
                continue
            lines.append(head)
            lines.extend(f"{indent}  {line}" for line in extra_lines)
            stack.append((")", None, depth))
            for child_label, child in reversed(children):
                if child is None:
                    stack.append((child_label + "None", None, depth + 1))
                else:
                    stack.append((child_label, child, depth + 1))
        return "\n".join(lines)
