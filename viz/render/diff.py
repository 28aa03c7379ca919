"""A Mermaid chart of a model with the modules that changed (against another model or a snapshot) highlighted.

The chart is the ordinary chart of the new trace; highlight `style` lines are appended for the drawn node of each
changed module (or, when it lies below the drawn depth or inside a hidden class, its nearest drawn ancestor).
Node ids come from the same tree pass the Mermaid renderer uses, so they name the same nodes.

>>> from viz.ir import Call, ModuleNode, Trace
>>> mods = [ModuleNode("", "", "Net", "user", children=["fc"]), ModuleNode("fc", "fc", "Linear", "linear",
...         builtin=True)]
>>> trace = Trace("net", [(1, 4)], [(1, 2)], mods, [Call(0, "", [(1, 4)], [(1, 2)]), Call(1, "fc", [(1, 4)],
...     [(1, 2)])])
>>> highlight_lines(trace, ["fc"], origin="fc")
['style m1 fill:#fee2e2,stroke:#b91c1c,stroke-width:3px;']
"""

from __future__ import annotations

from collections.abc import Iterable

from viz.ir import Trace
from viz.passes import DrawnNode, build_tree
from viz.render.mermaid import mermaid_chart
from viz.render.options import ChartOptions

CHANGED = ("#fef3c7", "#d97706")  # amber: changed because something before it changed
ORIGIN = ("#fee2e2", "#b91c1c")  # red: where the change starts


def highlight_lines(
    trace: Trace, changed_paths: Iterable[str], origin: str | None = None, options: ChartOptions | None = None
) -> list[str]:
    """Mermaid `style` lines marking the drawn nodes of `changed_paths` (the model itself is never marked: its
    box holds everything). The node holding `origin` is red, the others amber; lines are in node order."""
    options = options or ChartOptions()
    tree = build_tree(trace, options.depth, options.collapse_repeats, options.hide)
    drawn: dict[str, DrawnNode] = {}
    for node in tree.nodes:
        for member in node.members:
            drawn[member] = node
    marked: dict[int, bool] = {}  # node number -> holds the origin
    for path in changed_paths:
        node = _nearest_drawn(path, drawn)
        if node is not None and node.number != 0:
            marked[node.number] = marked.get(node.number, False) or path == origin
    if origin is not None:
        node = _nearest_drawn(origin, drawn)
        if node is not None and node.number != 0:
            marked[node.number] = True
    lines = []
    for number in sorted(marked):
        node = tree.nodes[number]
        fill, stroke = ORIGIN if marked[number] else CHANGED
        if node.children:
            # A subgraph keeps its own fill, so the nodes inside stay readable; only its border changes.
            lines.append(f"style sg_{node.id} stroke:{stroke},stroke-width:3px")
        else:
            lines.append(f"style {node.id} fill:{fill},stroke:{stroke},stroke-width:3px;")
    return lines


def render_diff_mermaid(
    trace: Trace, changed_paths: Iterable[str], origin: str | None = None, options: ChartOptions | None = None
) -> str:
    """The chart of `trace` with the changed modules highlighted (see `highlight_lines`)."""
    options = options or ChartOptions()
    # The same options, flow and tree as the ordinary chart, so the highlighted ids are the drawn ones.
    chart = mermaid_chart(trace, options).text
    extra = highlight_lines(trace, changed_paths, origin, options)
    return chart.rstrip("\n") + "\n" + "".join(line + "\n" for line in extra)


def _nearest_drawn(path: str, drawn: dict[str, DrawnNode]) -> DrawnNode | None:
    """The drawn node of `path` or of its closest ancestor (walking up the dotted path; no recursion)."""
    current = path
    while True:
        if current in drawn:
            return drawn[current]
        if not current:
            return None
        current = current.rsplit(".", 1)[0] if "." in current else ""
