"""Collect everything the site shows: one dict per family (with its variants), the guide's real outputs.

This is where models are built and traced; `collect.py` turns code into text, `build.py` renders.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from typing import Any

from viz.docs.collect import CHART_DEPTH, family_data, group_by_family, variant_data
from viz.docs.docstrings import parse_docstring

Progress = Callable[[int, int, str], None]

# The guide's model: its trace (taken once, for its family page) also feeds the guide's Python example.
GUIDE_MODEL = "efficientformer_l1"

# The factory pages' summary tables stop at the model's direct children (stem, stages, norm, head).
SUMMARY_DEPTH = 1

# The guide's Python example draws GUIDE_MODEL's trace with these options; the code it shows is written
# from the same dict, so text and output cannot drift apart.
GUIDE_CHART_OPTIONS: dict[str, Any] = {"depth": 1, "direction": "TB", "colour_safe": True}

# The guide's residual block (viz/docs/examples.py) and how it is drawn, shown and run from these values.
RESIDUAL_INPUT = (1, 64, 56, 56)
RESIDUAL_CHART_OPTIONS: dict[str, Any] = {"show_shapes": True, "colour_safe": True}


def measure(model: Any, input_shape: tuple[int, ...]) -> tuple[Any, dict[str, Any]]:
    """Trace `model` on `input_shape` and draw it: (the Trace, the chart the pages show and, when known, MACs)."""
    from viz.render.mermaid import MermaidOptions, mermaid_chart
    from viz.summary import summarise_trace
    from viz.trace import trace

    recorded = trace(model, input_shape=input_shape)
    # Mermaid 11 drops `color:#hex;` when another property follows it in an inline label style, so the docs
    # draw with `colour_safe` (colour last); the CLI keeps the reference chart's byte-exact order.
    chart = mermaid_chart(recorded, MermaidOptions(depth=CHART_DEPTH, colour_safe=True))
    if chart.warnings:
        # Over Mermaid's size limits the browser draws an error box instead of the chart: never publish that.
        raise ValueError(f"docs chart of {recorded.model_name}: " + "; ".join(chart.warnings))
    params = list(model.parameters())
    table = summarise_trace(
        recorded,
        SUMMARY_DEPTH,
        trainable_params=sum(int(p.size) for p in params if p.requires_grad),
        param_bytes=sum(int(p.numpy().nbytes) for p in params),
    )
    return recorded, {
        "chart": chart.text.rstrip("\n"),
        "macs": table.total_macs,
        "macs_text": f"{table.total_macs:,}",
        "summary": str(table).rstrip("\n"),
    }


def run_cli(argv: tuple[str, ...]) -> str:
    """What `lucid-viz ARGV` prints on stdout (the real CLI, run in-process)."""
    from viz.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(list(argv))
    if code != 0:
        raise RuntimeError(f"lucid-viz {' '.join(argv)} exited with {code}; the guide cannot show its output")
    return out.getvalue().rstrip("\n")


def guide_data(traces: dict[str, Any]) -> dict[str, Any]:
    """The guide's examples, each with the real output of what it shows."""
    import viz

    if GUIDE_MODEL not in traces:
        return {"model": None}
    options = ", ".join(f"{key}={value!r}" for key, value in GUIDE_CHART_OPTIONS.items())
    python = (
        "import lucid.models as models\n"
        "import viz\n\n"
        f"trace = viz.trace(models.create_model({GUIDE_MODEL!r}))\n"
        f"chart = viz.mermaid(trace, {options})"
    )
    residual = residual_example()
    # The family page already traced GUIDE_MODEL the same way (create_model, default input): reuse that trace.
    chart = viz.mermaid(traces[GUIDE_MODEL], **GUIDE_CHART_OPTIONS)
    table = viz.summary(traces[GUIDE_MODEL], depth=SUMMARY_DEPTH)
    return {
        "model": GUIDE_MODEL,
        "cli_output": run_cli((GUIDE_MODEL,)),
        "list_output": run_cli(("--list",)),
        "python": python,
        "python_chart": chart.rstrip("\n"),
        "summary_python": f"print(viz.summary(trace, depth={SUMMARY_DEPTH}))",
        "summary_output": str(table).rstrip("\n"),
        **residual,
    }


def residual_example() -> dict[str, str]:
    """The guide's chart of a residual block: the block's source, the lines that draw it, and the chart."""
    import inspect

    import viz
    from viz.docs import examples

    python = (
        "import viz\n\n"
        f"trace = viz.trace(BasicBlock(), {RESIDUAL_INPUT})\n"
        f"chart = viz.mermaid(trace, {', '.join(f'{k}={v!r}' for k, v in RESIDUAL_CHART_OPTIONS.items())})"
    )
    chart = viz.mermaid(viz.trace(examples.BasicBlock(), RESIDUAL_INPUT), **RESIDUAL_CHART_OPTIONS)
    return {
        "residual_source": "from lucid import Tensor, nn\n\n\n" + inspect.getsource(examples.BasicBlock).rstrip("\n"),
        "residual_python": python,
        "residual_chart": chart.rstrip("\n"),
    }


def collect_site(progress: Progress | None = None, names: list[str] | None = None) -> dict[str, Any]:
    """All page data: families in name order, each with its variants traced and measured.

    `names` limits the site to those registered models (default: all of `lucid.models.list_models()`).
    """
    import lucid.models as models

    entries = [models.get_model_entry(name) for name in (models.list_models() if names is None else sorted(names))]
    families = group_by_family(entries)
    total = len(entries) + 2  # each model traced, the guide's commands, the pages written
    done = 0
    site_families = []
    traces: dict[str, Any] = {}
    for entries_of_family in families.values():
        variants = []
        model_cls: type | None = None
        for entry in entries_of_family:
            if progress is not None:
                progress(done, total, f"tracing {entry.name}")
            model = entry.factory()
            model_cls = model_cls or type(model)
            traces[entry.name], measured = measure(model, tuple(entry.default_input_shape))
            variants.append(variant_data(entry, model, measured))
            done += 1
        site_families.append(family_data(entries_of_family, variants, model_cls or object))
    if progress is not None:
        progress(done, total, "running the guide's examples")
    guide = guide_data(traces)
    done += 1
    if progress is not None:
        progress(done, total, "rendering pages")
    return {
        "families": site_families,
        "model_count": len(entries),
        "zoo_summary": parse_docstring(models.__doc__)["summary"],
        "guide": guide,
        "steps": total,
    }
