"""Shape snapshots: a golden text file per model, and readable differences when a model's trace drifts from it.

A snapshot has one line per module call, in module pre-order: path, class, parameters (the module's subtree),
input and output shapes and the call's own MACs. It is deterministic and line-diffable, so a change to a model
shows up in review as the lines it touched. `compare` turns two snapshots into `Difference`s by module path:

    stages.2.downsample.conv: out (1,224,14,14) → (1,224,28,28); macs 37,933,056 → 151,732,224

>>> from viz.ir import Call, ModuleNode, Trace
>>> old = Trace("net", [(1, 4)], [(1, 2)], [ModuleNode("", "", "Linear", "linear", own_params=10,
...     total_params=10)], [Call(0, "", [(1, 4)], [(1, 2)], macs=8)])
>>> new = Trace("net", [(1, 4)], [(1, 3)], old.modules, [Call(0, "", [(1, 4)], [(1, 3)], macs=12)])
>>> [str(d) for d in compare(snapshot_of(old), parse_snapshot(snapshot_text(new)))]
['(model): macs 8 → 12', '(root): out (1,2) → (1,3); macs 8 → 12']
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from viz.ir import Shape, Trace
from viz.render.text import format_shape

HEADER = "# lucid-viz snapshot 1: one line per module call: path, class, params, input and output shapes, own MACs."
REGENERATE = "# Regenerate with `lucid-viz snapshot MODEL --out DIR` or `pytest --update-goldens`; review the diff."
SUFFIX = ".txt"
_PLAIN_PATH = re.compile(r"[A-Za-z0-9_.\-]+")
_SHAPE = re.compile(r"\(([0-9,]*)\)")


@dataclass(frozen=True)
class Record:
    """One line: a module call (`call` counts from 1), or a module that was never called (`called` False)."""

    path: str
    call: int
    class_name: str
    params: int
    called: bool
    input_shapes: tuple[Shape, ...] = ()
    output_shapes: tuple[Shape, ...] = ()
    macs: int = 0

    @property
    def key(self) -> str:
        return self.path if self.call == 1 else f"{self.path}#{self.call}"

    @property
    def label(self) -> str:
        """How a difference names this record: its path, `(root)` for the model itself, `#k` for a k-th call."""
        where = self.path or "(root)"
        return where if self.call == 1 else f"{where} (call {self.call})"


@dataclass
class Snapshot:
    """A model's records in file order, plus what the whole forward gave (total MACs, error if it failed)."""

    model_name: str
    input_shapes: tuple[Shape, ...]
    output_shapes: tuple[Shape, ...]
    total_params: int
    total_macs: int
    error: str | None
    records: list[Record] = field(default_factory=list)


@dataclass(frozen=True)
class Difference:
    """What changed at one record: (field, old, new) triples; a record only on one side has `added`/`removed`."""

    label: str
    path: str
    changes: tuple[tuple[str, str, str], ...] = ()
    added: bool = False
    removed: bool = False

    def __str__(self) -> str:
        if self.added:
            return f"{self.label}: new ({self.changes[0][2]})"
        if self.removed:
            return f"{self.label}: gone (was {self.changes[0][1]})"
        return f"{self.label}: " + "; ".join(f"{name} {old} → {new}" for name, old, new in self.changes)


def snapshot_of(trace: Trace) -> Snapshot:
    """The snapshot of a trace: modules in pre-order, each with its calls in execution order."""
    calls_by_path: dict[str, list] = {}
    for call in trace.calls:
        calls_by_path.setdefault(call.path, []).append(call)
    records = []
    for module, _ in trace.walk():
        calls = calls_by_path.get(module.path, [])
        if not calls:
            records.append(Record(module.path, 1, module.class_name, module.total_params, called=False))
        for number, call in enumerate(calls, start=1):
            records.append(
                Record(
                    module.path,
                    number,
                    module.class_name,
                    module.total_params,
                    called=True,
                    input_shapes=tuple(call.input_shapes),
                    output_shapes=tuple(call.output_shapes),
                    macs=call.macs,
                )
            )
    error = None
    if trace.error is not None:
        where = trace.error.path or "(root)"
        message = trace.error.message
        # Layers often name themselves already; do not say the path twice.
        error = message if message.startswith(where) else f"{where}: {message}"
    return Snapshot(
        model_name=trace.model_name,
        input_shapes=tuple(trace.input_shapes),
        output_shapes=tuple(trace.output_shapes),
        total_params=trace.module_map()[""].total_params,
        total_macs=sum(call.macs for call in trace.calls),
        error=error,
        records=records,
    )


def snapshot_text(source: Trace | Snapshot) -> str:
    """The golden file text of a trace or snapshot (same input, same bytes)."""
    snap = snapshot_of(source) if isinstance(source, Trace) else source
    lines = [
        HEADER,
        REGENERATE,
        f"model {json.dumps(snap.model_name, ensure_ascii=False)}",
        f"input {_shapes_text(snap.input_shapes)}",
        f"output {_shapes_text(snap.output_shapes)}",
        f"params {snap.total_params}",
        f"macs {snap.total_macs}",
        f"error {json.dumps(snap.error, ensure_ascii=False)}",
        "calls",
    ]
    for r in snap.records:
        path = r.path if _PLAIN_PATH.fullmatch(r.path) else json.dumps(r.path, ensure_ascii=False)
        head = f"{path}{'' if r.call == 1 else f' #{r.call}'} {r.class_name} params={r.params}"
        if r.called:
            lines.append(f"{head} in={_shapes_text(r.input_shapes)} out={_shapes_text(r.output_shapes)} macs={r.macs}")
        else:
            lines.append(f"{head} not-called")
    return "\n".join(lines) + "\n"


def parse_snapshot(text: str, source: str = "snapshot") -> Snapshot:
    """Read `snapshot_text` output; ValueError names the line that does not parse."""
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    keys = ("model", "input", "output", "params", "macs", "error")
    if len(lines) < len(keys) + 1 or lines[len(keys)] != "calls":
        raise ValueError(f"{source}: not a lucid-viz snapshot (expected {', '.join(keys)} lines, then 'calls')")
    head: dict[str, str] = {}
    for number, line in enumerate(lines[: len(keys)]):
        key, _, value = line.partition(" ")
        if key != keys[number]:
            raise ValueError(f"{source}: expected a {keys[number]!r} line, got {line!r}")
        head[key] = value
    try:
        snap = Snapshot(
            model_name=json.loads(head["model"]),
            input_shapes=_parse_shapes(head["input"]),
            output_shapes=_parse_shapes(head["output"]),
            total_params=int(head["params"]),
            total_macs=int(head["macs"]),
            error=json.loads(head["error"]),
        )
    except ValueError as exc:
        raise ValueError(f"{source}: bad header value ({exc})") from None
    for line in lines[len(keys) + 1 :]:
        try:
            snap.records.append(_parse_record(line))
        except (ValueError, IndexError):
            raise ValueError(f"{source}: cannot read the snapshot line {line!r}") from None
    return snap


def compare(expected: Snapshot, actual: Snapshot) -> list[Difference]:
    """The differences from `expected` to `actual`: the model-wide ones first, then by record in `actual`'s
    order, then the records that only `expected` has."""
    diffs: list[Difference] = []
    model_changes = []
    if expected.total_macs != actual.total_macs:
        model_changes.append(("macs", f"{expected.total_macs:,}", f"{actual.total_macs:,}"))
    if expected.error != actual.error:
        model_changes.append(("error", str(expected.error or "none"), str(actual.error or "none")))
    if model_changes:
        diffs.append(Difference("(model)", "", tuple(model_changes)))
    old = {r.key: r for r in expected.records}
    new_keys = set()
    for record in actual.records:
        new_keys.add(record.key)
        before = old.get(record.key)
        if before is None:
            diffs.append(Difference(record.label, record.path, (("record", "", _describe(record)),), added=True))
            continue
        changes = _record_changes(before, record)
        if changes:
            diffs.append(Difference(record.label, record.path, changes))
    for record in expected.records:
        if record.key not in new_keys:
            diffs.append(Difference(record.label, record.path, (("record", _describe(record), ""),), removed=True))
    return diffs


def first_change(expected: Snapshot, actual: Snapshot) -> str | None:
    """The deepest module, in the first chain of nested changed calls, whose input is as before but whose output is
    not: where a shape change starts (its parents change with it, the modules after it only follow)."""
    old = {r.key: r for r in expected.records}
    origin: Record | None = None
    for record in actual.records:
        before = old.get(record.key)
        if before is None or not record.called or not before.called:
            continue
        if before.input_shapes != record.input_shapes or before.output_shapes == record.output_shapes:
            continue
        if origin is None or _inside(record.path, origin.path):
            origin = record
        else:
            break
    return None if origin is None else origin.label


def report(differences: list[Difference], title: str, origin: str | None = None, limit: int = 20) -> str:
    """A short text report: a title line, where the change starts, then at most `limit` differences."""
    if not differences:
        return f"{title}: no differences\n"
    count = len(differences)
    lines = [f"{title}: {count} difference{'s' if count != 1 else ''}"]
    if origin is not None:
        detail = next((str(d) for d in differences if d.label == origin), origin)
        lines.append(f"first change (same input, different output): {detail}")
    lines += [f"  {d}" for d in differences[:limit]]
    if count > limit:
        lines.append(f"  ... and {count - limit} more")
    return "\n".join(lines) + "\n"


class SnapshotMismatchError(AssertionError):
    """A model's trace differs from its golden file; the message is the short report (an AssertionError, so
    pytest shows it as a test failure)."""


def trace_for_snapshot(model_or_trace: Any, input_shape: Any = None) -> Trace:
    """A Trace as is, or a model traced at `input_shape` (default: its own); a forward that fails gives the partial
    trace, whose error is then part of the snapshot."""
    if isinstance(model_or_trace, Trace):
        return model_or_trace
    from viz.trace import TracingError, trace

    try:
        return trace(model_or_trace, input_shape=input_shape)
    except TracingError as failure:
        return failure.partial


def check_golden(
    model_or_trace: Any, folder: str | Path, input_shape: Any = None, update: bool = False, limit: int = 20
) -> Path:
    """Compare a model (or trace) with its golden file in `folder`, or (re)write the file when `update` is True.

    Raises `SnapshotMismatchError` with a short report by module path when they differ, and when the golden file is
    missing (unless updating). Returns the golden file's path. In your own tests, e.g.
    `check_golden(build_my_net(), "tests/golden", update=os.environ.get("UPDATE_GOLDEN") == "1")`; here with a
    scratch folder:

    >>> import shutil, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> net = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
    >>> path = check_golden(net, folder, input_shape=(1, 4), update=True)  # first run: write the file
    >>> path.name, check_golden(net, folder, input_shape=(1, 4)) == path  # later runs: compare
    ('Sequential.txt', True)
    >>> check_golden(nn.Sequential(nn.Linear(4, 9), nn.ReLU()), folder, input_shape=(1, 4))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    viz.snapshot.SnapshotMismatchError: Sequential differs from ...Sequential.txt: 4 differences
    first change (same input, different output): 0: params 40 → 45; out (1,8) → (1,9); macs 32 → 36
    ...
    >>> shutil.rmtree(folder)
    """
    traced = trace_for_snapshot(model_or_trace, input_shape)
    path = golden_path(folder, traced.model_name)
    text = snapshot_text(traced)
    if update:
        if traced.error is not None:
            raise ValueError(
                f"{traced.model_name}: the forward failed ({traced.error.path or 'root'}: {traced.error.message}); "
                "a golden file records a working model, so none was written"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        return path
    if not path.exists():
        raise SnapshotMismatchError(
            f"{traced.model_name}: no golden file {path}; create it with "
            f"`lucid-viz snapshot {traced.model_name} --out {path.parent}` (or pytest --update-goldens)"
        )
    expected = parse_snapshot(path.read_text(encoding="utf-8"), str(path))
    actual = snapshot_of(traced)
    differences = compare(expected, actual)
    if differences:
        title = f"{traced.model_name} differs from {path}"
        hint = (
            f"if the change is intended, regenerate with `lucid-viz snapshot {traced.model_name} --out "
            f"{path.parent}` (or pytest --update-goldens) and review the diff"
        )
        raise SnapshotMismatchError(report(differences, title, first_change(expected, actual), limit) + hint)
    return path


def golden_path(folder: str | Path, model_name: str) -> Path:
    """Where `model_name`'s golden file lives in `folder`; refuses names that would leave the folder."""
    if not model_name or "/" in model_name or "\\" in model_name or model_name.startswith("."):
        raise ValueError(f"model name {model_name!r} cannot name a golden file; give the trace a plain model name")
    return Path(folder) / f"{model_name}{SUFFIX}"


def _record_changes(before: Record, after: Record) -> tuple[tuple[str, str, str], ...]:
    changes = []
    if before.class_name != after.class_name:
        changes.append(("class", before.class_name, after.class_name))
    if before.params != after.params:
        changes.append(("params", f"{before.params:,}", f"{after.params:,}"))
    if before.called != after.called:
        changes.append(("called", str(before.called).lower(), str(after.called).lower()))
    if before.input_shapes != after.input_shapes:
        changes.append(("in", _shapes_text(before.input_shapes), _shapes_text(after.input_shapes)))
    if before.output_shapes != after.output_shapes:
        changes.append(("out", _shapes_text(before.output_shapes), _shapes_text(after.output_shapes)))
    if before.macs != after.macs:
        changes.append(("macs", f"{before.macs:,}", f"{after.macs:,}"))
    return tuple(changes)


def _describe(record: Record) -> str:
    if not record.called:
        return f"{record.class_name}, not called"
    return f"{record.class_name}, out {_shapes_text(record.output_shapes)}"


def _inside(path: str, ancestor: str) -> bool:
    return ancestor == "" or path.startswith(ancestor + ".")


def _shapes_text(shapes: tuple[Shape, ...] | list[Shape]) -> str:
    return ",".join(format_shape(s) for s in shapes) if shapes else "-"


def _parse_shapes(text: str) -> tuple[Shape, ...]:
    if text == "-":
        return ()
    shapes = tuple(tuple(int(d) for d in inner.split(",") if d) for inner in _SHAPE.findall(text))
    if ",".join(format_shape(s) for s in shapes) != text:
        raise ValueError(f"not a list of shapes: {text!r}")
    return shapes


def _parse_record(line: str) -> Record:
    if line.startswith('"'):
        # A quoted path: JSON string up to its closing quote.
        path, end = json.JSONDecoder().raw_decode(line)
        rest = line[end:].split()
    else:
        path, *rest = line.split()
    call = 1
    if rest[0].startswith("#"):
        call = int(rest.pop(0)[1:])
    class_name = rest[0]
    fields = dict(item.partition("=")[::2] for item in rest[1:] if "=" in item)
    params = int(fields["params"])
    if rest[-1] == "not-called":
        return Record(path, call, class_name, params, called=False)
    return Record(
        path,
        call,
        class_name,
        params,
        called=True,
        input_shapes=_parse_shapes(fields["in"]),
        output_shapes=_parse_shapes(fields["out"]),
        macs=int(fields["macs"]),
    )
