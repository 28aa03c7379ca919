"""The trace IR: plain data describing one forward pass of a model (no lucid import).

A `Trace` holds the module tree (one `ModuleNode` per module, keyed by its qualified path, the root being "") and the
`Call`s made during one forward pass, in the order they started. Renderers read only this, so a trace saved as JSON
draws the same chart as the live model.

Traces made by viz.trace also say where every tensor came from (`provenance`): each call's input tensors and each
model output carry a `Source` (a model input, a call's output, or a `Merge`: an op that combined tensors from two or
more different sources), so charts can draw the data's real paths. Version 1 files have no sources and load with
`provenance` False.

>>> t = Trace("tiny", [(1, 4)], [(1, 2)], [ModuleNode("", "", "Tiny", "user", total_params=10)], [])
>>> Trace.from_json(t.to_json()) == t
True
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from viz import ir_json
from viz.ir_nodes import Call, Merge, ModuleNode, Port, Shape, Source, TraceError

__all__ = ["Call", "Merge", "ModuleNode", "Port", "Shape", "Source", "Trace", "TraceError", "collect_shapes"]

# How a Trace shows itself in Jupyter (`_repr_markdown_`). The chart needs the Mermaid renderer, which imports this
# module, so this module never imports it: viz.notebook (imported by viz/__init__.py, hence loaded with any viz
# module) registers its renderer here with `set_markdown_display`.
_markdown_display: Callable[[Trace], str] | None = None


@dataclass
class Trace:
    """A model's module tree and the calls of one forward pass; `modules` is in pre-order, root ("") first.

    With `provenance`, `inputs` and `outputs` group the flat `input_shapes` / `output_shapes` by argument and by
    output item, and sources say where each tensor came from (see the module docstring). `trainable_params` is
    the model's number of parameter values with requires_grad (a shared parameter once); None when unknown
    (traces saved before it was recorded). `input_dtypes` names each input tensor's dtype, in `input_shapes`
    order, when one of them is not float32 (integer token ids, say); empty when all are float32."""

    model_name: str
    input_shapes: list[Shape]
    output_shapes: list[Shape]
    modules: list[ModuleNode]
    calls: list[Call]
    error: TraceError | None = None
    provenance: bool = False
    inputs: list[Port] = field(default_factory=list)
    outputs: list[Port] = field(default_factory=list)
    merges: list[Merge] = field(default_factory=list)
    trainable_params: int | None = None
    input_dtypes: list[str] = field(default_factory=list)

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
        if self.provenance:
            self._validate_sources()

    def _validate_sources(self) -> None:
        """Every source names an input tensor, a call output or a merge that exists and came before its use."""
        where = f"trace of {self.model_name!r}"
        for position, merge in enumerate(self.merges):
            if merge.index != position:
                raise ValueError(f"{where}: merge at position {position} has index {merge.index}")
            if merge.call is not None and not 0 <= merge.call < len(self.calls):
                raise ValueError(f"{where}: merge {merge.index} ran in call {merge.call}, which does not exist")
            if not 0 <= merge.after_calls <= len(self.calls):
                raise ValueError(f"{where}: merge {merge.index} comes after {merge.after_calls} calls")
            self._check_sources(merge.sources, len(merge.input_shapes), f"merge {merge.index}", merges_before=position)
        for call in self.calls:
            if call.parent is not None and not 0 <= call.parent < call.index:
                raise ValueError(f"{where}: call {call.index} has parent {call.parent}, not an earlier call")
            self._check_sources(call.sources, len(call.input_shapes), f"call {call.index} inputs")
            self._check_sources(call.returned, len(call.output_shapes), f"call {call.index} outputs")
        for kind, ports, flat in (("input", self.inputs, self.input_shapes), ("output", self.outputs, [])):
            if kind == "input" and ports and [s for p in ports for s in p.shapes] != flat:
                raise ValueError(f"{where}: the input ports' shapes do not add up to input_shapes")
            for number, port in enumerate(ports):
                if kind == "output":
                    self._check_sources(port.sources, len(port.shapes), f"output {number}")

    def _check_sources(self, sources: list[Source | None], count: int, what: str, merges_before: int = -1) -> None:
        where = f"trace of {self.model_name!r}: {what}"
        if len(sources) != count:
            raise ValueError(f"{where}: {len(sources)} sources for {count} tensors")
        limits = {
            "input": (len(self.inputs), lambda i: len(self.inputs[i].shapes)),
            "call": (len(self.calls), lambda i: len(self.calls[i].output_shapes)),
            "op": (len(self.merges) if merges_before < 0 else merges_before, lambda i: 1),
        }
        for source in sources:
            if source is None:
                continue
            kind, index, slot = source
            count_of_kind, slots = limits[kind]
            if not 0 <= index < count_of_kind or not 0 <= slot < slots(index):
                raise ValueError(f"{where}: source {list(source)} names nothing that exists")

    def _repr_markdown_(self) -> str | None:
        """Jupyter's rich display: the depth-3 chart as a ```mermaid block (see viz.notebook). None, which makes
        Jupyter fall back to `repr()`, only if no display was registered.

        >>> Trace("tiny", [(1, 4)], [(1, 2)], [ModuleNode("", "", "Tiny", "user")], [])._repr_markdown_()[:10]
        '```mermaid'
        """
        return None if _markdown_display is None else _markdown_display(self)

    def to_json(self, indent: int | None = 1) -> str:
        """The trace as JSON with a fixed key order, so the same trace always gives the same bytes."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_dict(self) -> dict[str, Any]:
        """The trace as JSON-ready dicts and lists (shapes and sources become lists)."""
        return ir_json.trace_to_dict(self)

    @classmethod
    def from_json(cls, text: str) -> Trace:
        """Read a trace written by `to_json`; raises ValueError naming the first field that is wrong."""
        return cls.from_dict(ir_json.parse_json(text))

    @classmethod
    def from_dict(cls, data: Any) -> Trace:
        """Build a trace from `to_dict` output (this version or version 1), checking every field's type."""
        trace = cls(**ir_json.trace_fields(data))
        trace.validate()
        return trace


def set_markdown_display(render: Callable[[Trace], str]) -> None:
    """Make `Trace._repr_markdown_` return `render(trace)`; viz.notebook calls this when it is imported."""
    global _markdown_display
    _markdown_display = render


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
