"""The trace IR: plain data describing one forward pass of a model (no lucid import).

A `Trace` holds the module tree (one `ModuleNode` per module, keyed by its qualified path, the root being "") and the
`Call`s made during one forward pass, in the order they started. Renderers read only this, so a trace saved as JSON
draws the same chart as the live model.

>>> t = Trace("tiny", [(1, 4)], [(1, 2)], [ModuleNode("", "", "Tiny", "user", total_params=10)], [])
>>> Trace.from_json(t.to_json()) == t
True
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

Shape = tuple[int, ...]

FORMAT = "lucid-viz-trace"
VERSION = 1


@dataclass
class ModuleNode:
    """One module: where it sits (`path`, `name`), what it is (`class_name`, `family`) and its parameters.

    `builtin` is True for classes defined in lucid.nn; `family` is "user" for the others. `children` lists the
    paths of the direct submodules in registration order.
    """

    path: str
    name: str
    class_name: str
    family: str
    is_container: bool = False
    builtin: bool = False
    own_params: int = 0
    total_params: int = 0
    children: list[str] = field(default_factory=list)


@dataclass
class Call:
    """One forward call of the module at `path`; shapes are flattened from the call's tensors in order.

    `macs` counts the multiply-accumulates of the operations run while this call was the innermost open module
    call (its own work, not its submodules'); see viz.macs for what is counted. Traces without it load as 0.
    """

    index: int
    path: str
    input_shapes: list[Shape]
    output_shapes: list[Shape]
    macs: int = 0


@dataclass
class TraceError:
    """Where a partial trace stopped: the failing module, the exception message and the shapes it was given."""

    path: str
    message: str
    input_shapes: list[Shape]


@dataclass
class Trace:
    """A model's module tree and the calls of one forward pass; `modules` is in pre-order, root ("") first."""

    model_name: str
    input_shapes: list[Shape]
    output_shapes: list[Shape]
    modules: list[ModuleNode]
    calls: list[Call]
    error: TraceError | None = None

    def module_map(self) -> dict[str, ModuleNode]:
        """The modules by path; raises ValueError when the tree is inconsistent (see `validate`)."""
        self.validate()
        return {m.path: m for m in self.modules}

    def walk(self) -> Iterator[tuple[ModuleNode, int]]:
        """(module, depth) in pre-order from the root, following `children` (explicit stack: any depth works)."""
        by_path = self.module_map()
        stack = [("", 0)]
        while stack:
            path, depth = stack.pop()
            node = by_path[path]
            yield node, depth
            for child in reversed(node.children):
                stack.append((child, depth + 1))

    def validate(self) -> None:
        """Check that the tree has a root, every child exists exactly once and every call names a known module."""
        by_path: dict[str, ModuleNode] = {}
        for module in self.modules:
            if module.path in by_path:
                raise ValueError(f"trace of {self.model_name!r}: module path {module.path!r} appears twice")
            by_path[module.path] = module
        if "" not in by_path:
            raise ValueError(f'trace of {self.model_name!r}: no root module (path ""); add the model itself')
        seen_as_child: set[str] = set()
        for module in self.modules:
            for child in module.children:
                if child not in by_path:
                    raise ValueError(
                        f"trace of {self.model_name!r}: module {module.path!r} lists child {child!r}, "
                        "which has no ModuleNode"
                    )
                if child in seen_as_child or child == "":
                    raise ValueError(f"trace of {self.model_name!r}: module {child!r} has more than one parent")
                seen_as_child.add(child)
        # Every module has at most one parent, so a walk from the root meets each reachable module once.
        reached = {""}
        stack = [""]
        while stack:
            for child in by_path[stack.pop()].children:
                reached.add(child)
                stack.append(child)
        lost = [m.path for m in self.modules if m.path not in reached]
        if lost:
            raise ValueError(f"trace of {self.model_name!r}: modules {lost[:3]} are not reachable from the root")
        for position, call in enumerate(self.calls):
            if call.path not in by_path:
                raise ValueError(f"trace of {self.model_name!r}: call {call.index} names unknown module {call.path!r}")
            if call.index != position:
                raise ValueError(
                    f"trace of {self.model_name!r}: call at position {position} has index {call.index}; "
                    "calls must be numbered 0, 1, ... in execution order"
                )

    def to_json(self, indent: int | None = 1) -> str:
        """The trace as JSON with a fixed key order, so the same trace always gives the same bytes."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_dict(self) -> dict[str, Any]:
        """The trace as JSON-ready dicts and lists (shapes become lists)."""
        return {
            "format": FORMAT,
            "version": VERSION,
            "model_name": self.model_name,
            "input_shapes": _shapes_out(self.input_shapes),
            "output_shapes": _shapes_out(self.output_shapes),
            "modules": [
                {
                    "path": m.path,
                    "name": m.name,
                    "class_name": m.class_name,
                    "family": m.family,
                    "is_container": m.is_container,
                    "builtin": m.builtin,
                    "own_params": m.own_params,
                    "total_params": m.total_params,
                    "children": list(m.children),
                }
                for m in self.modules
            ],
            "calls": [
                {
                    "index": c.index,
                    "path": c.path,
                    "input_shapes": _shapes_out(c.input_shapes),
                    "output_shapes": _shapes_out(c.output_shapes),
                    "macs": c.macs,
                }
                for c in self.calls
            ],
            "error": None
            if self.error is None
            else {
                "path": self.error.path,
                "message": self.error.message,
                "input_shapes": _shapes_out(self.error.input_shapes),
            },
        }

    @classmethod
    def from_json(cls, text: str) -> Trace:
        """Read a trace written by `to_json`; raises ValueError naming the first field that is wrong."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"trace JSON does not parse: {exc}") from exc
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Any) -> Trace:
        """Build a trace from `to_dict` output, checking every field's type."""
        top = _Reader(data, "trace")
        if top.get("format", str) != FORMAT:
            raise ValueError(f"trace: 'format' is {data.get('format')!r}, expected {FORMAT!r}")
        if top.get("version", int) != VERSION:
            raise ValueError(f"trace: version {data.get('version')!r} is not supported (this reader knows {VERSION})")
        modules = []
        for i, item in enumerate(top.get("modules", list)):
            r = _Reader(item, f"trace.modules[{i}]")
            modules.append(
                ModuleNode(
                    path=r.get("path", str),
                    name=r.get("name", str),
                    class_name=r.get("class_name", str),
                    family=r.get("family", str),
                    is_container=r.get("is_container", bool),
                    builtin=r.get("builtin", bool),
                    own_params=r.get("own_params", int),
                    total_params=r.get("total_params", int),
                    children=r.strings("children"),
                )
            )
        calls = []
        for i, item in enumerate(top.get("calls", list)):
            r = _Reader(item, f"trace.calls[{i}]")
            # "macs" came after version 1's first traces; older files without it still load.
            macs = r.get("macs", int) if "macs" in item else 0
            if macs < 0:
                raise ValueError(f"trace.calls[{i}].macs: expected a count >= 0, got {macs}")
            calls.append(
                Call(r.get("index", int), r.get("path", str), r.shapes("input_shapes"), r.shapes("output_shapes"), macs)
            )
        error = None
        if data.get("error") is not None:
            r = _Reader(data["error"], "trace.error")
            error = TraceError(r.get("path", str), r.get("message", str), r.shapes("input_shapes"))
        trace = cls(
            top.get("model_name", str), top.shapes("input_shapes"), top.shapes("output_shapes"), modules, calls, error
        )
        trace.validate()
        return trace


def collect_shapes(value: object, shape_of: Callable[[object], Shape | None]) -> list[Shape]:
    """Shapes of the tensors in `value`, a tensor or nested tuples/lists/dicts of them, in order.

    `shape_of` returns a tensor's shape, or None for anything that is not a tensor (those are skipped).

    >>> collect_shapes({"a": [(2, 3)], "b": ((4,), "x")}, lambda v: v if isinstance(v, tuple) and v and
    ...     all(isinstance(d, int) for d in v) else None)
    [(2, 3), (4,)]
    """
    shapes: list[Shape] = []
    stack: list[object] = [value]
    while stack:
        item = stack.pop()
        shape = shape_of(item)
        if shape is not None:
            shapes.append(tuple(int(d) for d in shape))
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
    return shapes


def _shapes_out(shapes: list[Shape]) -> list[list[int]]:
    return [list(s) for s in shapes]


class _Reader:
    """Typed field access into a JSON object, with errors that name the field's location."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise ValueError(f"{where}: expected a JSON object, got {type(data).__name__}")
        self.data = data
        self.where = where

    def get(self, key: str, kind: type) -> Any:
        if key not in self.data:
            raise ValueError(f"{self.where}: missing field {key!r}")
        value = self.data[key]
        # bool is an int subclass in Python; keep counts and flags apart.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ValueError(f"{self.where}.{key}: expected {kind.__name__}, got {value!r}")
        return value

    def strings(self, key: str) -> list[str]:
        items = self.get(key, list)
        for i, item in enumerate(items):
            if not isinstance(item, str):
                raise ValueError(f"{self.where}.{key}[{i}]: expected a string, got {item!r}")
        return list(items)

    def shapes(self, key: str) -> list[Shape]:
        shapes = []
        for i, item in enumerate(self.get(key, list)):
            ok = isinstance(item, list) and all(isinstance(d, int) and not isinstance(d, bool) for d in item)
            if not ok:
                raise ValueError(f"{self.where}.{key}[{i}]: expected a shape (list of ints), got {item!r}")
            shapes.append(tuple(item))
        return shapes
