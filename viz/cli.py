"""`lucid-viz`: draw a registered lucid model (or a saved trace) from the command line.

Exit codes: 0 success, 1 the model failed on the given input, 2 a usage error. Errors are one
line on stderr, never a traceback; nothing is written to stdout when something fails.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

EXAMPLES = """examples:
  lucid-viz efficientformer_l1                      Mermaid chart of EfficientFormer-L1 (depth 3)
  lucid-viz efficientformer_l3 --depth 2 --direction TB
  lucid-viz efficientformer_l1 --input-shape 2,3,224,224 --format json -o l1.json
  lucid-viz l1.json --format markdown               draw a saved trace
  lucid-viz efficientformer_l1 --num-classes 10 --show-params
  lucid-viz efficientformer_l1 --depth 5 --show-shapes   residual adds drawn as merge nodes, every shape
  lucid-viz efficientformer_l1 --edges calls        edges in the order modules were called
  lucid-viz efficientformer_l7 --real              trace a real forward (default: shape-only, same chart)
  lucid-viz --list                                  the registered models
  lucid-viz efficientformer_l1 --format summary --depth 2   table of shapes, parameters and MACs
  lucid-viz efficientformer_l1 -o l1.svg            a picture drawn by Graphviz (.svg, .png or .pdf)
  lucid-viz efficientformer_l1 -o l1.html           one offline page: chart, shapes, totals, summary
  lucid-viz efficientformer_l1 --format dot         Graphviz DOT text (no Graphviz needed)
  lucid-viz docs                                    regenerate the docs pages
  lucid-viz snapshot --all                          rewrite the golden shape files (see lucid-viz snapshot -h)
  lucid-viz diff efficientformer_l1 efficientformer_l3   what differs, by module path (see lucid-viz diff -h)
"""

FORMATS = ("mermaid", "markdown", "json", "summary", "dot")


class UsageError(Exception):
    """Bad command-line input: exit code 2."""


class ModelError(Exception):
    """The model could not run on the input: exit code 1."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="lucid-viz",
        description="Trace a lucid model and draw its module structure with every tensor shape.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("model", nargs="?", help="a registered model name (see --list) or a trace .json file")
    parser.add_argument("--list", action="store_true", help="list the registered models and exit")
    parser.add_argument("--depth", type=int, default=3, help="how many levels of the module tree to draw (default 3)")
    parser.add_argument("--input-shape", help="input shape as comma-separated positive ints, e.g. 1,3,224,224")
    parser.add_argument("--format", help="what to print: mermaid (default), markdown, json, summary or dot")
    parser.add_argument(
        "-o",
        "--output",
        help="write to this file instead of stdout; its suffix picks the output: .mmd .md .json .txt (summary) "
        ".dot .svg .png .pdf .html (report)",
    )
    parser.add_argument("--direction", default="LR", help="LR (default) or TB")
    parser.add_argument("--no-collapse", action="store_true", help="draw repeated siblings one by one")
    parser.add_argument("--show-params", action="store_true", help="show parameter counts on nodes")
    parser.add_argument("--show-macs", action="store_true", help="show multiply-accumulate counts on nodes")
    parser.add_argument("--hide", action="append", default=[], metavar="CLASS", help="hide a module class (repeatable)")
    parser.add_argument(
        "--edges",
        default="data",
        help="data (default): an edge wherever a tensor goes, with skip connections and merge ops drawn; "
        "calls: the order the modules were called",
    )
    parser.add_argument(
        "--show-shapes", action="store_true", help="write (in) -> (out) on every layer, and shapes on merge ops"
    )
    parser.add_argument(
        "--partial", action="store_true", help="if the forward fails, draw what ran, failing node in red"
    )
    parser.add_argument(
        "--real",
        action="store_true",
        help="build the model with weights and run a real forward (default: shape-only tracing, which draws the "
        "same chart in a fraction of the time and memory)",
    )
    parser.add_argument("--num-classes", type=int, help="model option: number of classes")
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="other model option, e.g. --set drop_rate=0.1"
    )
    return parser


def parse_shape(text: str) -> tuple[int, ...]:
    parts = [p.strip() for p in text.replace("x", ",").split(",")]
    try:
        shape = tuple(int(p) for p in parts)
    except ValueError:
        raise UsageError(f"--input-shape {text!r} is not a list of integers; write e.g. 1,3,224,224") from None
    if not shape or any(s <= 0 for s in shape):
        raise UsageError(f"--input-shape {text!r} must contain only positive sizes, e.g. 1,3,224,224")
    return shape


def _model_options(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if args.num_classes is not None:
        if args.num_classes < 0:
            raise UsageError(f"--num-classes must be >= 0, got {args.num_classes}")
        options["num_classes"] = args.num_classes
    options.update(parse_options(args.set, "--set"))
    return options


def parse_options(items: list[str], flag: str) -> dict[str, Any]:
    """Model options given as KEY=VALUE; a value is read as JSON when it parses (10, 0.1, true), else as text."""
    options: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.isidentifier():
            raise UsageError(f"{flag} {item!r} must look like KEY=VALUE, e.g. drop_rate=0.1")
        try:
            options[key] = json.loads(raw)
        except json.JSONDecodeError:
            options[key] = raw
    return options


def _load_trace(args: argparse.Namespace) -> Any:
    """The Trace to draw: read from a file, or traced from a freshly built registered model."""
    from viz.ir import Trace

    source = Path(args.model)
    if args.model.endswith(".json"):
        try:
            return Trace.from_json(source.read_text(encoding="utf-8"))
        except OSError as exc:
            raise UsageError(f"cannot read trace file {args.model}: {exc.strerror}") from None
        except ValueError as exc:
            raise UsageError(f"{args.model} is not a lucid-viz trace: {exc}") from None

    import lucid
    import lucid.models as models
    from viz.trace import TracingError, trace

    try:
        models.get_model_entry(args.model)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    options = _model_options(args)
    try:
        if args.real:
            model = models.create_model(args.model, **options)
        else:
            # Shape-only: no weights are allocated or drawn and no op computes values; the Trace is the same.
            with lucid.meta():
                model = models.create_model(args.model, **options)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"{args.model}: {exc}") from None
    # The summary's trainable count needs requires_grad, which a Trace does not record.
    args.trainable_params = sum(p.size for p in model.parameters() if p.requires_grad)
    shape = parse_shape(args.input_shape) if args.input_shape else None
    try:
        return trace(model, input_shape=shape, meta=not args.real)
    except TracingError as exc:
        if args.partial:
            # The chart shows the failure, but stdout may be a file: say on stderr that the model failed.
            print(f"lucid-viz: warning: {args.model}: {exc}; drawing the partial trace", file=sys.stderr)
            return exc.partial
        raise ModelError(f"{args.model}: {exc}") from None


def _chart_options(args: argparse.Namespace) -> Any:
    from viz.render.mermaid import MermaidOptions

    try:
        return MermaidOptions(
            depth=args.depth,
            direction=args.direction,
            collapse_repeats=not args.no_collapse,
            show_params=args.show_params,
            show_macs=args.show_macs,
            hide=tuple(args.hide),
            edges=args.edges,
            show_shapes=args.show_shapes,
        )
    except (TypeError, ValueError) as exc:
        raise UsageError(str(exc)) from None


def render(args: argparse.Namespace, trace: Any) -> str:
    """The requested text; Mermaid's size warnings go to stderr, one line each."""
    from viz.render.mermaid import mermaid_chart

    if args.format == "json":
        return trace.to_json() + "\n"
    if args.format == "summary":
        from viz.summary import summarise_trace

        return str(summarise_trace(trace, args.depth, trainable_params=getattr(args, "trainable_params", None)))
    options = _chart_options(args)
    if args.format == "dot":
        from viz.render.dot import render_dot

        return render_dot(trace, options)
    chart = mermaid_chart(trace, options)
    for warning in chart.warnings:
        print(f"lucid-viz: warning: {warning}", file=sys.stderr)
    text = chart.text if chart.text.endswith("\n") else chart.text + "\n"
    if args.format == "markdown":
        return f"```mermaid\n{text}```\n"
    return text


def _check_options(args: argparse.Namespace) -> None:
    if args.output:
        from viz.export import output_kind

        kind = output_kind(args.output)
        if kind is not None and args.format is not None and kind != args.format:
            raise UsageError(
                f"--format {args.format} does not match -o {args.output}, which writes {kind}; "
                "drop --format (the suffix picks the output)"
            )
        args.output_kind = kind
        if kind in FORMATS:
            args.format = kind
    args.format = args.format or "mermaid"
    if args.format not in FORMATS:
        raise UsageError(f"--format {args.format!r} is not one of: {', '.join(FORMATS)}")
    if args.depth < 0:
        raise UsageError(f"--depth must be >= 0, got {args.depth}")
    if args.direction not in ("LR", "TB"):
        raise UsageError(f"--direction {args.direction!r} must be LR or TB")
    if args.edges not in ("data", "calls"):
        raise UsageError(f"--edges {args.edges!r} must be data or calls")


def run(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(argv)
    if args.list:
        import lucid.models as models

        sys.stdout.write("\n".join(models.list_models()) + "\n")
        return 0
    if not args.model:
        raise UsageError("name a model (e.g. lucid-viz efficientformer_l1) or use --list")
    _check_options(args)
    trace = _load_trace(args)
    if not args.output:
        sys.stdout.write(render(args, trace))
        return 0
    if args.output_kind in ("svg", "png", "pdf", "html"):
        data = _draw_file(args, trace)
    else:
        data = render(args, trace).encode("utf-8")
    try:
        Path(args.output).write_bytes(data)
    except OSError as exc:
        raise UsageError(f"cannot write {args.output}: {exc.strerror}") from None
    return 0


def _draw_file(args: argparse.Namespace, trace: Any) -> bytes:
    """A picture or report drawn by Graphviz; a missing `dot` is a one-line error saying how to install it."""
    from viz.export import render_file

    try:
        return render_file(trace, args.output_kind, _chart_options(args), getattr(args, "trainable_params", None))
    except RuntimeError as exc:  # GraphvizNotFoundError (with the install hint), or dot itself failing
        raise UsageError(f"cannot write {args.output}: {exc}") from None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv[:1] == ["snapshot"]:
            from viz.snapshot_cli import run_snapshot

            return run_snapshot(argv[1:])
        if argv[:1] == ["diff"]:
            from viz.snapshot_cli import run_diff

            return run_diff(argv[1:])
        if argv[:1] == ["docs"]:
            from viz.docs_cli import run_docs

            return run_docs(argv[1:])
        return run(argv)
    except UsageError as exc:
        print(f"lucid-viz: error: {exc}", file=sys.stderr)
        return 2
    except ModelError as exc:
        print(f"lucid-viz: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
