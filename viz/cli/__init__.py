"""`lucid-viz`: draw a model (a registered name, your own `module:attr` or `file.py:attr`, or a saved trace), and the
`snapshot`, `diff` and `docs` commands. Nothing in viz imports this package: it only calls the library.

Exit codes: 0 success, 1 the model failed (or `snapshot --check` found differences), 2 a usage error, 130
interrupted. Errors are one line on stderr, never a traceback; nothing is written to stdout when something fails.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from viz.cli.common import ModelError, UsageError

__all__ = ["ModelError", "UsageError", "main"]


def _command(name: str) -> Callable[[Sequence[str]], int] | None:
    if name == "snapshot":
        from viz.cli.snapshot import run_snapshot

        return run_snapshot
    if name == "diff":
        from viz.cli.diff import run_diff

        return run_diff
    if name == "docs":
        from viz.cli.docs import run_docs

        return run_docs
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        command = _command(argv[0]) if argv else None
        if command is not None:
            return command(argv[1:])
        from viz.cli.draw import run_draw

        return run_draw(argv)
    except UsageError as exc:
        print(f"lucid-viz: error: {exc}", file=sys.stderr)
        return 2
    except ModelError as exc:
        print(f"lucid-viz: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("lucid-viz: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
