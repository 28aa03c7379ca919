"""`lucid-viz snapshot`: write each model's golden shape file, or check the model against it.

Models are traced shape-only (the same trace as a real forward, in a fraction of the time) unless `--real`.
`--check` traces each model on the input its golden file records, so the check reads exactly what was written.

Exit codes: 0 done (with --check: all match), 1 --check found differences or a model failed, 2 a usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from viz.cli.arguments import add_import_argument, add_model_arguments, command_parser, import_all
from viz.cli.common import Inputs, ModelError, UsageError, load_source, parse_inputs, trace_source

EXAMPLES = """examples:
  lucid-viz snapshot --all                              write tests/golden/traces/*.txt for every registered model
  lucid-viz snapshot efficientformer_l1 --check         compare with the golden file, print what differs
  lucid-viz snapshot mypkg.nets:build_net --out tests/golden --input-shape 1,3,64,64
  lucid-viz snapshot mypkg.nets:build_net --out tests/golden --check   input shape read from the golden file
  lucid-viz snapshot --import mypkg.models --all --out tests/golden   models your package registers
"""

DEFAULT_GOLDEN_DIR = "tests/golden/traces"


def build_parser() -> argparse.ArgumentParser:
    parser = command_parser(
        "lucid-viz snapshot",
        "Write each model's golden shape file (one line per module call), or check against it.",
        EXAMPLES,
    )
    parser.add_argument(
        "models", nargs="*", metavar="SOURCE", help="registered name, module:attr, file.py:attr or trace .json"
    )
    parser.add_argument("--all", action="store_true", help="every registered model")
    parser.add_argument("--out", default=DEFAULT_GOLDEN_DIR, help=f"golden folder (default {DEFAULT_GOLDEN_DIR})")
    parser.add_argument("--check", action="store_true", help="compare instead of writing; exit 1 on a difference")
    add_model_arguments(parser, options=False)
    add_import_argument(parser)
    parser.add_argument("--limit", type=int, default=20, help="differences listed per model (default 20)")
    return parser


def run_snapshot(argv: Sequence[str]) -> int:
    from viz.golden import SnapshotMismatchError, check_golden, golden_inputs, golden_path, update_golden

    args = build_parser().parse_args(argv)
    import_all(args.imports)
    if args.limit < 1:
        raise UsageError(f"--limit must be >= 1, got {args.limit}")
    specs = list(args.models)
    if args.all:
        import lucid.models as models

        specs += [name for name in models.list_models() if name not in specs]
    if not specs:
        raise UsageError("name the models to snapshot (e.g. lucid-viz snapshot efficientformer_l1) or use --all")
    inputs = parse_inputs(args.input_shape)
    failed = 0
    for spec in specs:
        source = load_source(spec, {}, real=args.real)
        given = inputs
        if args.check:
            try:
                path = golden_path(args.out, source.name)
                recorded = golden_inputs(args.out, source.name)
            except ValueError as exc:
                raise UsageError(f"{spec}: {exc}") from None
            if recorded is None:
                # Said here, with the source as the user wrote it, before anything is traced.
                shape = " --input-shape ..." if source.default_input_shape is None and inputs is None else ""
                failed += 1
                sys.stdout.write(
                    f"{spec}: no golden file {path}; write it with `lucid-viz snapshot {spec} --out {args.out}"
                    f"{shape}` and review it\n"
                )
                continue
            if given is None and source.model is not None:
                shapes, dtypes = recorded
                given = Inputs(shapes, dtypes or ("float32",) * len(shapes))
        trace = trace_source(source, given, real=args.real, mode=args.mode, partial=True)
        if not args.check and trace.error is not None:
            where = trace.error.path or trace.model_name
            raise ModelError(f"{spec}: the forward failed in {where} ({trace.error.message}); no golden written")
        try:
            if args.check:
                print(f"ok {check_golden(trace, args.out, update=False, limit=args.limit)}", file=sys.stderr)
            else:
                sys.stderr.write(update_golden(trace, args.out).summary(args.limit))
        except SnapshotMismatchError as exc:
            failed += 1
            sys.stdout.write(f"{exc}\n")
        except (OSError, ValueError) as exc:
            raise UsageError(f"{spec}: {exc}") from None
    return 1 if failed else 0
