"""Golden text files of the tests (charts, DOT): compared byte for byte, rewritten only on request.

`pytest --update-goldens` (lucid-viz's pytest plugin, the one switch for every golden file) rewrites a file whose
text changed and skips the test with what changed: a rewritten file is not a checked one, so the run must not
report it as a pass.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from viz import golden


def update_requested() -> bool:
    """Whether this run rewrites golden files (`pytest --update-goldens`)."""
    return golden.update_requested()


def check_golden_text(path: Path, text: str, update: bool) -> None:
    """Assert `text` equals the file at `path`; when updating, rewrite a differing file and skip with its diff."""
    old = path.read_text(encoding="utf-8") if path.exists() else None
    if update and old != text:
        path.write_text(text, encoding="utf-8")
        pytest.skip(f"rewrote {path.name}; review the diff before committing:\n{changed_lines(old, text)}")
    if old is None:
        pytest.fail(f"no golden file {path}; create it with `pytest --update-goldens` and review it")
    assert text == old, f"{path.name} differs from the output:\n{changed_lines(old, text)}"


def changed_lines(old: str | None, new: str, limit: int = 20) -> str:
    """The first `limit` lines of a unified diff from `old` to `new` (all of `new` when there was no file)."""
    if old is None:
        return f"(new file, {len(new.splitlines())} lines)"
    diff = list(difflib.unified_diff(old.splitlines(), new.splitlines(), "golden", "output", lineterm="", n=0))
    shown = diff[:limit] + ([f"... and {len(diff) - limit} more diff lines"] if len(diff) > limit else [])
    return "\n".join(shown)
