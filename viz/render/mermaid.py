"""Mermaid flowchart of a Trace: the module tree as nested subgraphs, calls as edges in execution order.

Pure: a Trace and options in, text out. See viz.passes for how the tree is cut and folded and how calls become
edges; this module only writes lines.

>>> from viz.ir import Call, ModuleNode, Trace
>>> mods = [ModuleNode("", "", "Net", "user", children=["fc"]), ModuleNode("fc", "fc", "Linear", "linear",
...         builtin=True)]
>>> trace = Trace("net", [(1, 4)], [(1, 2)], mods, [Call(0, "", [(1, 4)], [(1, 2)]), Call(1, "fc", [(1, 4)], [(1, 2)])])
>>> render_mermaid(trace).splitlines()[-2:]
['input --> m1;', 'm1 --> output;']
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace

from viz.ir import Call, Trace
from viz.passes import DrawnNode, DrawnTree, Flow, build_flow, build_tree
from viz.passes.flow import OpNode
from viz.render.labels import node_content
from viz.render.options import ChartOptions
from viz.render.palette import ERROR_COLOURS, IO_COLOURS, OP_COLOURS, PORT_COLOURS, SUBGRAPH_STYLE, family_colours
from viz.render.text import escape_mermaid, format_shapes

# Mermaid refuses larger charts by default (maxTextSize, maxEdges).
MAX_TEXT = 50_000
MAX_EDGES = 500


class MermaidLimitWarning(UserWarning):
    """The chart is larger than Mermaid draws by default."""


# The options every renderer takes; the old name stays for existing code.
MermaidOptions = ChartOptions


@dataclass
class MermaidChart:
    """The chart text, its edge count, and warnings (e.g. over Mermaid's size limits) for the caller to show."""

    text: str
    edge_count: int
    warnings: list[str] = field(default_factory=list)


def render_mermaid(trace: Trace, **options: object) -> str:
    """The Mermaid chart of `trace`; options as in `ChartOptions`. Over Mermaid's limits it warns
    (`MermaidLimitWarning`) with a depth that fits."""
    chart = mermaid_chart(trace, ChartOptions(**options))  # type: ignore[arg-type]
    for message in chart.warnings:
        warnings.warn(message, MermaidLimitWarning, stacklevel=2)
    return chart.text


def mermaid_chart(trace: Trace, options: ChartOptions | None = None) -> MermaidChart:
    """The chart and its warnings, without emitting them (the CLI prints them to stderr)."""
    options = options or ChartOptions()
    text, edge_count = _draw(trace, options)
    chart = MermaidChart(text, edge_count)
    if len(text) > MAX_TEXT or edge_count > MAX_EDGES:
        chart.warnings.append(_limit_message(trace, options, text, edge_count))
    return chart


def fitting_chart(trace: Trace, options: ChartOptions) -> tuple[int, MermaidChart] | None:
    """The deepest depth below `options.depth` whose chart Mermaid draws by default, with that chart; None when even
    depth 0 is too large."""
    # Below the model's own depth every depth draws the same chart, so the search starts there (any depth, even
    # 10**8, answers at once).
    deepest = max(depth for _, depth in trace.walk())
    for depth in range(min(options.depth, deepest) - 1, -1, -1):
        text, edges = _draw(trace, replace(options, depth=depth))
        if len(text) <= MAX_TEXT and edges <= MAX_EDGES:
            return depth, MermaidChart(text, edges)
    return None


def _limit_message(trace: Trace, options: ChartOptions, text: str, edge_count: int) -> str:
    found = (
        f"the Mermaid chart of {trace.model_name!r} at depth {options.depth} has {len(text):,} characters and "
        f"{edge_count} edges; Mermaid draws at most {MAX_TEXT:,} characters and {MAX_EDGES} edges by default"
    )
    fitting = fitting_chart(trace, options)
    if fitting is None:
        return f"{found}. Even depth 0 is too large; hide classes or raise maxTextSize/maxEdges in mermaid.initialize."
    depth, smaller = fitting
    return f"{found}. Use depth={depth} ({len(smaller.text):,} characters, {smaller.edge_count} edges)."


def _draw(trace: Trace, options: ChartOptions) -> tuple[str, int]:
    tree = build_tree(trace, options.depth, options.collapse_repeats, options.hide)
    flow = build_flow(tree, options.edges)
    writer = _Writer(tree, flow, options)
    lines = [
        '%%{init: {"flowchart":{"curve":"'
        + ("monotoneX" if options.direction == "LR" else "monotoneY")
        + '","nodeSpacing":50,"rankSpacing":50}} }%%',
        f"flowchart {options.direction}",
        "linkStyle default stroke-width:2.0px",
    ]
    lines += writer.tree_lines()
    lines += writer.io_lines()
    lines += writer.styles
    lines += writer.op_styles
    for source, target in flow.edges:
        arrow = "-.->" if (source, target) in flow.dashed else "-->"
        lines.append(f"{source} {arrow} {target};")
    return "\n".join(lines) + "\n", len(flow.edges)


class _Writer:
    """Writes node lines; collects leaf style lines (in node-number order) for after the tree."""

    def __init__(self, tree: DrawnTree, flow: Flow, options: ChartOptions) -> None:
        self.tree = tree
        self.flow = flow
        self.options = options
        self.ported = set(flow.ported)
        self.styles: list[str] = []
        self.op_styles: list[str] = []
        self.ops_in: dict[int, list[OpNode]] = {}
        for op in flow.ops:
            self.ops_in.setdefault(op.container, []).append(op)

    def span(self, text: str, colour: str | None) -> str:
        if colour is None:
            style = "font-size:11px;font-weight:400"
        elif self.options.colour_safe:
            # mermaid 11 reads "#c53030;" as an entity code and drops the colour; ending on it avoids that.
            style = f"font-size:11px;font-weight:400;color:{colour}"
        else:
            style = f"font-size:11px;color:{colour};font-weight:400"
        return f"<span style='{style}'>{text}</span>"

    def tree_lines(self) -> list[str]:
        lines: list[str] = []
        # None closes the innermost open subgraph, after the merges drawn in it.
        stack: list[DrawnNode | None] = [self.tree.root]
        open_subgraphs: list[DrawnNode] = []
        while stack:
            node = stack.pop()
            if node is None:
                lines += self.op_lines(open_subgraphs.pop().number)
                lines.append("end")
            elif node.children:
                open_subgraphs.append(node)
                lines.append(f'subgraph sg_{node.id}["{self.label(node)}"]')
                if node.number == self.flow.failed:
                    fill, stroke = ERROR_COLOURS
                    lines.append(f"style sg_{node.id} fill:{fill},stroke:{stroke},stroke-width:2px")
                else:
                    lines.append(f"style sg_{node.id} {SUBGRAPH_STYLE}")
                if node.number in self.ported:
                    lines += [f'{node.id}_in(["Input"]);', f'{node.id}_out(["Output"]);']
                    fill, stroke = PORT_COLOURS
                    for port in ("in", "out"):
                        lines.append(f"style {node.id}_{port} fill:{fill},stroke:{stroke},stroke-width:1px;")
                stack.append(None)
                stack.extend(reversed(node.children))
            else:
                colours = family_colours(node.module.family, node.module.builtin, node.module.is_container)
                if node.number == self.flow.failed:
                    colours = ERROR_COLOURS
                # A leaf called again is drawn again, each drawing with its own call's shapes.
                drawings = [(node.id, None)]
                drawings += [
                    (f"{node.id}_{k}", call) for k, call in enumerate(self.flow.repeats.get(node.number, []), 2)
                ]
                for node_id, call in drawings:
                    lines.append(f'{node_id}["{self.label(node, call)}"];')
                    if colours is not None:
                        self.styles.append(f"style {node_id} fill:{colours[0]},stroke:{colours[1]},stroke-width:1px;")
        return lines

    def op_lines(self, container: int) -> list[str]:
        """The merge circles drawn in subgraph `container`; their styles go after the leaves' styles."""
        lines = []
        fill, stroke = OP_COLOURS
        for op in self.ops_in.get(container, []):
            text = escape_mermaid(op.merge.name)
            if self.options.show_shapes:
                text += "<br/>" + self.span(format_shapes(op.merge.output_shapes), None)
            lines.append(f'{op.id}(("{text}"));')
            self.op_styles.append(f"style {op.id} fill:{fill},stroke:{stroke},stroke-width:1px;")
        return lines

    def label(self, node: DrawnNode, call: Call | None = None) -> str:
        options = self.options
        content = node_content(
            self.tree, self.flow, node, options.show_params, options.show_macs, options.show_shapes, call
        )
        text = escape_mermaid(content.title)
        if node.number == 0:
            text = f"<span style='font-size:20px;font-weight:700'>{text}</span>"
        if content.shapes is not None:
            text += "<br/>" + self.span(content.shapes, content.colours[1] if content.colours else None)
        for extra in (content.params, content.macs):
            if extra is not None:
                text += "<br/>" + self.span(extra, None)
        return text

    def io_lines(self) -> list[str]:
        trace = self.tree.trace
        stroke = IO_COLOURS[1]
        lines = []
        ends = []
        for io in [*self.flow.inputs, *self.flow.outputs]:
            lines.append(f'{io.id}["{escape_mermaid(io.title)}<br/>{self.span(format_shapes(io.shapes), stroke)}"];')
            ends.append((io.id, IO_COLOURS))
        if trace.error is not None:
            where = escape_mermaid(trace.error.path or trace.model_name)
            message = escape_mermaid(trace.error.message)
            lines.append(f'error["Error in {where}<br/>{self.span(message, ERROR_COLOURS[1])}"];')
            ends.append(("error", ERROR_COLOURS))
        for name, (fill, stroke) in ends:
            lines.append(f"style {name} fill:{fill},stroke:{stroke},stroke-width:1px;")
        return lines
