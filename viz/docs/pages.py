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

# The guide runs these lucid-viz commands and shows what they print: (title, explanation, argv, is a chart).
GUIDE_COMMANDS: tuple[tuple[str, str, tuple[str, ...], bool], ...] = (
    (
        "Draw a registered model",
        "Name a registered model to print its Mermaid chart: the module tree three levels deep, every leaf "
        "with the shapes it maps, repeated stages folded into one box with a loop edge.",
        ("efficientformer_l1",),
        True,
    ),
    (
        "Choose the depth and direction",
        "`--depth` sets how many levels of the module tree are drawn; `--direction TB` lays the chart out top "
        "to bottom.",
        ("efficientformer_l1", "--depth", "1", "--direction", "TB"),
        True,
    ),
    (
        "List the models",
        "`--list` prints every registered name (the same list as `lucid.models.list_models()`).",
        ("--list",),
        False,
    ),
)


def measure(model: Any, input_shape: tuple[int, ...]) -> dict[str, Any]:
    """Trace `model` on `input_shape` and draw it: the chart the pages show and, when known, its MACs."""
    from viz.render.mermaid import MermaidOptions, mermaid_chart
    from viz.trace import trace

    recorded = trace(model, input_shape=input_shape)
    # Mermaid 11 drops `color:#hex;` when another property follows it in an inline label style, so the docs
    # draw with `colour_safe` (colour last); the CLI keeps the reference chart's byte-exact order.
    chart = mermaid_chart(recorded, MermaidOptions(depth=CHART_DEPTH, colour_safe=True))
    if chart.warnings:
        # Over Mermaid's size limits the browser draws an error box instead of the chart: never publish that.
        raise ValueError(f"docs chart of {recorded.model_name}: " + "; ".join(chart.warnings))
    macs = _macs(recorded)
    return {
        "chart": chart.text.rstrip("\n"),
        "macs": macs,
        "macs_text": f"{macs:,}" if macs is not None else "",
    }


def _macs(recorded: Any) -> int | None:
    # MACs come from the summary renderer when lucid-viz has one; the index then shows them.
    try:
        from viz.render import summary
    except ImportError:
        return None
    counter = getattr(summary, "total_macs", None)
    return int(counter(recorded)) if counter is not None else None


def run_cli(argv: tuple[str, ...]) -> str:
    """What `lucid-viz ARGV` prints on stdout (the real CLI, run in-process)."""
    from viz.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(list(argv))
    if code != 0:
        raise RuntimeError(f"lucid-viz {' '.join(argv)} exited with {code}; the guide cannot show its output")
    return out.getvalue().rstrip("\n")


def guide_data() -> dict[str, Any]:
    examples = []
    for title, text, argv, is_chart in GUIDE_COMMANDS:
        examples.append(
            {
                "title": title,
                "text": text,
                "language": "bash",
                "command": "lucid-viz " + " ".join(argv),
                "output": run_cli(argv),
                "chart": is_chart,
            }
        )
    return {"examples": examples}


def collect_site(progress: Progress | None = None) -> dict[str, Any]:
    """All page data: families in name order, each with its variants traced and measured."""
    import lucid.models as models

    entries = [models.get_model_entry(name) for name in models.list_models()]
    families = group_by_family(entries)
    total = len(entries) + 2  # each model traced, the guide's commands, the pages written
    done = 0
    site_families = []
    for entries_of_family in families.values():
        variants = []
        model_cls: type | None = None
        for entry in entries_of_family:
            if progress is not None:
                progress(done, total, f"tracing {entry.name}")
            model = entry.factory()
            model_cls = model_cls or type(model)
            measured = measure(model, tuple(entry.default_input_shape))
            variants.append(variant_data(entry, model, measured))
            done += 1
        site_families.append(family_data(entries_of_family, variants, model_cls or object))
    if progress is not None:
        progress(done, total, "running the guide's commands")
    guide = guide_data()
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
