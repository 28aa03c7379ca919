"""What a drawn node says, as plain text: shared by every chart renderer, which only add their own markup.

A node's content is its title (the model's name for the root, `Class x N` for a folded run, a named container's
name, else the class name), the shape change of its first call (leaves only, when the shapes change), and on
request its parameter and MAC counts. Colours come from viz.render.palette.

>>> from viz.ir import Call, ModuleNode, Trace
>>> from viz.passes import build_flow, build_tree
>>> mods = [ModuleNode("", "", "Net", "user", children=["fc"]), ModuleNode("fc", "fc", "Linear", "linear",
...         builtin=True, total_params=10)]
>>> trace = Trace("net", [(1, 4)], [(1, 2)], mods, [Call(0, "", [(1, 4)], [(1, 2)]), Call(1, "fc", [(1, 4)],
...     [(1, 2)], macs=8)])
>>> tree = build_tree(trace)
>>> content = node_content(tree, build_flow(tree), tree.nodes[1], show_params=True, show_macs=True)
>>> content.title, content.shapes, content.params, content.macs, content.colours
('Linear', '(1,4) → (1,2)', '10 params', '8 MACs', ('#ebf8ff', '#2b6cb0'))
"""

from __future__ import annotations

from dataclasses import dataclass

from viz.ir import Call
from viz.passes import DrawnNode, DrawnTree, Flow
from viz.passes.tree import is_index
from viz.render.palette import family_colours
from viz.render.text import format_count, format_shapes


@dataclass(frozen=True)
class NodeContent:
    """A drawn node's text lines (unescaped; None when a line is absent), its family's (fill, stroke) or None
    when it is drawn plain (containers, user modules), and whether a partial trace failed in it (renderers draw
    that box in the error colours, its shape text still in the family colour)."""

    title: str
    shapes: str | None
    params: str | None
    macs: str | None
    colours: tuple[str, str] | None
    failed: bool = False


def node_title(tree: DrawnTree, node: DrawnNode) -> str:
    """The first line of a node: model name (root), `Class x N` (folded run), container name, or class name."""
    module = node.module
    if node.number == 0:
        return tree.trace.model_name
    if node.is_group:
        return f"{module.class_name} x {len(node.members)}"
    if node.children and module.is_container and not is_index(module.name):
        return module.name
    return module.class_name


def node_content(
    tree: DrawnTree,
    flow: Flow,
    node: DrawnNode,
    show_params: bool,
    show_macs: bool,
    show_shapes: bool = False,
    call: Call | None = None,
) -> NodeContent:
    """Everything a renderer writes on `node` (see the module docstring); `call` is the call a later drawing of a
    leaf stands for (default: the node's first call), `show_shapes` writes a leaf's shapes even when they do not
    change."""
    module = node.module
    colours = family_colours(module.family, module.builtin, module.is_container)
    shapes = None
    if not node.children:
        call = call or flow.first_call[node.number]
        if call is not None and (show_shapes or call.input_shapes != call.output_shapes):
            # A call that raised has no outputs: say so rather than draw an empty list.
            failed = tree.trace.error is not None and not call.output_shapes
            outputs = "failed" if failed else format_shapes(call.output_shapes)
            shapes = f"{format_shapes(call.input_shapes)} → {outputs}"
    params = None
    if show_params:
        count = sum(tree.modules[path].total_params for path in node.members)
        params = f"{format_count(count)} params" if count else None
    macs = None
    if show_macs:
        total = macs_within(tree, node.members)
        macs = f"{format_count(total)} MACs" if total else None
    return NodeContent(node_title(tree, node), shapes, params, macs, colours, node.number == flow.failed)


def macs_within(tree: DrawnTree, members: list[str]) -> int:
    """MACs of every call made inside the given modules (each member and all its submodules)."""
    calls = tree.trace.calls
    if "" in members:
        return sum(call.macs for call in calls)
    inside = set(members)
    prefixes = tuple(member + "." for member in members)
    return sum(call.macs for call in calls if call.path in inside or call.path.startswith(prefixes))
