"""`lucid-viz SOURCE`: draw a model (registered, your own, or a plugin's) or a saved trace."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from viz.cli.arguments import add_chart_arguments, add_model_arguments, chart_options, command_parser, model_options
from viz.cli.common import UsageError, load_source, parse_inputs, trace_source

EXAMPLES = """examples:
  lucid-viz efficientformer_l1                      Mermaid chart of EfficientFormer-L1 (depth 3)
  lucid-viz mypkg.nets:build_net --input-shape 1,3,64,64   your own model: a factory, a Module class or object
  lucid-viz path/to/net.py:Net --set width=32       a model defined in a file, built with an option
  lucid-viz mypkg.bert:Encoder --input-shape 2,128:int64 --input-shape 2,128   two inputs, token ids first
  lucid-viz efficientformer_l3 --depth 2 --direction TB
  lucid-viz efficientformer_l1 --input-shape 2,3,224,224 --format json -o l1.json
  lucid-viz l1.json --format markdown               draw a saved trace
  lucid-viz efficientformer_l1 --num-classes 10 --show-params
  lucid-viz efficientformer_l1 --depth 5 --show-shapes   residual adds drawn as merge nodes, every shape
  lucid-viz efficientformer_l1 --edges calls        edges in the order modules were called
  lucid-viz efficientformer_l7 --real              trace a real forward (default: shape-only, same chart)
  lucid-viz --list                                  the registered models (plugins included)
  lucid-viz efficientformer_l1 --format summary --depth 2   table of shapes, parameters and MACs
  lucid-viz efficientformer_l1 -o l1.svg            a picture drawn by Graphviz (.svg, .png or .pdf)
  lucid-viz efficientformer_l1 -o l1.html           one offline page: chart, shapes, totals, summary
  lucid-viz efficientformer_l1 --format dot         Graphviz DOT text (no Graphviz needed)
  lucid-viz docs                                    regenerate the docs pages
  lucid-viz snapshot efficientformer_l1 --check     compare with the golden shape file (see lucid-viz snapshot -h)
  lucid-viz diff efficientformer_l1 efficientformer_l3   what differs, by module path (see lucid-viz diff -h)
"""

FORMATS = ("mermaid", "markdown", "json", "summary", "dot")


def build_parser() -> argparse.ArgumentParser:
    parser = command_parser(
        "lucid-viz",
        "Trace a lucid model and draw its module structure with every tensor shape.",
        EXAMPLES,
    )
    parser.add_argument(
        "model",
        nargs="?",
        metavar="SOURCE",
        help="a registered model name (see --list), package.module:attr, path/to/file.py:attr, or a trace .json",
    )
    parser.add_argument("--list", action="store_true", help="list the registered models and exit")
    add_chart_arguments(parser)
    parser.add_argument("--format", help="what to print: mermaid (default), markdown, json, summary or dot")
    parser.add_argument(
        "-o",
        "--output",
        help="write to this file instead of stdout; its suffix picks the output: .mmd .md .json .txt (summary) "
        ".dot .svg .png .pdf .html (report)",
    )
    parser.add_argument("--show-params", action="store_true", help="show parameter counts on nodes")
    parser.add_argument("--show-macs", action="store_true", help="show multiply-accumulate counts on nodes")
    parser.add_argument(
        "--show-shapes", action="store_true", help="write (in) -> (out) on every layer, and shapes on merge ops"
    )
    parser.add_argument("--no-collapse", action="store_true", help="draw repeated siblings one by one")
    parser.add_argument("--hide", action="append", default=[], metavar="CLASS", help="hide a module class (repeatable)")
    parser.add_argument(
        "--colour-safe",
        action="store_true",
        help="Mermaid label styles that keep their colour in mermaid 11 (GitHub, mkdocs); markdown always uses them",
    )
    parser.add_argument(
        "--partial", action="store_true", help="if the forward fails, draw what ran, failing node in red"
    )
    add_model_arguments(parser)
    return parser


def output_format(args: argparse.Namespace) -> str:
    """The kind to write: what -o's suffix names (an unknown suffix is an error), else --format, else mermaid."""
    from viz.export import output_kind

    if args.format is not None and args.format not in FORMATS:
        raise UsageError(f"--format {args.format!r} is not one of: {', '.join(FORMATS)}")
    try:
        kind = output_kind(args.output) if args.output else None
    except ValueError as exc:
        raise UsageError(f"-o: {exc}") from None
    if kind is not None and args.format is not None and kind != args.format:
        raise UsageError(
            f"--format {args.format} does not match -o {args.output}, which writes {kind}; "
            "drop --format (the suffix picks the output)"
        )
    return kind or args.format or "mermaid"


def run_draw(argv: Sequence[str]) -> int:
    from viz.export import GraphvizNotFoundError, render_output
    from viz.files import write_atomically

    args = build_parser().parse_args(argv)
    if args.list:
        import lucid.models as models

        sys.stdout.write("\n".join(models.list_models()) + "\n")
        return 0
    if not args.model:
        raise UsageError("name a model (e.g. lucid-viz efficientformer_l1) or use --list")
    kind = output_format(args)
    options = chart_options(args)
    inputs = parse_inputs(args.input_shape)
    source = load_source(args.model, model_options(args), real=args.real)
    trace = trace_source(source, inputs, real=args.real, mode=args.mode, partial=args.partial, warn=warn)
    try:
        rendered = render_output(trace, kind, options)
    except (GraphvizNotFoundError, RuntimeError) as exc:  # no `dot`, with the install hint, or dot failing
        raise UsageError(f"cannot write {args.output}: {exc}") from None
    for message in rendered.warnings:
        warn(message)
    if not args.output:
        sys.stdout.write(rendered.data if isinstance(rendered.data, str) else rendered.data.decode("utf-8"))
        return 0
    try:
        write_atomically(args.output, rendered.to_bytes())
    except OSError as exc:
        raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    return 0


def warn(message: str) -> None:
    print(f"lucid-viz: warning: {message}", file=sys.stderr)
