"""The arguments the `lucid-viz` commands share, and reading them: how a parser is made, the chart's options,
how a model is built and fed, the modules to import first."""

from __future__ import annotations

import argparse
from typing import Any

from viz.cli.common import Parser, UsageError, parse_options

MODES = ("eval", "train")


def command_parser(prog: str, description: str, epilog: str | None = None) -> argparse.ArgumentParser:
    """A parser whose mistakes are one-line UsageErrors, its examples printed as written."""
    return Parser(
        prog=prog, description=description, epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter
    )


def add_chart_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--depth", type=int, default=3, help="how many levels of the module tree to draw (default 3)")
    parser.add_argument("--direction", default="LR", help="LR (default) or TB")
    parser.add_argument(
        "--edges",
        default="data",
        help="data (default): an edge wherever a tensor goes, with skip connections and merge ops drawn; "
        "calls: the order the modules were called",
    )


def add_model_arguments(parser: argparse.ArgumentParser, *, options: bool = True) -> None:
    """How a model is built and fed: input shapes and dtypes, train or eval mode, a real forward, and (with
    `options`) `--num-classes` and `--set`."""
    parser.add_argument(
        "--input-shape",
        action="append",
        metavar="SHAPE[:DTYPE]",
        help="an input's shape, e.g. 1,3,224,224; repeat for each positional input; a dtype suffix gives integer "
        "inputs (token ids), e.g. 2,128:int64 (default: the model's own input shape)",
    )
    parser.add_argument(
        "--mode", default="eval", choices=MODES, help="eval (default) or train: the mode the forward runs in"
    )
    parser.add_argument(
        "--real",
        action="store_true",
        help="build the model with weights and run a real forward (default: shape-only tracing, which gives the "
        "same trace in a fraction of the time and memory)",
    )
    if options:
        parser.add_argument("--num-classes", type=int, help="model option: number of classes")
        parser.add_argument(
            "--set", action="append", default=[], metavar="KEY=VALUE", help="a model option, e.g. --set drop_rate=0.1"
        )


def add_import_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--import", dest="imports", action="append", default=[], metavar="MODULE",
                        help="import a module first (one that registers your models); repeatable")  # fmt: skip


def import_all(names: list[str]) -> None:
    from viz.sources import SourceError, import_module

    for name in names:
        try:
            import_module(name)
        except SourceError as exc:
            raise UsageError(f"--import {exc}") from None


def model_options(args: argparse.Namespace) -> dict[str, Any]:
    options = parse_options(args.set, "--set")
    if args.num_classes is not None:
        if args.num_classes < 0:
            raise UsageError(f"--num-classes must be >= 0, got {args.num_classes}")
        if "num_classes" in options:
            raise UsageError(
                f"--num-classes {args.num_classes} and --set num_classes={options['num_classes']} disagree; give one"
            )
        options["num_classes"] = args.num_classes
    return options


def chart_options(args: argparse.Namespace, **fixed: Any) -> Any:
    """The one validated ChartOptions for this command line; a bad value is a UsageError."""
    from viz.render.options import ChartOptions

    given: dict[str, Any] = {"depth": args.depth, "direction": args.direction, "edges": args.edges}
    # `diff` has the chart arguments only; the drawing command has the rest too.
    if hasattr(args, "no_collapse"):
        given.update(
            collapse_repeats=not args.no_collapse,
            show_params=args.show_params,
            show_macs=args.show_macs,
            show_shapes=args.show_shapes,
            colour_safe=args.colour_safe,
            hide=tuple(args.hide),
        )
    given.update(fixed)
    try:
        return ChartOptions(**given)
    except (TypeError, ValueError) as exc:
        message = str(exc)
        # ChartOptions names its fields; on the command line they are flags.
        flag = next((f for f in ("depth", "direction", "edges", "hide") if message.startswith(f)), None)
        raise UsageError(f"--{message}" if flag else message) from None
