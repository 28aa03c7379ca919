"""`lucid-viz docs [--out DIR] [--check]`: regenerate the docs pages, or check that they are current.

The guide shows what `lucid-viz NAME` and `lucid-viz --list` print: this command passes its own runner, so the
page shows the real command line's output.

Exit codes: 0 written (or up to date with --check), 1 --check found pages that differ, 2 a usage error.
Progress goes to stderr, one line per step (rewritten in place on a terminal).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from viz.cli.arguments import command_parser
from viz.cli.common import UsageError


class _Progress:
    """Prints `[done/total] label` with elapsed seconds; in place on a terminal, one line per step otherwise."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.start = time.monotonic()
        self.inline = stream.isatty()

    def __call__(self, done: int, total: int, label: str) -> None:
        width = 20
        filled = width * done // max(total, 1)
        bar = "#" * filled + "." * (width - filled)
        line = f"[{bar}] {done}/{total} {label} ({time.monotonic() - self.start:.1f}s)"
        if self.inline:
            self.stream.write("\r\033[K" + line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.inline:
            self.stream.write("\n")
            self.stream.flush()


def _run_cli(argv: Sequence[str]) -> str:
    """What `lucid-viz ARGV` prints on stdout, run in this process (its errors are this command's errors)."""
    from viz.cli.draw import run_draw

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = run_draw(list(argv))
    if code != 0:
        raise RuntimeError(f"lucid-viz {' '.join(argv)} exited with {code}; the guide cannot show its output")
    return out.getvalue()


def build_parser() -> argparse.ArgumentParser:
    parser = command_parser("lucid-viz docs", "Generate the model pages (Markdown for mkdocs) from the lucid code.")
    parser.add_argument("--out", default="docs", help="the docs directory to write (default: docs)")
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if any page differs from what the code generates"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress display")
    return parser


def run_docs(argv: Sequence[str]) -> int:
    """The `lucid-viz docs` subcommand; returns the exit code."""
    from viz.docs import generate_docs

    args = build_parser().parse_args(list(argv))
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"docs --out {out} exists and is not a directory")
    progress = None if args.quiet else _Progress(sys.stderr)
    paths = generate_docs(out, check=args.check, progress=progress, run_cli=_run_cli)
    if progress is not None:
        progress.finish()
    if args.check:
        if paths:
            listed = "\n".join(f"  {p}" for p in paths)
            print(
                f"lucid-viz docs: {len(paths)} page(s) differ from what the code generates:\n{listed}\n"
                f"run `lucid-viz docs --out {out}` and commit the result",
                file=sys.stderr,
            )
            return 1
        print(f"lucid-viz docs: {out} is up to date", file=sys.stderr)
        return 0
    print(f"lucid-viz docs: {len(paths)} page(s) written under {out}", file=sys.stderr)
    return 0
