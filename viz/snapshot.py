"""Shape snapshots: the text of a golden file per model, and readable differences when a trace drifts from it.

(Reading the text back is viz/snapshot_parse.py; the files, and checking a model against one, viz/golden.py.)

A snapshot has one line per module call, in module pre-order: path, class, parameters (the module's subtree),
input and output shapes and the call's own MACs. It is deterministic and line-diffable, so a change to a model
shows up in review as the lines it touched. `compare` turns two snapshots into `Difference`s by module path:

    stages.2.downsample.conv: out (1,224,14,14) → (1,224,28,28); macs 37,933,056 → 151,732,224

>>> from viz.ir import Call, ModuleNode, Trace
>>> old = Trace("net", [(1, 4)], [(1, 2)], [ModuleNode("", "", "Linear", "linear", own_params=10,
...     total_params=10)], [Call(0, "", [(1, 4)], [(1, 2)], macs=8)])
>>> new = Trace("net", [(1, 4)], [(1, 3)], old.modules, [Call(0, "", [(1, 4)], [(1, 3)], macs=12)])
>>> [str(d) for d in compare(snapshot_of(old), snapshot_of(new))]
['(model): macs 8 → 12', '(root): out (1,2) → (1,3); macs 8 → 12']
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from viz.ir import Shape, Trace
from viz.render.text import format_shape

VERSION = 1
HEADER_PREFIX = "# lucid-viz snapshot "
HEADER = f"{HEADER_PREFIX}{VERSION}: one line per module call: path, class, params, input and output shapes, own MACs."
REGENERATE = "# Regenerate with `lucid-viz snapshot MODEL --out DIR` or `pytest --update-goldens`; review the diff."
HEAD_KEYS = ("model", "input", "output", "params", "macs", "error")
PLAIN_PATH = re.compile(r"[A-Za-z0-9_.\-]+")


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
    # Each input's dtype when one is not float32 (as Trace.input_dtypes); written `(2,128):int64` on the input line.
    input_dtypes: tuple[str, ...] = ()


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
        input_dtypes=tuple(trace.input_dtypes),
    )


def snapshot_text(source: Trace | Snapshot) -> str:
    """The golden file text of a trace or snapshot (same input, same bytes)."""
    snap = snapshot_of(source) if isinstance(source, Trace) else source
    lines = [
        HEADER,
        REGENERATE,
        f"model {json.dumps(snap.model_name, ensure_ascii=False)}",
        f"input {inputs_text(snap.input_shapes, snap.input_dtypes)}",
        f"output {_shapes_text(snap.output_shapes)}",
        f"params {snap.total_params}",
        f"macs {snap.total_macs}",
        f"error {json.dumps(snap.error, ensure_ascii=False)}",
        "calls",
    ]
    for r in snap.records:
        path = r.path if PLAIN_PATH.fullmatch(r.path) else json.dumps(r.path, ensure_ascii=False)
        head = f"{path}{'' if r.call == 1 else f' #{r.call}'} {r.class_name} params={r.params}"
        if r.called:
            lines.append(f"{head} in={_shapes_text(r.input_shapes)} out={_shapes_text(r.output_shapes)} macs={r.macs}")
        else:
            lines.append(f"{head} not-called")
    return "\n".join(lines) + "\n"


def compare(expected: Snapshot, actual: Snapshot) -> list[Difference]:
    """The differences from `expected` to `actual`: the model-wide ones first, then one per record in model order.

    Model order is `actual`'s, with each record that only `expected` has placed right after the record that
    preceded it there, so a report reads top to bottom like the model and a removed layer is listed where it was.
    """
    diffs: list[Difference] = []
    model_changes = []
    if expected.total_macs != actual.total_macs:
        model_changes.append(("macs", f"{expected.total_macs:,}", f"{actual.total_macs:,}"))
    if expected.error != actual.error:
        model_changes.append(("error", str(expected.error or "none"), str(actual.error or "none")))
    if model_changes:
        diffs.append(Difference("(model)", "", tuple(model_changes)))
    old = {r.key: r for r in expected.records}
    new_keys = {r.key for r in actual.records}
    # Records gone from `actual`, grouped under the nearest earlier record both sides have ("" for the start).
    gone_after: dict[str, list[Record]] = {}
    anchor = ""
    for record in expected.records:
        if record.key in new_keys:
            anchor = record.key
        else:
            gone_after.setdefault(anchor, []).append(record)
    gone = [_gone(r) for r in gone_after.get("", [])]
    diffs.extend(gone)
    for record in actual.records:
        before = old.get(record.key)
        if before is None:
            diffs.append(Difference(record.label, record.path, (("record", "", _describe(record)),), added=True))
        else:
            changes = _record_changes(before, record)
            if changes:
                diffs.append(Difference(record.label, record.path, changes))
            diffs.extend(_gone(r) for r in gone_after.get(record.key, []))
    return diffs


def _gone(record: Record) -> Difference:
    return Difference(record.label, record.path, (("record", _describe(record), ""),), removed=True)


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


def inputs_text(shapes: tuple[Shape, ...], dtypes: tuple[str, ...]) -> str:
    """The input line's shapes, each non-float32 one followed by its dtype: `(2,128):int64,(2,128)`."""
    if not dtypes:
        return _shapes_text(shapes)
    return ",".join(format_shape(s) + ("" if d == "float32" else f":{d}") for s, d in zip(shapes, dtypes, strict=True))


def _shapes_text(shapes: tuple[Shape, ...] | list[Shape]) -> str:
    return ",".join(format_shape(s) for s in shapes) if shapes else "-"
