"""Collect everything the site shows: one dict per family (with its variants), the guide's real outputs.

This is where models are built (shape-only, through viz.sources) and traced; `pages.py` turns code into page
data, `build.py` renders the templates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from viz.docs.docstrings import parse_docstring
from viz.docs.pages import CHART_DEPTH, family_data, group_by_family, variant_data

Progress = Callable[[int, int, str], None]
# What `lucid-viz ARGV` prints on stdout; `lucid-viz docs` passes the real command line's runner.
CliRunner = Callable[[Sequence[str]], str]

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


def measure(model: Any, name: str, input_shape: tuple[int, ...]) -> tuple[Any, dict[str, Any]]:
    """Trace `model` shape-only on `input_shape` and draw it: (the Trace, the chart the pages show and the MACs)."""
    from viz.render.mermaid import mermaid_chart
    from viz.render.options import ChartOptions
    from viz.summary import summarise_trace
    from viz.trace import trace

    recorded = trace(model, input_shape=input_shape, meta=True, name=name)
    # Mermaid 11 drops `color:#hex;` when another property follows it in an inline label style, so the docs
    # draw with `colour_safe` (colour last); the CLI keeps the reference chart's byte-exact order.
    chart = mermaid_chart(recorded, ChartOptions(depth=CHART_DEPTH, colour_safe=True))
    if chart.warnings:
        # Over Mermaid's size limits the browser draws an error box instead of the chart: never publish that.
        raise ValueError(f"docs chart of {recorded.model_name}: " + "; ".join(chart.warnings))
    param_bytes = sum(int(p.size) * p.dtype.itemsize for p in model.parameters())
    table = summarise_trace(recorded, SUMMARY_DEPTH, param_bytes=param_bytes)
    return recorded, {
        "chart": chart.text.rstrip("\n"),
        "macs": table.total_macs,
        "macs_text": f"{table.total_macs:,}",
        "summary": str(table).rstrip("\n"),
    }


def library_cli(argv: Sequence[str]) -> str:
    """What the guide's two commands print, made by the same library calls the command line makes (for
    `collect_site` called from Python; `lucid-viz docs` passes its own runner)."""
    import lucid.models as models
    from viz.export import render_output
    from viz.sources import resolve
    from viz.trace import trace

    if list(argv) == ["--list"]:
        return "\n".join(models.list_models())
    if len(argv) != 1:
        raise ValueError(f"library_cli: only `lucid-viz NAME` and `lucid-viz --list` are known, got {list(argv)}")
    source = resolve(argv[0], meta=True)
    traced = trace(source.model, input_shape=source.default_input_shape, meta=True, name=source.name)
    text = render_output(traced, "mermaid").data
    assert isinstance(text, str)
    return text.rstrip("\n")


def guide_data(traces: dict[str, Any], run_cli: CliRunner) -> dict[str, Any]:
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
        "cli_output": run_cli((GUIDE_MODEL,)).rstrip("\n"),
        "list_output": run_cli(("--list",)).rstrip("\n"),
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


def collect_site(
    progress: Progress | None = None, names: list[str] | None = None, run_cli: CliRunner | None = None
) -> dict[str, Any]:
    """All page data: families in name order, each with its variants traced and measured.

    `names` limits the site to those registered models (default: all of `lucid.models.list_models()`);
    `run_cli` gives the guide's command-line output (default `library_cli`).
    """
    import lucid.models as models
    from viz.sources import resolve

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
            model = resolve(entry.name, meta=True).model
            model_cls = model_cls or type(model)
            traces[entry.name], measured = measure(model, entry.name, tuple(entry.default_input_shape))
            variants.append(variant_data(entry, model, measured))
            done += 1
        site_families.append(family_data(entries_of_family, variants, model_cls or object))
    if progress is not None:
        progress(done, total, "running the guide's examples")
    guide = guide_data(traces, run_cli or library_cli)
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
