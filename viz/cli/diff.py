"""`lucid-viz diff A B`: what differs between two models, configs, traces or snapshots, by module path.

Models are traced shape-only unless `--real`. Exits 0 whether or not the models differ; read its output.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from viz.cli.arguments import (
    add_chart_arguments,
    add_import_argument,
    add_model_arguments,
    chart_options,
    command_parser,
    import_all,
)
from viz.cli.common import UsageError, load_source, parse_inputs, parse_options, trace_source

EXAMPLES = """examples:
  lucid-viz diff efficientformer_l1 efficientformer_l3
  lucid-viz diff efficientformer_l1 efficientformer_l1 --set-b num_classes=10
  lucid-viz diff tests/golden/traces/efficientformer_l1.txt efficientformer_l1 --format mermaid
  lucid-viz diff old.json new.json --format markdown -o diff.md
"""

FORMATS = ("text", "mermaid", "markdown")


def build_parser() -> argparse.ArgumentParser:
    parser = command_parser(
        "lucid-viz diff",
        "Show what differs between two models: shapes, classes, parameters and MACs by module path.",
        EXAMPLES,
    )
    parser.add_argument("a", metavar="A", help="the old side: a model source, a trace .json or a snapshot .txt")
    parser.add_argument("b", metavar="B", help="the new side: a model source or a trace .json")
    parser.add_argument("--set-a", action="append", default=[], metavar="KEY=VALUE", help="model option for A")
    parser.add_argument("--set-b", action="append", default=[], metavar="KEY=VALUE", help="model option for B")
    add_model_arguments(parser, options=False)  # the inputs, mode and --real apply to both sides
    parser.add_argument("--format", default="text", help="text (default), mermaid (chart of B) or markdown (both)")
    add_chart_arguments(parser)
    parser.add_argument("--limit", type=int, default=50, help="differences listed (default 50)")
    add_import_argument(parser)
    parser.add_argument("-o", "--output", help="write to this file instead of stdout")
    return parser


def run_diff(argv: Sequence[str]) -> int:
    from viz.files import write_atomically
    from viz.render.diff import render_diff_mermaid
    from viz.snapshot import compare, first_change, report, snapshot_of

    args = build_parser().parse_args(argv)
    import_all(args.imports)
    if args.format not in FORMATS:
        raise UsageError(f"--format {args.format!r} is not one of: {', '.join(FORMATS)}")
    if args.limit < 1:
        raise UsageError(f"--limit must be >= 1, got {args.limit}")
    options = chart_options(args, colour_safe=args.format == "markdown")
    old = _side(args.a, parse_options(args.set_a, "--set-a"), args, snapshot_allowed=True)
    new = _side(args.b, parse_options(args.set_b, "--set-b"), args, snapshot_allowed=False)
    old_snap = old if not hasattr(old, "calls") else snapshot_of(old)
    new_snap = snapshot_of(new)
    differences = compare(old_snap, new_snap)
    origin = first_change(old_snap, new_snap)
    text = report(differences, f"{args.a} → {args.b}", origin, args.limit)
    changed = [d.path for d in differences if not d.removed and d.label != "(model)"]
    origin_path = next((d.path for d in differences if d.label == origin), None)
    if args.format == "text":
        output = text
    else:
        chart = render_diff_mermaid(new, changed, origin_path, options)
        output = chart if args.format == "mermaid" else f"```text\n{text}```\n\n```mermaid\n{chart}```\n"
    if not args.output:
        sys.stdout.write(output)
        return 0
    try:
        write_atomically(args.output, output)
    except OSError as exc:
        raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    return 0


def _side(spec: str, options: dict[str, Any], args: argparse.Namespace, snapshot_allowed: bool) -> Any:
    """One side of the diff: a Trace, or (for the old side) a Snapshot read from a golden `.txt` file."""
    if spec.lower().endswith(".txt"):
        if not snapshot_allowed:
            raise UsageError(f"B ({spec}) must be a model or a trace .json, so it can be drawn; put the snapshot as A")
        if options:
            raise UsageError(f"{spec}: model options apply to models, not to a snapshot file")
        from viz.golden import read_golden

        try:
            return read_golden(spec)
        except OSError as exc:
            raise UsageError(f"cannot read {spec}: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    source = load_source(spec, options, real=args.real)
    if source.trace is not None:  # a saved trace is compared as it is; the input options are for the model side
        return source.trace
    return trace_source(source, parse_inputs(args.input_shape), real=args.real, mode=args.mode, partial=True)
