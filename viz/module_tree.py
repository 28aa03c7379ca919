"""The module tree of a model as ModuleNodes (paths, classes, parameter counts), and the modules in the same order.

Every trace needs it, and walking a few hundred modules costs about as much as the rest of the tracer's
bookkeeping, so each thread keeps the last model's walk: it is reused while lucid's structure count
(lucid._structure: any change to a module's parameters, buffers or submodules, a `requires_grad` or `data` set) has
not moved and every module is still of the class it was. The kept walk holds only weak references, so it never
keeps a model alive, and every trace gets ModuleNodes of its own.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

from lucid import Tensor, nn
from lucid._structure import structure_version
from lucid.nn.container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from viz.ir import ModuleNode

_CONTAINERS = (Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict)
# Files of lucid.nn.layers split out of a family's file (for size) belong to that family; padding and fold only move
# values around, as reshapes do.
_FAMILY_OF_FILE = {
    "transformer_layer": "transformer",
    "recurrent_cell": "recurrent",
    "padding": "reshape",
    "fold": "reshape",
}


def family_of(module_class: type) -> str:
    """The family that colours a node: the lucid.nn.layers file a layer is defined in ("conv", "norm", ...)."""
    if issubclass(module_class, _CONTAINERS):
        return "container"
    where = module_class.__module__
    if where.startswith("lucid.nn.layers."):
        file = where.rsplit(".", 1)[1]
        return _FAMILY_OF_FILE.get(file, file)
    return "user"


@dataclass
class _Walk:
    """One model's walk, as `module_tree` keeps it: the structure count it was taken at, the modules (weakly) and
    their classes, and the plain values its ModuleNodes are made from."""

    version: int
    model: weakref.ref
    modules: list[weakref.ref]
    classes: list[type]
    rows: list[tuple]
    paths: dict[int, str]
    trainable: int
    buffers: list[weakref.ref]


class _LastWalk(threading.local):
    """Each thread keeps its own last walk, so concurrent traces of different models don't evict each other's."""

    walk: _Walk | None = None


_last = _LastWalk()


def module_tree(
    model: nn.Module,
) -> tuple[list[ModuleNode], list[nn.Module], dict[int, str], int, list[Tensor]]:
    """The ModuleNodes in pre-order, the modules in the same order, a lookup from module identity to path
    (identity stays internal), the model's number of trainable (requires_grad) parameter values, and its buffers
    (each once, in module order)."""
    version = structure_version()
    last = _last.walk
    if last is not None and last.version == version and last.model() is model:
        modules = [ref() for ref in last.modules]
        buffers = [ref() for ref in last.buffers]
        if all(type(m) is cls for m, cls in zip(modules, last.classes, strict=True)) and all(
            b is not None for b in buffers
        ):
            nodes = [ModuleNode(*row[:8], list(row[8])) for row in last.rows]
            return nodes, modules, last.paths, last.trainable, buffers  # type: ignore[return-value]
    nodes, modules, paths, trainable = _walk(model)
    # A buffer registered under two modules is saved and restored once.
    buffers = list({id(b): b for m in modules for b in m._buffers.values() if b is not None}.values())
    rows = [
        (
            n.path,
            n.name,
            n.class_name,
            n.family,
            n.is_container,
            n.builtin,
            n.own_params,
            n.total_params,
            list(n.children),
        )
        for n in nodes
    ]
    _last.walk = _Walk(
        version,
        weakref.ref(model),
        [weakref.ref(m) for m in modules],
        [type(m) for m in modules],
        rows,
        paths,
        trainable,
        [weakref.ref(b) for b in buffers],
    )
    return nodes, modules, paths, trainable, buffers


def _walk(model: nn.Module) -> tuple[list[ModuleNode], list[nn.Module], dict[int, str], int]:
    """The ModuleNodes in pre-order, the modules in the same order, a lookup from module identity to path
    (identity stays internal), and the model's number of trainable (requires_grad) parameter values.

    One walk in `model.named_modules()` order (a module registered twice, under two parents or two names, is
    listed once, under the name the walk reaches first). It runs on every trace, so it reads the module tables
    directly and looks at each class once.
    """
    # The walk fills flat lists and the ModuleNodes are made in one comprehension at the end, which costs less
    # than making each node in the loop (bench/README).
    paths: dict[int, str] = {}
    modules: list[nn.Module] = []
    path_list: list[str] = []
    names: list[str] = []
    parents: list[int] = []  # each module's parent's index in `modules` (-1 for the root)
    kinds: list[tuple[str, str, bool, bool]] = []
    owns: list[int] = []
    param_ids: list[int] = []  # to tell whether a parameter is registered twice
    trainable: dict[int, int] = {}  # size by parameter identity: a parameter registered twice counts once
    kind_of: dict[type, tuple[str, str, bool, bool]] = {}
    shared = False
    stack: list[tuple[str, str, nn.Module, int]] = [("", "", model, -1)]
    while stack:
        path, name, module, parent = stack.pop()
        key = id(module)
        if key in paths:
            shared = True
            continue
        index = len(modules)
        paths[key] = path
        modules.append(module)
        path_list.append(path)
        names.append(name)
        parents.append(parent)
        cls = type(module)
        kind = kind_of.get(cls)
        if kind is None:
            kind = kind_of[cls] = (
                cls.__name__,
                family_of(cls),
                issubclass(cls, _CONTAINERS),
                cls.__module__.startswith("lucid.nn"),
            )
        kinds.append(kind)
        params = module._parameters
        if params:
            own = 0
            for param in params.values():
                if param is not None:
                    size = param._data.size
                    own += size
                    param_ids.append(id(param))
                    if param._requires_grad:
                        trainable[id(param)] = size
            owns.append(own)
        else:
            owns.append(0)
        if module._modules:
            prefix = f"{path}." if path else ""
            for child_name, child in reversed(module._modules.items()):
                if child is not None:
                    stack.append((prefix + child_name, child_name, child, index))
    # Children and parameter totals bottom-up, children before parents (pre-order reversed). A subtree's total is
    # its own count plus its children's as long as no module or parameter is registered twice; otherwise
    # _fill_total_params counts distinct parameters instead.
    count = len(modules)
    children: list[list[str]] = [[] for _ in range(count)]
    totals = owns.copy()
    for index in range(count - 1, 0, -1):
        parent = parents[index]
        totals[parent] += totals[index]
        children[parent].append(path_list[index])
    for kids in children:
        kids.reverse()  # registration order: the walk reached them in that order
    nodes = [
        ModuleNode(path, name, kind[0], kind[1], kind[2], kind[3], own, total, kids)
        for path, name, kind, own, total, kids in zip(path_list, names, kinds, owns, totals, children, strict=True)
    ]
    if shared or len(param_ids) != len(set(param_ids)):
        _fill_total_params(nodes, modules)
    return nodes, modules, paths, int(sum(trainable.values()))


def _fill_total_params(nodes: list[ModuleNode], modules: list[nn.Module]) -> None:
    """Each node's parameter count with its submodules when a module or parameter is registered twice: a shared
    parameter counts once per subtree (what `module.parameters()` would yield for every module, without walking
    each subtree again).
    """
    # Distinct parameters, built bottom-up from the children's parameter sets.
    owned: dict[int, dict[int, int]] = {}
    for node, module in zip(reversed(nodes), reversed(modules), strict=True):
        params = {id(p): p.size for p in module._parameters.values() if p is not None}
        for child in module._modules.values():
            if child is None:
                continue
            # A module shared by two parents is listed once, so the later parent may come first here.
            known = owned.get(id(child))
            params.update(known if known is not None else {id(p): p.size for p in child.parameters()})
        owned[id(module)] = params
        node.total_params = int(sum(params.values()))
