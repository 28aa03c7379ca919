"""Golden shape files: check a model against its snapshot file, or (re)write the file and say what changed.

The text format and the comparison are viz/snapshot.py (pure); this module adds the files: where they live, reading
them, writing them so that a failed write leaves the old file, and the errors a test shows.

One switch rewrites golden files: `pytest --update-goldens` (the pytest plugin lucid-viz installs,
viz/pytest_plugin.py) makes every `check_golden` of the run rewrite its file instead of comparing, and tests of
other golden text ask `update_requested()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from viz.files import write_atomically
from viz.ir import Shape, Trace
from viz.snapshot import (
    Difference,
    Snapshot,
    compare,
    first_change,
    report,
    snapshot_of,
    snapshot_text,
)
from viz.snapshot_parse import parse_snapshot

SUFFIX = ".txt"
_update = False  # set for a pytest run by --update-goldens


def update_requested() -> bool:
    """Whether this run rewrites golden files (`pytest --update-goldens`)."""
    return _update


def request_update(enabled: bool) -> None:
    """Turn the rewrite switch on or off (the pytest plugin does, for the run)."""
    global _update
    _update = bool(enabled)


class SnapshotMismatchError(AssertionError):
    """A model's trace differs from its golden file; the message is the short report (an AssertionError, so
    pytest shows it as a test failure)."""


@dataclass(frozen=True)
class GoldenUpdate:
    """What `update_golden` did to one file: created it, rewrote it (with the differences from the old text), or
    left it as it was (`changed` False)."""

    path: Path
    created: bool
    differences: tuple[Difference, ...]
    text_changed: bool

    @property
    def changed(self) -> bool:
        return self.created or self.text_changed

    def summary(self, limit: int = 20) -> str:
        """One line for an unchanged or new file; otherwise the report of what the rewrite changed."""
        if self.created:
            return f"created {self.path}\n"
        if not self.text_changed:
            return f"unchanged {self.path}\n"
        if not self.differences:
            return f"rewrote {self.path}: same records, new text (format or comments)\n"
        return report(list(self.differences), f"rewrote {self.path}", limit=limit)


def trace_for_snapshot(model_or_trace: Any, input_shape: Any = None, folder: str | Path | None = None) -> Trace:
    """A Trace as is, or a model traced at `input_shape`: by default the input its golden file in `folder` records
    (so a check reads exactly what `lucid-viz snapshot --out folder` wrote), else the model's own. A forward that
    fails gives the partial trace, whose error is then part of the snapshot."""
    if isinstance(model_or_trace, Trace):
        return model_or_trace
    from viz.trace import TracingError, model_name_of, trace

    input_dtypes = None
    if input_shape is None and folder is not None:
        recorded = golden_inputs(folder, model_name_of(model_or_trace))
        if recorded is not None:
            shapes, dtypes = recorded
            input_shape = shapes[0] if len(shapes) == 1 else shapes
            input_dtypes = dtypes or None
    try:
        return trace(model_or_trace, input_shape=input_shape, input_dtypes=input_dtypes)
    except TracingError as failure:
        return failure.partial


def read_golden(path: str | Path) -> Snapshot:
    """The snapshot a golden file holds; a file that does not read as one is a ValueError naming its line."""
    return parse_snapshot(Path(path).read_text(encoding="utf-8"), str(path))


def golden_inputs(folder: str | Path, model_name: str) -> tuple[tuple[Shape, ...], tuple[str, ...]] | None:
    """The input shapes `model_name`'s golden file in `folder` was written with, and their dtypes (() when all are
    float32), or None when there is no such file."""
    try:
        path = golden_path(folder, model_name)
    except ValueError:
        return None
    if not path.exists():
        return None
    snap = read_golden(path)
    return snap.input_shapes, snap.input_dtypes


def golden_path(folder: str | Path, model_name: str) -> Path:
    """Where `model_name`'s golden file lives in `folder`; refuses names that would leave the folder."""
    if not model_name or "/" in model_name or "\\" in model_name or model_name.startswith("."):
        raise ValueError(f"model name {model_name!r} cannot name a golden file; give the trace a plain model name")
    return Path(folder) / f"{model_name}{SUFFIX}"


def update_golden(model_or_trace: Any, folder: str | Path, input_shape: Any = None) -> GoldenUpdate:
    """Write the golden file of a model (or trace) in `folder` and report what the new text changed.

    A forward that fails writes nothing (ValueError): a golden file records a working model. An old file that no
    longer reads as a snapshot is replaced, and its differences are not known (`differences` empty).
    """
    traced = trace_for_snapshot(model_or_trace, input_shape, folder)
    if traced.error is not None:
        raise ValueError(
            f"{traced.model_name}: the forward failed ({traced.error.path or 'root'}: {traced.error.message}); "
            "a golden file records a working model, so none was written"
        )
    path = golden_path(folder, traced.model_name)
    text = snapshot_text(traced)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, text)
        return GoldenUpdate(path, created=True, differences=(), text_changed=True)
    old_text = path.read_text(encoding="utf-8")
    if old_text == text:
        return GoldenUpdate(path, created=False, differences=(), text_changed=False)
    try:
        differences = tuple(compare(parse_snapshot(old_text, str(path)), snapshot_of(traced)))
    except ValueError:
        differences = ()
    write_atomically(path, text)
    return GoldenUpdate(path, created=False, differences=differences, text_changed=True)


def check_golden(
    model_or_trace: Any, folder: str | Path, input_shape: Any = None, update: bool | None = None, limit: int = 20
) -> Path:
    """Compare a model (or trace) with its golden file in `folder`, or (re)write the file when `update` is True
    (None, the default: when the run asked for it, `pytest --update-goldens`).

    Raises `SnapshotMismatchError` with a short report by module path when they differ, and when the golden file is
    missing (unless updating). A golden file that does not read as a snapshot is a ValueError naming its line.
    Returns the golden file's path. In your own tests, e.g.
    `check_golden(build_my_net(), "tests/golden")`, run once with `pytest --update-goldens` to write the file, or
    `update_golden` to hear what a rewrite changed. Without `input_shape` the model is traced on the input the
    golden file records. Here with a scratch folder:

    >>> import shutil, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> net = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
    >>> path = check_golden(net, folder, input_shape=(1, 4), update=True)  # first run: write the file
    >>> path.name, check_golden(net, folder, input_shape=(1, 4)) == path  # later runs: compare
    ('Sequential.txt', True)
    >>> check_golden(nn.Sequential(nn.Linear(4, 9), nn.ReLU()), folder, input_shape=(1, 4))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    viz.golden.SnapshotMismatchError: Sequential differs from ...Sequential.txt: 4 differences
    first change (same input, different output): 0: params 40 → 45; out (1,8) → (1,9); macs 32 → 36
    ...
    >>> shutil.rmtree(folder)
    """
    traced = trace_for_snapshot(model_or_trace, input_shape, folder)
    if update_requested() if update is None else update:
        return update_golden(traced, folder).path
    path = golden_path(folder, traced.model_name)
    if not path.exists():
        raise SnapshotMismatchError(
            f"{traced.model_name}: no golden file {path}; create it with "
            f"`lucid-viz snapshot {traced.model_name} --out {path.parent}` (or pytest --update-goldens)"
        )
    expected = read_golden(path)
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
