"""`lucid-viz snapshot` (write or check golden shape files) and `lucid-viz diff A B` (what differs between two
models, configs, traces or snapshots).

A MODEL is a registered name (see `lucid-viz --list`), `package.module:factory` (a function returning a model, or a
model object) for your own models, a trace `.json` file, or (as the old side of a diff) a snapshot `.txt` file.

Exit codes: 0 done (for `snapshot --check`: all match), 1 `--check` found differences or a model failed,
2 a usage error. `diff` exits 0 whether or not the models differ; read its output.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from viz.cli import ModelError, UsageError, _Parser, parse_options, parse_shape

SNAPSHOT_EXAMPLES = """examples:
  lucid-viz snapshot --all                              rewrite tests/golden/traces/*.txt for every registered model
  lucid-viz snapshot efficientformer_l1 --check         compare with the golden file, print what differs
  lucid-viz snapshot mypkg.nets:build_net --out tests/golden --input-shape 1,3,64,64
  lucid-viz snapshot --import mypkg.models --all --out tests/golden   models your package registers
"""

DIFF_EXAMPLES = """examples:
  lucid-viz diff efficientformer_l1 efficientformer_l3
  lucid-viz diff efficientformer_l1 efficientformer_l1 --set-b num_classes=10
  lucid-viz diff tests/golden/traces/efficientformer_l1.txt efficientformer_l1 --format mermaid
  lucid-viz diff old.json new.json --format markdown -o diff.md
"""

DEFAULT_GOLDEN_DIR = "tests/golden/traces"
DIFF_FORMATS = ("text", "mermaid", "markdown")


def snapshot_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="lucid-viz snapshot",
        description="Write each model's golden shape file (one line per module call), or check against it.",
        epilog=SNAPSHOT_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("models", nargs="*", metavar="MODEL", help="registered name, module:factory, or trace .json")
    parser.add_argument("--all", action="store_true", help="every registered model")
    parser.add_argument("--out", default=DEFAULT_GOLDEN_DIR, help=f"golden folder (default {DEFAULT_GOLDEN_DIR})")
    parser.add_argument("--check", action="store_true", help="compare instead of writing; exit 1 on a difference")
    parser.add_argument("--input-shape", help="input shape, e.g. 1,3,224,224 (default: each model's own)")
    parser.add_argument("--import", dest="imports", action="append", default=[], metavar="MODULE",
                        help="import a module first (one that registers your models); repeatable")  # fmt: skip
    parser.add_argument("--limit", type=int, default=20, help="differences listed per model (default 20)")
    return parser


def diff_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="lucid-viz diff",
        description="Show what differs between two models: shapes, classes, parameters and MACs by module path.",
        epilog=DIFF_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("a", metavar="A", help="the old side: model name, module:factory, trace .json, snapshot .txt")
    parser.add_argument("b", metavar="B", help="the new side: model name, module:factory or trace .json")
    parser.add_argument("--set-a", action="append", default=[], metavar="KEY=VALUE", help="model option for A")
    parser.add_argument("--set-b", action="append", default=[], metavar="KEY=VALUE", help="model option for B")
    parser.add_argument("--input-shape", help="input shape for both models (default: each model's own)")
    parser.add_argument("--format", default="text", help="text (default), mermaid (chart of B) or markdown (both)")
    parser.add_argument("--depth", type=int, default=3, help="chart depth (default 3)")
    parser.add_argument("--direction", default="LR", help="chart direction, LR (default) or TB")
    parser.add_argument("--edges", default="data", help="chart edges: data (default) or calls (the order of calls)")
    parser.add_argument("--limit", type=int, default=50, help="differences listed (default 50)")
    parser.add_argument("--import", dest="imports", action="append", default=[], metavar="MODULE",
                        help="import a module first (one that registers your models); repeatable")  # fmt: skip
    parser.add_argument("-o", "--output", help="write to this file instead of stdout")
    return parser


def load_source(spec: str, options: dict[str, Any], input_shape: tuple[int, ...] | None) -> Any:
    """A Trace (or, for a `.txt` file, a Snapshot) from a model name, `module:factory`, or a saved file."""
    from viz.golden import trace_for_snapshot
    from viz.ir import Trace
    from viz.snapshot import parse_snapshot

    if spec.endswith((".json", ".txt")):
        if options:
            raise UsageError(f"{spec}: model options apply to models, not to saved files")
        try:
            text = Path(spec).read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot read {spec}: {exc.strerror}") from None
        try:
            return Trace.from_json(text) if spec.endswith(".json") else parse_snapshot(text, spec)
        except ValueError as exc:
            raise UsageError(f"{spec}: {exc}") from None
    model = _build_model(spec, options)
    try:
        return trace_for_snapshot(model, input_shape)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"{spec}: {exc}") from None


def _build_model(spec: str, options: dict[str, Any]) -> Any:
    from lucid import nn

    if ":" in spec:
        module_name, _, attr = spec.partition(":")
        try:
            target = getattr(importlib.import_module(module_name), attr)
        except ImportError as exc:
            raise UsageError(f"{spec}: cannot import {module_name!r} ({exc})") from None
        except AttributeError:
            raise UsageError(f"{spec}: module {module_name!r} has no {attr!r}") from None
        if isinstance(target, nn.Module):
            if options:
                raise UsageError(f"{spec} is a model object; options need a factory function")
            return target
        try:
            model = target(**options)
        except Exception as exc:  # a user factory can raise anything; report it as one line
            raise ModelError(f"{spec}: the factory failed: {exc}") from None
        if not isinstance(model, nn.Module):
            raise UsageError(f"{spec} returned {type(model).__name__}, not a lucid nn.Module")
        return model
    import lucid.models as models

    try:
        models.get_model_entry(spec)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    try:
        return models.create_model(spec, **options)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"{spec}: {exc}") from None


def _import_all(names: list[str]) -> None:
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise UsageError(f"--import {name}: {exc}") from None


def run_snapshot(argv: Sequence[str]) -> int:
    from viz.golden import SnapshotMismatchError, check_golden, update_golden

    args = snapshot_parser().parse_args(argv)
    _import_all(args.imports)
    if args.limit < 1:
        raise UsageError(f"--limit must be >= 1, got {args.limit}")
    specs = list(args.models)
    if args.all:
        import lucid.models as models

        specs += [name for name in models.list_models() if name not in specs]
    if not specs:
        raise UsageError("name the models to snapshot (e.g. lucid-viz snapshot efficientformer_l1) or use --all")
    shape = parse_shape(args.input_shape) if args.input_shape else None
    failed = 0
    for spec in specs:
        source = load_source(spec, {}, shape)
        if not hasattr(source, "calls"):
            raise UsageError(f"{spec}: a snapshot file is already a golden file; give a model or a trace")
        if not args.check and source.error is not None:
            where = source.error.path or source.model_name
            raise ModelError(f"{spec}: the forward failed in {where} ({source.error.message}); no golden written")
        try:
            if args.check:
                print(f"ok {check_golden(source, args.out, limit=args.limit)}", file=sys.stderr)
            else:
                sys.stderr.write(update_golden(source, args.out).summary(args.limit))
        except SnapshotMismatchError as exc:
            failed += 1
            sys.stdout.write(f"{exc}\n")
        except (OSError, ValueError) as exc:
            raise UsageError(f"{spec}: {exc}") from None
    return 1 if failed else 0


def run_diff(argv: Sequence[str]) -> int:
    from viz.render.diff import render_diff_mermaid
    from viz.render.mermaid import MermaidOptions
    from viz.snapshot import compare, first_change, report, snapshot_of

    args = diff_parser().parse_args(argv)
    _import_all(args.imports)
    if args.format not in DIFF_FORMATS:
        raise UsageError(f"--format {args.format!r} is not one of: {', '.join(DIFF_FORMATS)}")
    if args.limit < 1:
        raise UsageError(f"--limit must be >= 1, got {args.limit}")
    try:
        chart_options = MermaidOptions(depth=args.depth, direction=args.direction, edges=args.edges)
    except (TypeError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    shape = parse_shape(args.input_shape) if args.input_shape else None
    old = load_source(args.a, parse_options(args.set_a, "--set-a"), shape)
    new = load_source(args.b, parse_options(args.set_b, "--set-b"), shape)
    if not hasattr(new, "calls"):
        raise UsageError(f"B ({args.b}) must be a model or a trace .json, so it can be drawn; put the snapshot as A")
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
        chart = render_diff_mermaid(new, changed, origin_path, chart_options)
        if args.format == "mermaid":
            output = chart
        else:
            output = f"```text\n{text}```\n\n```mermaid\n{chart}```\n"
    if args.output:
        try:
            Path(args.output).write_text(output, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {args.output}: {exc.strerror}") from None
    else:
        sys.stdout.write(output)
    return 0
