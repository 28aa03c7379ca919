"""Graphviz DOT of a Trace: the same drawn tree, edges and node text as the Mermaid chart, as `cluster` subgraphs.

Pure: a Trace and options in, DOT text out (no Graphviz needed; viz.export turns it into SVG, PNG or PDF). The
tree cut, repeat folding and call-to-edge routing come from viz.passes, the node text from viz.render.labels and
the colours from viz.render.palette, so a DOT picture and a Mermaid chart of one trace show the same nodes.

Every label is an HTML-like label (`<...>`) built from escaped text, so a module name (a ModuleDict key can be
any string) cannot end the label or inject attributes. Node names are the drawn ids (m0, m1, ..., input,
output, error), never derived from user text.

>>> from viz.ir import Call, ModuleNode, Trace
>>> mods = [ModuleNode("", "", "Net", "user", children=["fc"]), ModuleNode("fc", "fc", "Linear", "linear",
...         builtin=True)]
>>> trace = Trace("net", [(1, 4)], [(1, 2)], mods, [Call(0, "", [(1, 4)], [(1, 2)]), Call(1, "fc", [(1, 4)], [(1, 2)])])
>>> [line.strip() for line in render_dot(trace).splitlines() if "->" in line]
['input -> m1;', 'm1 -> output;']
"""

from __future__ import annotations

import textwrap

from viz.ir import Trace
from viz.passes import DrawnNode, DrawnTree, Flow, build_flow, build_tree
from viz.render.labels import NodeContent, node_content
from viz.render.options import ChartOptions
from viz.render.palette import ERROR_COLOURS, IO_COLOURS, OP_COLOURS, PORT_COLOURS
from viz.render.text import format_shapes

FONT = "Helvetica,Arial,sans-serif"
PLAIN = ("#ffffff", "#4a5568")  # leaves without a family colour (user modules): white box, grey border
EDGE_COLOUR = "#4a5568"
# Clusters are translucent black over white, as in the Mermaid chart: nesting reads as darker shades.
CLUSTER_FILL = "#0000000d"
CLUSTER_STROKE = "#000000bf"
SMALL = 10  # point size of the shape, parameter and MAC lines
ERROR_WIDTH = 60  # an error message is wrapped to lines of at most this many characters


def render_dot(trace: Trace, options: ChartOptions | None = None, *, dpi: int | None = None) -> str:
    """The DOT text of `trace`. Options are the Mermaid chart's (`depth`, `direction`, `collapse_repeats`,
    `show_params`, `show_macs`, `hide`; `colour_safe` only concerns Mermaid). `dpi` sets the resolution of
    raster output (PNG); leave it None for SVG, PDF and DOT text.

    >>> from viz.ir import ModuleNode, Trace
    >>> render_dot(Trace("t", [(1,)], [(1,)], [ModuleNode("", "", "T", "user")], []), ChartOptions(depth=0))[:12]
    'digraph G {\\n'
    """
    options = options or ChartOptions()
    if dpi is not None and (isinstance(dpi, bool) or not isinstance(dpi, int) or dpi <= 0):
        raise ValueError(f"dpi must be a positive int (e.g. 150), got {dpi!r}")
    tree = build_tree(trace, options.depth, options.collapse_repeats, options.hide)
    flow = build_flow(tree, options.edges)
    graph = [
        f'rankdir={options.direction}, bgcolor="white", fontname="{FONT}", newrank=true',
        "nodesep=0.25, ranksep=0.35, pad=0.25",
    ]
    if dpi is not None:
        graph.append(f"dpi={dpi}")
    lines = ["digraph G {"]
    lines += [f"  graph [{line}];" for line in graph]
    lines.append(
        f'  node [shape=box, style="rounded,filled", fontname="{FONT}", fontsize=12, penwidth=1.2, margin="0.14,0.07"];'
    )
    lines.append(f'  edge [color="{EDGE_COLOUR}", penwidth=1.3, arrowsize=0.7];')
    lines += _tree_lines(tree, flow, options)
    lines += _io_lines(trace, flow)
    for source, target in flow.in_order:
        attributes = []
        # As in the Mermaid chart: the alternative ways into a folded group are dashed.
        if (source, target) in flow.dashed:
            attributes.append('style="dashed"')
        if _loops_back(tree, source, target):
            # A repeat's way back to its group's Input must not rank that Input after the group's nodes.
            attributes.append("constraint=false")
        suffix = f" [{', '.join(attributes)}]" if attributes else ""
        lines.append(f"  {source} -> {target}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _loops_back(tree: DrawnTree, source: str, target: str) -> bool:
    """True for an edge into a group's `mK_in` from inside that group or from its `mK_out`."""
    if not (target.startswith("m") and target.endswith("_in")):
        return False
    group = tree.nodes[int(target[1:-3])]
    if source == f"{group.id}_out":
        return True
    number = source[1:].removesuffix("_out").removesuffix("_in")
    return source.startswith("m") and number.isdigit() and group.contains(tree.nodes[int(number)])


def escape_html_label(text: str) -> str:
    """`text` made safe as the content of a Graphviz HTML-like label: markup characters become entities, and
    characters that cannot be drawn (controls, line separators, lone surrogates) are shown as their escapes.

    >>> escape_html_label('a<b> & "c"\\n')
    'a&lt;b&gt; &amp; &quot;c&quot;\\\\x0a'
    """
    out = []
    for char in text:
        code = ord(char)
        if char == "&":
            out.append("&amp;")
        elif char == "<":
            out.append("&lt;")
        elif char == ">":
            out.append("&gt;")
        elif char == '"':
            out.append("&quot;")
        elif code < 32 or 127 <= code < 160:
            out.append(f"\\x{code:02x}")
        elif char in "\u2028\u2029" or 0xD800 <= code < 0xE000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def _content_label(content: NodeContent, root: bool, left: bool = False) -> str:
    title = escape_html_label(content.title)
    parts = [f'<FONT POINT-SIZE="16"><B>{title}</B></FONT>' if root else title]
    if content.shapes is not None:
        colour = f' COLOR="{content.colours[1]}"' if content.colours else ""
        parts.append(f'<FONT POINT-SIZE="{SMALL}"{colour}>{escape_html_label(content.shapes)}</FONT>')
    for extra in (content.params, content.macs):
        if extra is not None:
            parts.append(f'<FONT POINT-SIZE="{SMALL}" COLOR="#4a5568">{escape_html_label(extra)}</FONT>')
    if left and len(parts) > 1:
        # A cluster's title sits at its top left; its count lines line up under it (a BR aligns the line before it).
        return "<" + "".join(part + '<BR ALIGN="LEFT"/>' for part in parts) + ">"
    return "<" + "<BR/>".join(parts) + ">"


def _tree_lines(tree: DrawnTree, flow: Flow, options: ChartOptions) -> list[str]:
    """Clusters for nodes with drawn children, boxes for the others, in pre-order (explicit stack)."""
    lines: list[str] = []
    ported = set(flow.ported)
    # An int on the stack is the indent of a cluster to close once all its children are written.
    stack: list[tuple[DrawnNode, int] | int | str] = [(tree.root, 1)]
    while stack:
        item = stack.pop()
        if isinstance(item, int):
            lines.append("  " * item + "}")
            continue
        if isinstance(item, str):
            lines.append(item)  # a merge circle, written when its cluster's children are done
            continue
        node, indent = item
        pad = "  " * indent
        content = node_content(tree, flow, node, options.show_params, options.show_macs, options.show_shapes)
        if not node.children:
            fill, stroke = ERROR_COLOURS if content.failed else content.colours or PLAIN
            # A leaf called again is drawn again, each drawing with its own call's shapes.
            repeats = flow.repeats.get(node.number, [])
            for node_id, call in [(node.id, None), *((f"{node.id}_{k}", c) for k, c in enumerate(repeats, 2))]:
                if call is not None:
                    content = node_content(
                        tree, flow, node, options.show_params, options.show_macs, options.show_shapes, call
                    )
                label = _content_label(content, root=node.number == 0)
                lines.append(f'{pad}{node_id} [label={label}, fillcolor="{fill}", color="{stroke}"];')
            continue
        label = _content_label(content, root=node.number == 0, left=True)
        fill, stroke, width = (*ERROR_COLOURS, 2) if content.failed else (CLUSTER_FILL, CLUSTER_STROKE, 1)
        lines.append(f"{pad}subgraph cluster_{node.id} {{")
        lines.append(
            f'{pad}  graph [label={label}, labeljust="l", style="rounded,filled", fillcolor="{fill}", '
            f'color="{stroke}", penwidth={width}, fontsize=13, margin=10];'
        )
        if node.number in ported:
            fill, stroke = PORT_COLOURS
            for port, text in (("in", "Input"), ("out", "Output")):
                lines.append(
                    f'{pad}  {node.id}_{port} [label="{text}", fillcolor="{fill}", color="{stroke}", fontsize=10, '
                    "height=0.3];"
                )
        stack.append(indent)
        stack.extend(_op_lines(flow, node.number, indent + 1, options.show_shapes))
        stack.extend((child, indent + 1) for child in reversed(node.children))
    return lines


def _op_lines(flow: Flow, container: int, indent: int, show_shapes: bool) -> list[int | str]:
    """The merge circles drawn in cluster `container`, as stack items (written after its children)."""
    fill, stroke = OP_COLOURS
    items: list[int | str] = []
    for op in flow.ops:
        if op.container != container:
            continue
        label = escape_html_label(op.merge.name)
        if show_shapes:
            label += (
                f'<BR/><FONT POINT-SIZE="{SMALL}">{escape_html_label(format_shapes(op.merge.output_shapes))}</FONT>'
            )
        items.append(
            f'{"  " * indent}{op.id} [label=<{label}>, shape=circle, style="filled", fillcolor="{fill}", '
            f'color="{stroke}", fontsize=10, margin=0.02];'
        )
    return list(reversed(items))


def _io_lines(trace: Trace, flow: Flow) -> list[str]:
    """The model's input and output nodes (or, for a partial trace, the error node)."""
    fill, stroke = IO_COLOURS
    lines = []
    for io in [*flow.inputs, *flow.outputs]:
        shapes = escape_html_label(format_shapes(io.shapes))
        lines.append(
            f'  {io.id} [label=<{escape_html_label(io.title)}<BR/><FONT POINT-SIZE="{SMALL}" COLOR="{stroke}">'
            f'{shapes}</FONT>>, fillcolor="{fill}", color="{stroke}"];'
        )
    if trace.error is None:
        return lines
    fill, stroke = ERROR_COLOURS
    where = escape_html_label(trace.error.path or trace.model_name)
    # Long messages wrap so the error box stays about as wide as the chart's other nodes.
    wrapped = textwrap.wrap(trace.error.message, ERROR_WIDTH) or [""]
    message = "<BR/>".join(escape_html_label(line) for line in wrapped)
    lines.append(
        f'  error [label=<Error in {where}<BR/><FONT POINT-SIZE="{SMALL}" COLOR="{stroke}">{message}</FONT>>, '
        f'fillcolor="{fill}", color="{stroke}"];'
    )
    return lines
