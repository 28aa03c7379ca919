"""Reading a snapshot's text back (viz/snapshot.py writes it): strict, so a golden file that does not read as
exactly one snapshot is a ValueError naming the file, the line and the field, never a half-read pass.

>>> from viz.ir import Call, ModuleNode, Trace
>>> from viz.snapshot import snapshot_of, snapshot_text
>>> t = Trace("net", [(1, 4)], [(1, 2)], [ModuleNode("", "", "Linear", "linear", own_params=10, total_params=10)],
...     [Call(0, "", [(1, 4)], [(1, 2)], macs=8)])
>>> parse_snapshot(snapshot_text(t)) == snapshot_of(t)
True
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from viz.ir import Shape
from viz.ir_json import LARGEST_COUNT, LARGEST_COUNT_TEXT, check_text, shown
from viz.render.text import format_shape
from viz.snapshot import HEAD_KEYS, HEADER_PREFIX, PLAIN_PATH, VERSION, Record, Snapshot, inputs_text

_SHAPE = re.compile(r"\(([0-9,]*)\)")
_INPUT = re.compile(r"(\([0-9,]*\))(?::([a-z][a-z0-9]*))?")


def parse_snapshot(text: str, source: str = "snapshot") -> Snapshot:
    """Read `snapshot_text` output; ValueError names the file, the line number and what is wrong with it.

    A golden file that does not read as exactly one snapshot (another header, a header line missing or repeated,
    a record line twice, a field too many) is refused rather than half read: a check against it could pass while
    comparing with less than the file says. A UTF-8 byte order mark, which some editors write, is ignored.
    """
    rows = enumerate(text.removeprefix("\ufeff").splitlines(), start=1)
    numbered = [(number, line.rstrip()) for number, line in rows if line.strip()]
    if not numbered or not numbered[0][1].startswith(HEADER_PREFIX):
        found = repr(numbered[0][1][:60]) if numbered else "an empty file"
        raise ValueError(
            f"{source}: not a lucid-viz snapshot (the first line should start {HEADER_PREFIX!r}, got {found})"
        )
    version = numbered[0][1][len(HEADER_PREFIX) :].partition(":")[0]
    if version != str(VERSION):
        raise ValueError(
            f"{source}:{numbered[0][0]}: snapshot format {version!r}; this lucid-viz reads format {VERSION} "
            "(regenerate the file with this version)"
        )
    lines = [(number, line) for number, line in numbered[1:] if not line.startswith("#")]
    head: dict[str, tuple[int, str]] = {}
    for key in HEAD_KEYS:
        if not lines:
            raise ValueError(f"{source}: the file ends before its {key!r} line")
        number, line = lines.pop(0)
        found, _, value = line.partition(" ")
        if found != key:
            raise ValueError(f"{source}:{number}: expected the {key!r} line, got {shown(line)}")
        head[key] = (number, value)
    if not lines or lines[0][1] != "calls":
        where = f"{source}:{lines[0][0]}" if lines else source
        raise ValueError(f"{where}: expected the 'calls' line after the {HEAD_KEYS[-1]!r} line")

    def header(key: str, read: Callable[[str], Any]) -> Any:
        number, value = head[key]
        try:
            return read(value)
        except ValueError as exc:
            raise ValueError(f"{source}:{number}: bad {key!r} line: {exc}") from None

    input_shapes, input_dtypes = header("input", _parse_inputs)
    snap = Snapshot(
        model_name=header("model", lambda text: _json_string(text, "the model name")),
        input_shapes=input_shapes,
        output_shapes=header("output", _parse_shapes),
        total_params=header("params", _count),
        total_macs=header("macs", _count),
        error=header("error", lambda text: None if text == "null" else _json_string(text, "the error")),
        input_dtypes=input_dtypes,
    )
    first_line: dict[str, int] = {}
    for number, line in lines[1:]:
        try:
            record = _parse_record(line)
        except ValueError as exc:
            raise ValueError(f"{source}:{number}: {exc}; the line reads {shown(line)}") from None
        if record.key in first_line:
            raise ValueError(
                f"{source}:{number}: {record.label} is listed twice (first on line {first_line[record.key]}); "
                "regenerate the file rather than merging two versions by hand"
            )
        first_line[record.key] = number
        snap.records.append(record)
    if not snap.records:
        raise ValueError(f"{source}: no module calls after the 'calls' line")
    return snap


def _parse_inputs(text: str) -> tuple[tuple[Shape, ...], tuple[str, ...]]:
    """The input line: shapes, a non-float32 one followed by `:dtype`; dtypes () when every input is float32."""
    if ":" not in text:
        return _parse_shapes(text), ()
    parts = _INPUT.findall(text)
    shapes = _parse_shapes(",".join(shape for shape, _ in parts)) if parts else ()
    dtypes = tuple(dtype or "float32" for _, dtype in parts)
    if not parts or inputs_text(shapes, dtypes) != text:
        raise ValueError(f"expected shapes as written, like (2,128):int64,(2,128), got {shown(text)}")
    return shapes, dtypes


def _parse_shapes(text: str) -> tuple[Shape, ...]:
    if text == "-":
        return ()
    try:
        shapes = tuple(tuple(_count(d) for d in inner.split(",") if d) for inner in _SHAPE.findall(text))
    except ValueError:
        shapes = ()
    # Anything but the exact text `_shapes_text` writes (a sign, a space, a leading zero, a stray bracket) differs.
    if not shapes or ",".join(format_shape(s) for s in shapes) != text:
        raise ValueError(f"expected shapes as written, like (1,3,224,224) or (1,4),(2,) or -, got {shown(text)}")
    return shapes


def _count(text: str) -> int:
    """A count exactly as `snapshot_text` writes one: ASCII digits, no sign or leading zero, at most 2**63-1 (as in a
    trace; see viz.ir_json.LARGEST_COUNT). `int()` alone would also take '+5', '1_000' and non-ASCII digits."""
    canonical = text.isascii() and text.isdigit() and (text == "0" or not text.startswith("0"))
    # 19 digits hold 2**63-1; testing the length first keeps int() away from a hostile 10,000-digit field.
    if not canonical or len(text) > len(str(LARGEST_COUNT)) or int(text) > LARGEST_COUNT:
        raise ValueError(f"expected a count (digits only, at most {LARGEST_COUNT_TEXT}), got {shown(text)}")
    return int(text)


def _json_string(text: str, what: str) -> str:
    # Only a quoted string is taken: json.loads of any other value could be a list nested past the stack.
    if not text.startswith('"'):
        raise ValueError(f"{what} should be a quoted JSON string, got {shown(text)}")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{what} is not a JSON string ({exc.msg}, column {exc.colno})") from None
    return check_text(value, what)


def _parse_record(line: str) -> Record:
    """One record line, exactly as `snapshot_text` writes it: `path [#k] Class params=N` then `not-called` or
    `in=... out=... macs=N`; anything more or less is a ValueError saying which field is missing or wrong."""
    if line.startswith('"'):
        # A quoted path: JSON string up to its closing quote.
        try:
            path, end = json.JSONDecoder().raw_decode(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"the quoted path is not a JSON string ({exc.msg}, column {exc.colno})") from None
        if not line[end:].startswith(" "):
            raise ValueError("a space must follow the quoted path")
        check_text(path, "the path")
        rest = line[end:].split()
    else:
        path, *rest = line.split(" ")
        if not PLAIN_PATH.fullmatch(path):
            raise ValueError(
                f"the path {shown(path)} holds more than letters, digits and _ . -, so it must be quoted as JSON"
            )
    call = 1
    if rest and rest[0].startswith("#"):
        try:
            call = _count(rest.pop(0)[1:])
        except ValueError as exc:
            raise ValueError(f"bad call number #k: {exc}") from None
        if call < 2:
            raise ValueError(f"call number #{call}: the first call has no number")
    if not rest or not rest[0]:  # an empty name: two spaces in a row
        raise ValueError("the class name is missing after the path")
    class_name = check_text(rest.pop(0), "the class name")
    if rest[1:2] == ["not-called"]:
        (params,) = _fields(rest[:1], ("params",), "the class name")
        if len(rest) > 2:
            raise ValueError(f"unexpected {shown(rest[2])} after not-called")
        return Record(path, call, class_name, _value("params", _count, params), called=False)
    params, inputs, outputs, macs = _fields(rest, ("params", "in", "out", "macs"), "the class name")
    return Record(
        path,
        call,
        class_name,
        _value("params", _count, params),
        called=True,
        input_shapes=_value("in", _parse_shapes, inputs),
        output_shapes=_value("out", _parse_shapes, outputs),
        macs=_value("macs", _count, macs),
    )


def _value(name: str, read: Callable[[str], Any], text: str) -> Any:
    try:
        return read(text)
    except ValueError as exc:
        raise ValueError(f"bad {name}= field: {exc}") from None


def _fields(items: list[str], names: tuple[str, ...], after: str) -> list[str]:
    """The values of `name=value` items that must come in exactly the order of `names`, with nothing after them."""
    values = []
    for position, name in enumerate(names):
        if position >= len(items):
            raise ValueError(f"the {name}= field is missing (the line ends after {after})")
        key, equals, value = items[position].partition("=")
        if key != name or not equals:
            raise ValueError(f"the {name}= field is missing (found {shown(items[position])} after {after})")
        values.append(value)
        after = f"{name}="
    if len(items) > len(names):
        raise ValueError(f"unexpected {shown(items[len(names)])} after {after}")
    return values
