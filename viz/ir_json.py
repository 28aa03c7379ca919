"""The JSON form of a Trace: `trace_to_dict` and its inverse `trace_fields`, with errors that name the field.

Version 2 adds where each tensor came from (provenance); version 1 files still load, without it.

A file is checked as it is read, so that a damaged or hostile one fails here, naming the field, rather than later
in a renderer: wrong types, integers outside 0..2**63-1, shapes with more elements than that, lone surrogates in
names (no encoding can write them) and nesting too deep for the JSON parser are all a ValueError.

>>> parse_json('{"a": [' * 3 + "]}" * 3)
{'a': [{'a': [{'a': []}]}]}
>>> parse_json("[" * 100_000)
Traceback (most recent call last):
ValueError: trace JSON is nested too deeply to read (a trace nests lists and objects at most 5 levels deep)
"""

from __future__ import annotations

import json
import reprlib
from typing import Any

from viz.ir_nodes import SOURCE_KINDS, Call, Merge, ModuleNode, Port, Shape, Source, TraceError

FORMAT = "lucid-viz-trace"
VERSION = 2
READABLE_VERSIONS = (1, 2)
# Every integer in a trace is a count (parameters, MACs), an index or a shape dimension: none is negative, and none
# needs more than a signed 64-bit counter (numpy's limit for a size). Larger ones can only come from a damaged
# file; past about 10**308 they overflow where renderers turn counts into floats (K/M/B units, memory in MB), which
# a shape's element count reaches with a few dozen large dims, so that is bounded too.
LARGEST_COUNT = 2**63 - 1
LARGEST_COUNT_TEXT = "2**63-1"

# Values quoted in error messages are cut short: a hostile file may hold a megabyte list where a shape should be.
_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxdict = 3, 8, 4
_SHORT.maxstring, _SHORT.maxlong, _SHORT.maxother = 60, 40, 60


def parse_json(text: str) -> Any:
    """The JSON value in `text`; every way it can fail to parse is a ValueError saying why."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"trace JSON does not parse: {exc}") from exc
    except RecursionError:
        # json.loads recurses once per nested list or object; a trace needs five levels.
        raise ValueError(
            "trace JSON is nested too deeply to read (a trace nests lists and objects at most 5 levels deep)"
        ) from None
    except ValueError as exc:
        # Python refuses to convert an integer of more than 4300 digits; its advice (raise the limit) is not ours.
        raise ValueError(f"trace JSON does not parse: {str(exc).partition(';')[0]}") from None


def shown(value: Any) -> str:
    """`repr(value)` cut to a readable length for an error message (long lists, strings and numbers shortened)."""
    try:
        return _SHORT.repr(value)
    except (RecursionError, ValueError):  # nested past the stack, or an int too long to print
        return f"a {type(value).__name__}"


def check_text(value: str, where: str) -> str:
    """`value`, or a ValueError at `where` when it holds a lone surrogate (which no encoding can write)."""
    try:
        value.encode("utf-8")  # fails on surrogates only
    except UnicodeEncodeError as exc:
        raise ValueError(
            f"{where}: {shown(value)} holds a lone surrogate (U+{ord(value[exc.start]):04X} at position {exc.start}), "
            "which cannot be written as text; fix the name in the file"
        ) from None
    return value


def check_count(value: int, where: str) -> int:
    """`value`, or a ValueError at `where` when it is outside 0..LARGEST_COUNT."""
    if not 0 <= value <= LARGEST_COUNT:
        raise ValueError(f"{where}: expected a count >= 0 and <= {LARGEST_COUNT_TEXT}, got {shown(value)}")
    return value


def trace_to_dict(trace: Any) -> dict[str, Any]:
    """A Trace as JSON-ready dicts and lists (shapes and sources become lists); see Trace.to_dict."""
    data: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "model_name": trace.model_name,
        "input_shapes": _shapes_out(trace.input_shapes),
        "output_shapes": _shapes_out(trace.output_shapes),
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
            for m in trace.modules
        ],
        "calls": [
            {
                "index": c.index,
                "path": c.path,
                "input_shapes": _shapes_out(c.input_shapes),
                "output_shapes": _shapes_out(c.output_shapes),
                "macs": c.macs,
                "parent": c.parent,
                "sources": _sources_out(c.sources),
                "returned": _sources_out(c.returned),
            }
            for c in trace.calls
        ],
        "error": None
        if trace.error is None
        else {
            "path": trace.error.path,
            "message": trace.error.message,
            "input_shapes": _shapes_out(trace.error.input_shapes),
        },
        "provenance": trace.provenance,
        "inputs": [_port_out(p) for p in trace.inputs],
        "outputs": [_port_out(p) for p in trace.outputs],
        "merges": [
            {
                "index": m.index,
                "name": m.name,
                "call": m.call,
                "input_shapes": _shapes_out(m.input_shapes),
                "output_shapes": _shapes_out(m.output_shapes),
                "sources": _sources_out(m.sources),
                "after_calls": m.after_calls,
            }
            for m in trace.merges
        ],
    }
    # Written only when known, so a trace without it keeps the bytes it had before the count was recorded.
    if trace.trainable_params is not None:
        data["trainable_params"] = trace.trainable_params
    if trace.input_dtypes:
        data["input_dtypes"] = list(trace.input_dtypes)
    return data


def trace_fields(data: Any) -> dict[str, Any]:
    """The Trace constructor's arguments read from `trace_to_dict` output (this version or version 1); ValueError
    names the first field that is wrong."""
    top = _Reader(data, "trace")
    if top.get("format", str) != FORMAT:
        raise ValueError(f"trace: 'format' is {shown(data.get('format'))}, expected {FORMAT!r}")
    version = top.get("version", int)
    if version not in READABLE_VERSIONS:
        raise ValueError(
            f"trace: version {version!r} is not supported (this reader knows {', '.join(map(str, READABLE_VERSIONS))})"
        )
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
    provenance = version >= 2 and top.get("provenance", bool)
    calls = [_call_in(item, f"trace.calls[{i}]", provenance) for i, item in enumerate(top.get("calls", list))]
    error = None
    if data.get("error") is not None:
        r = _Reader(data["error"], "trace.error")
        error = TraceError(r.get("path", str), r.get("message", str), r.shapes("input_shapes"))
    fields: dict[str, Any] = {
        "model_name": top.get("model_name", str),
        "input_shapes": top.shapes("input_shapes"),
        "output_shapes": top.shapes("output_shapes"),
        "modules": modules,
        "calls": calls,
        "error": error,
    }
    if provenance:
        fields["provenance"] = True
        fields["inputs"] = [_port_in(item, f"trace.inputs[{i}]") for i, item in enumerate(top.get("inputs", list))]
        fields["outputs"] = [_port_in(item, f"trace.outputs[{i}]") for i, item in enumerate(top.get("outputs", list))]
        fields["merges"] = [_merge_in(item, f"trace.merges[{i}]") for i, item in enumerate(top.get("merges", list))]
    # Optional in every version: files written before the count was recorded load with None (unknown).
    if "trainable_params" in data:
        trainable = top.get("trainable_params", int)
        if trainable < 0:
            raise ValueError(f"trace.trainable_params: expected a count >= 0, got {trainable}")
        fields["trainable_params"] = trainable
    if "input_dtypes" in data:
        dtypes = top.strings("input_dtypes")
        if len(dtypes) != len(fields["input_shapes"]):
            raise ValueError(
                f"trace.input_dtypes: {len(dtypes)} dtype(s) for {len(fields['input_shapes'])} input shape(s)"
            )
        fields["input_dtypes"] = dtypes
    return fields


def _call_in(item: Any, where: str, provenance: bool) -> Call:
    r = _Reader(item, where)
    # "macs" came after version 1's first traces; older files without it still load.
    macs = r.get("macs", int) if "macs" in item else 0
    if macs < 0:
        raise ValueError(f"{where}.macs: expected a count >= 0, got {macs}")
    call = Call(r.get("index", int), r.get("path", str), r.shapes("input_shapes"), r.shapes("output_shapes"), macs)
    if provenance:
        call.parent = r.optional_int("parent")
        call.sources = r.sources("sources")
        call.returned = r.sources("returned")
    return call


def _merge_in(item: Any, where: str) -> Merge:
    r = _Reader(item, where)
    return Merge(
        index=r.get("index", int),
        name=r.get("name", str),
        call=r.optional_int("call"),
        input_shapes=r.shapes("input_shapes"),
        output_shapes=r.shapes("output_shapes"),
        sources=r.sources("sources"),
        after_calls=r.get("after_calls", int),
    )


def _port_in(item: Any, where: str) -> Port:
    r = _Reader(item, where)
    return Port(r.get("name", str), r.shapes("shapes"), r.sources("sources"))


def _port_out(port: Port) -> dict[str, Any]:
    return {"name": port.name, "shapes": _shapes_out(port.shapes), "sources": _sources_out(port.sources)}


def _sources_out(sources: list[Source | None]) -> list[list[Any] | None]:
    return [None if s is None else list(s) for s in sources]


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
        """The field's value, checked to be a `kind`; strings hold no lone surrogate, ints are counts (see
        LARGEST_COUNT)."""
        if key not in self.data:
            raise ValueError(f"{self.where}: missing field {key!r}")
        value = self.data[key]
        # bool is an int subclass in Python; keep counts and flags apart.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ValueError(f"{self.where}.{key}: expected {kind.__name__}, got {shown(value)}")
        if kind is str:
            check_text(value, f"{self.where}.{key}")
        elif kind is int:
            check_count(value, f"{self.where}.{key}")
        return value

    def strings(self, key: str) -> list[str]:
        items = self.get(key, list)
        for i, item in enumerate(items):
            if not isinstance(item, str):
                raise ValueError(f"{self.where}.{key}[{i}]: expected a string, got {shown(item)}")
            check_text(item, f"{self.where}.{key}[{i}]")
        return list(items)

    def optional_int(self, key: str) -> int | None:
        if self.data.get(key) is None:
            if key not in self.data:
                raise ValueError(f"{self.where}: missing field {key!r}")
            return None
        return self.get(key, int)

    def sources(self, key: str) -> list[Source | None]:
        sources: list[Source | None] = []
        for i, item in enumerate(self.get(key, list)):
            ok = item is None or (
                isinstance(item, list)
                and len(item) == 3
                and item[0] in SOURCE_KINDS
                and all(isinstance(n, int) and not isinstance(n, bool) for n in item[1:])
            )
            if not ok:
                raise ValueError(f"{self.where}.{key}[{i}]: expected null or [kind, index, slot], got {shown(item)}")
            sources.append(None if item is None else (item[0], item[1], item[2]))
        return sources

    def shapes(self, key: str) -> list[Shape]:
        shapes = []
        for i, item in enumerate(self.get(key, list)):
            where = f"{self.where}.{key}[{i}]"
            ok = isinstance(item, list) and all(isinstance(d, int) and not isinstance(d, bool) for d in item)
            if not ok:
                raise ValueError(f"{where}: expected a shape (list of ints), got {shown(item)}")
            for j, dim in enumerate(item):
                check_count(dim, f"{where}[{j}]")
            if 0 not in item:
                elements = 1
                for dim in item:
                    elements *= dim
                    # Stop at the first overflow: a long list of dims could otherwise build a huge product.
                    if elements > LARGEST_COUNT:
                        raise ValueError(
                            f"{where}: the shape {shown(item)} has more than {LARGEST_COUNT_TEXT} elements"
                        )
            shapes.append(tuple(item))
        return shapes
