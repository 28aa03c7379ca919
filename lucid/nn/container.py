"""Containers: `Sequential`, `ModuleList`, `ModuleDict`, and for parameters `ParameterList`, `ParameterDict`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, overload

from lucid.nn.module import Module
from lucid.nn.parameter import Parameter
from lucid.tensor import Tensor


class _ModuleSequence(Module):
    """What Sequential and ModuleList share: integer indexing, deletion with renumbering, len, iter, append."""

    def _index(self, index: int) -> str:
        size = len(self._modules)
        if not -size <= index < size:
            raise IndexError(f"index {index} is out of range for a {type(self).__name__} of length {size}")
        return list(self._modules)[index % size]

    def __setitem__(self, index: int, module: Module) -> None:
        self._modules[self._index(index)] = _require_module(module, f"{type(self).__name__}[{index}]")

    def __delitem__(self, index: int | slice) -> None:
        names = list(self._modules)[index] if isinstance(index, slice) else [self._index(index)]
        for name in names:
            del self._modules[name]
        _renumber(self)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(list(self._modules.values()))

    def append(self, module: Module) -> _ModuleSequence:
        self.add_module(str(len(self._modules)), _require_module(module, f"{type(self).__name__}.append"))
        return self


class Sequential(_ModuleSequence):
    """Modules called one after another; built from modules or from an ordered dict of them.

    >>> net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> net[0]
    Linear(in_features=4, out_features=8, bias=True)
    >>> net[1:]
    Sequential(
      (1): ReLU()
      (2): Linear(in_features=8, out_features=2, bias=True)
    )
    >>> len(net)
    3
    """

    def __init__(self, *modules: Module | Mapping[str, Module]) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], Mapping):
            for name, module in modules[0].items():
                self.add_module(name, _require_module(module, f"Sequential['{name}']"))
        else:
            for index, module in enumerate(modules):
                self.add_module(str(index), _require_module(module, f"Sequential argument {index}"))

    @overload
    def __getitem__(self, index: int) -> Module: ...
    @overload
    def __getitem__(self, index: slice) -> Sequential: ...
    def __getitem__(self, index: int | slice) -> Module:
        if isinstance(index, slice):
            return Sequential(dict(list(self._modules.items())[index]))
        return self._modules[self._index(index)]

    def forward(self, x: Any) -> Any:
        for module in self._modules.values():
            x = module(x)
        return x


class ModuleList(_ModuleSequence):
    """A list of modules that registers them (no forward of its own)."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return ModuleList(list(self._modules.values())[index])
        return self._modules[self._index(index)]

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        for module in modules:
            self.append(module)
        return self

    def _repr_children(self) -> list[tuple[str, Module | None]]:
        # PyTorch prints runs of identical entries once, as "(0-3): 4 x Block(...)"; so do we, so
        # that printed models read the same in both libraries.
        children = list(self._modules.values())
        texts = [repr(child) for child in children]
        rows: list[tuple[str, Module | None]] = []
        start = 0
        for end in range(1, len(children) + 1):
            if end < len(children) and texts[end] == texts[start]:
                continue
            count = end - start
            label = f"({start}): " if count == 1 else f"({start}-{end - 1}): {count} x "
            rows.append((label, children[start]))
            start = end
        return rows

    def insert(self, index: int, module: Module) -> None:
        items = list(self._modules.values())
        items.insert(index, _require_module(module, "ModuleList.insert"))
        self._modules.clear()
        for i, item in enumerate(items):
            self._modules[str(i)] = item


class ModuleDict(Module):
    """A dict of modules that registers them under their keys (no forward of its own)."""

    def __init__(self, modules: Mapping[str, Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        if key not in self._modules:
            raise KeyError(f"ModuleDict has no key {key!r}; keys: {list(self._modules)}")
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, _require_module(module, f"ModuleDict[{key!r}]"))

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._modules))

    def keys(self) -> list[str]:
        return list(self._modules)

    def values(self) -> list[Module]:
        return list(self._modules.values())

    def items(self) -> list[tuple[str, Module]]:
        return list(self._modules.items())

    def update(self, modules: Mapping[str, Module]) -> None:
        for key, module in modules.items():
            self[key] = module

    def add_module(self, name: str, module: Module | None) -> None:
        # Keys are data here, not attribute names: a key may shadow a method name.
        from lucid.nn.module import _check_name

        _check_name(name, "module")
        self._modules[name] = module


def _as_parameter(value: Any, where: str) -> Parameter:
    """`value` as a Parameter: a Parameter as it is, another Tensor wrapped as PyTorch does (a copy here)."""
    if isinstance(value, Parameter):
        return value
    if isinstance(value, Tensor):
        return Parameter(value)
    raise TypeError(f"{where}: expected a Parameter or Tensor, got {type(value).__name__}")


def _parameter_line(label: str, param: Parameter) -> str:
    kind = "Parameter" if isinstance(param, Parameter) else "Tensor"
    size = "x".join(str(s) for s in param.shape)
    return f"  ({label}): {kind} containing: [lucid.{param.dtype} of size {size}]"


class ParameterList(Module):
    """A list of parameters registered under "0", "1", ... (their state_dict keys), as `torch.nn.ParameterList`;
    a Tensor that is not a Parameter is made one.

    >>> params = nn.ParameterList([nn.Parameter(lucid.ones(2, 3)), lucid.zeros(4)])
    >>> list(params.state_dict()), params[1].shape
    (['0', '1'], (4,))
    """

    def __init__(self, values: Iterable[Tensor] | None = None) -> None:
        super().__init__()
        if values is not None:
            self.extend(values)

    def _key(self, index: int) -> str:
        size = len(self._parameters)
        if isinstance(index, bool) or not isinstance(index, int):
            raise TypeError(f"ParameterList indices must be integers or slices, got {type(index).__name__}")
        if not -size <= index < size:
            raise IndexError(f"index {index} is out of range for a ParameterList of length {size}")
        return str(index % size)

    @overload
    def __getitem__(self, index: int) -> Parameter: ...
    @overload
    def __getitem__(self, index: slice) -> ParameterList: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return ParameterList(list(self._parameters.values())[index])
        return self._parameters[self._key(index)]

    def __setitem__(self, index: int, value: Tensor) -> None:
        self.register_parameter(self._key(index), _as_parameter(value, f"ParameterList[{index}]"))

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Parameter]:
        return iter(list(self._parameters.values()))

    def __iadd__(self, values: Iterable[Tensor]) -> ParameterList:
        return self.extend(values)

    def append(self, value: Tensor) -> ParameterList:
        index = len(self._parameters)
        self.register_parameter(str(index), _as_parameter(value, f"ParameterList.append (entry {index})"))
        return self

    def extend(self, values: Iterable[Tensor]) -> ParameterList:
        if isinstance(values, Tensor) or not isinstance(values, Iterable):
            raise TypeError(f"ParameterList.extend takes an iterable of tensors, got {type(values).__name__}")
        for value in values:
            self.append(value)
        return self

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("ParameterList holds parameters and cannot be called")

    def extra_repr(self) -> str:
        return "\n".join(_parameter_line(key, param) for key, param in self._parameters.items())


class ParameterDict(Module):
    """A dict of parameters registered under their keys (their state_dict keys), as `torch.nn.ParameterDict`;
    a Tensor that is not a Parameter is made one.

    >>> params = nn.ParameterDict({"scale": lucid.ones(3), "shift": lucid.zeros(3)})
    >>> list(params.state_dict()), "scale" in params
    (['scale', 'shift'], True)
    """

    def __init__(self, parameters: Mapping[str, Tensor] | Iterable[tuple[str, Tensor]] | None = None) -> None:
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key: str) -> Parameter:
        if key not in self._parameters:
            raise KeyError(f"ParameterDict has no key {key!r}; keys: {list(self._parameters)}")
        return self._parameters[key]

    def __setitem__(self, key: str, value: Tensor) -> None:
        self.register_parameter(key, _as_parameter(value, f"ParameterDict[{key!r}]"))

    def __delitem__(self, key: str) -> None:
        if key not in self._parameters:
            raise KeyError(f"ParameterDict has no key {key!r}; keys: {list(self._parameters)}")
        del self._parameters[key]

    def __contains__(self, key: object) -> bool:
        return key in self._parameters

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._parameters))

    def keys(self) -> list[str]:
        return list(self._parameters)

    def values(self) -> list[Parameter]:
        return list(self._parameters.values())

    def items(self) -> list[tuple[str, Parameter]]:
        return list(self._parameters.items())

    def get(self, key: str, default: Any = None) -> Any:
        return self._parameters.get(key, default)

    def pop(self, key: str) -> Parameter:
        value = self[key]
        del self[key]
        return value

    def clear(self) -> None:
        self._parameters.clear()

    def update(self, parameters: Mapping[str, Tensor] | Iterable[tuple[str, Tensor]]) -> None:
        pairs = parameters.items() if isinstance(parameters, Mapping) else parameters
        for entry in pairs:
            if not (isinstance(entry, (tuple, list)) and len(entry) == 2):
                raise TypeError(f"ParameterDict.update takes a mapping or (key, tensor) pairs, got an entry {entry!r}")
            self[entry[0]] = entry[1]

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("ParameterDict holds parameters and cannot be called")

    def extra_repr(self) -> str:
        return "\n".join(_parameter_line(key, param) for key, param in self._parameters.items())


def _renumber(container: Module) -> None:
    # After a deletion the keys are renamed 0..n-1 (as PyTorch does), so indexing by position and
    # `append` (which names the new entry str(len)) cannot collide with a surviving key.
    items = list(container._modules.values())
    container._modules.clear()
    for i, item in enumerate(items):
        container._modules[str(i)] = item


def _require_module(value: Any, where: str) -> Module:
    if not isinstance(value, Module):
        raise TypeError(f"{where}: expected a Module, got {type(value).__name__}")
    return value
