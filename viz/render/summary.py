"""The summary table as plain text: a module tree with output shape, parameters, MACs and output memory, then
totals. No colour codes and no terminal-width logic, so it reads the same in a pipe, a file or a diff. Names come
from the trace, which may be a file from anywhere: control characters in them are written as escapes (`\\x1b`), so
a name cannot recolour the terminal, move the cursor or break a row in two.

>>> from viz.ir import Call, ModuleNode, Trace
>>> from viz.summary import summarise_trace
>>> trace = Trace("net", [(1, 4)], [(1, 2)], [ModuleNode("", "", "Linear", "linear", own_params=10,
...     total_params=10)], [Call(0, "", [(1, 4)], [(1, 2)], macs=8)])
>>> print(render_summary(summarise_trace(trace)).splitlines()[4])
Linear  (1,2)             10     8         8 B
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from viz.render.text import escape_controls, format_shapes

if TYPE_CHECKING:
    from viz.summary import Summary, SummaryRow

HEADERS = ("Module", "Output shape", "Params", "MACs", "Output mem")
GAP = "  "
MACS_NOTE = "MACs: convolutions, matrix products (linear, attention) and pooling; elementwise ops and norms count 0."


def render_summary(summary: Summary) -> str:
    """The table and totals of `summary` as text ending in a newline."""
    labels = _tree_labels(summary.rows)
    body = [
        (
            label,
            shape_text(row),
            f"{row.params:,}",
            f"{row.macs:,}",
            format_bytes(row.output_bytes) if row.calls else "--",
        )
        for label, row in zip(labels, summary.rows, strict=True)
    ]
    widths = [max(len(line[i]) for line in [HEADERS, *body]) for i in range(len(HEADERS))]
    width = sum(widths) + len(GAP) * (len(widths) - 1)
    title = f"{escape_controls(summary.model_name)}: input {format_shapes(summary.input_shapes)}, depth {summary.depth}"
    lines = [title, "=" * width, _line(HEADERS, widths), "=" * width]
    lines += [_line(cells, widths) for cells in body]
    lines.append("=" * width)
    lines += _totals(summary)
    lines.append("=" * width)
    lines.append(MACS_NOTE)
    return "\n".join(lines) + "\n"


def format_bytes(count: int) -> str:
    """Decimal units with two decimals: 512 B, 1.50 kB, 12.85 MB, 1.02 GB."""
    if count < 1000:
        return f"{count} B"
    value = float(count)
    for unit in ("kB", "MB", "GB", "TB"):
        value /= 1000
        if value < 1000 or unit == "TB":
            break
    return f"{value:.2f} {unit}"


def _line(cells: tuple[str, ...], widths: list[int]) -> str:
    # The module column reads left to right; numbers line up on the right.
    parts = [cells[0].ljust(widths[0]), cells[1].ljust(widths[1])]
    parts += [cell.rjust(w) for cell, w in zip(cells[2:], widths[2:], strict=True)]
    return GAP.join(parts).rstrip()


def shape_text(row: SummaryRow) -> str:
    if row.calls == 0:
        return "--"
    text = format_shapes(row.output_shapes)
    return f"{text} x{row.calls} calls" if row.calls > 1 else text


def _tree_labels(rows: list[SummaryRow]) -> list[str]:
    """`├─ name: Class` with guides: a row is the last of its siblings when no later row at its depth comes
    before the next shallower row. One backward pass settles that for every row."""
    last = [False] * len(rows)
    # seen_at[d]: whether a row at depth d has appeared (scanning backwards) since the last row shallower than d.
    seen_at: dict[int, bool] = {}
    for i in range(len(rows) - 1, -1, -1):
        depth = rows[i].depth
        last[i] = not seen_at.get(depth, False)
        seen_at[depth] = True
        for deeper in [d for d in seen_at if d > depth]:
            seen_at[deeper] = False
    labels = []
    open_guides: list[bool] = []  # per depth >= 1 above the current row: does that ancestor have later siblings?
    for i, row in enumerate(rows):
        if row.depth == 0:
            labels.append(escape_controls(row.class_name))
            open_guides = []
            continue
        del open_guides[row.depth - 1 :]
        prefix = "".join("│  " if more else "   " for more in open_guides)
        name, class_name = escape_controls(row.name), escape_controls(row.class_name)
        labels.append(f"{prefix}{'└─' if last[i] else '├─'} {name}: {class_name}")
        open_guides.append(not last[i])
    return labels


def totals(summary: Summary) -> list[tuple[str, str]]:
    """The table's closing (name, value) pairs, shared by the text table and the notebook's HTML table."""
    trainable = summary.trainable_params
    unknown = "unknown (the trace was saved by an older lucid-viz)"
    pairs = [
        ("Total params", f"{summary.total_params:,}"),
        ("Trainable params", f"{trainable:,}" if trainable is not None else unknown),
        ("Non-trainable params", f"{summary.total_params - trainable:,}" if trainable is not None else "unknown"),
        ("Total MACs", f"{summary.total_macs:,} ({summary.total_macs / 1e9:.2f} G)"),
        ("Input size", format_bytes(summary.input_bytes)),
        ("Activation memory", f"{format_bytes(summary.activation_bytes)} (outputs of leaf modules, float32)"),
        ("Parameter memory", format_bytes(summary.param_bytes)),
        ("Output", format_shapes(summary.output_shapes) if summary.error is None else "--"),
    ]
    if summary.error is not None:
        pairs.append(("Failed", escape_controls(summary.error)))
    pairs += [("Note", note) for note in summary.notes]
    return pairs


def _totals(summary: Summary) -> list[str]:
    pairs = totals(summary)
    key_width = max(len(key) for key, _ in pairs) + 1
    return [f"{(key + ':').ljust(key_width)} {value}" for key, value in pairs]
