"""The flow: which drawn node each call belongs to, and the edges between drawn nodes in execution order.

Rules: a call goes to the drawn node that stands for its module (below the cut: the nearest drawn ancestor; a folded
group's later members and everything in them: the group node). Calls of modules whose own children are drawn are
skipped (they are drawn as a subgraph). Consecutive calls of the same module merge, but two different members of a
group in a row give the loop `mK_out -> mK_in`. Edges into a group with drawn children enter at `mK_in`, edges out
of it leave from `mK_out`; such a group gets `mK_in -> first node` and `last node -> mK_out` inside it.

>>> from viz.ir import Call, ModuleNode, Trace
>>> mods = [ModuleNode("", "", "Net", "user", children=["a", "b"]),
...         ModuleNode("a", "a", "Linear", "linear", builtin=True), ModuleNode("b", "b", "ReLU", "activation")]
>>> calls = [Call(0, "", [(1, 4)], [(1, 2)]), Call(1, "a", [(1, 4)], [(1, 2)]), Call(2, "b", [(1, 2)], [(1, 2)])]
>>> build_flow(build_tree(Trace("net", [(1, 4)], [(1, 2)], mods, calls))).edges
[('input', 'm1'), ('m1', 'm2'), ('m2', 'output')]
"""

from __future__ import annotations

from dataclasses import dataclass, field

from viz.ir import Call, ModuleNode
from viz.passes.tree import DrawnNode, DrawnTree, build_tree

__all__ = ["Flow", "build_flow", "build_tree"]

# (drawn node number, member index): which drawn node a call belongs to, and through which member of a group.
Target = tuple[int, int]


@dataclass
class Flow:
    """Edges as (source, target) endpoint names ("input", "output", "error", "mK", "mK_in", "mK_out"), sorted;
    `ported` lists the numbers of groups drawn with `mK_in`/`mK_out` stadium nodes; `first_call` maps each drawn
    node's number to its first member's first call (None when never called); `failed` is the drawn node that
    stands for the module a partial trace failed in (None for a complete trace). `in_order` holds the same
    edges in the order the forward pass first took them (a group's `mK_in -> first` right after the first edge
    into `mK_in`, its `last -> mK_out` right before the first edge out of `mK_out`): layout engines that rank
    nodes by edge order (Graphviz) then draw the pass in reading order."""

    edges: list[tuple[str, str]]
    ported: list[int]
    first_call: dict[int, Call | None]
    failed: int | None = None
    in_order: list[tuple[str, str]] = field(default_factory=list)


def build_flow(tree: DrawnTree) -> Flow:
    """Attribute every call of the trace to a drawn node and derive the chart's edges."""
    targets = _attribute(tree)
    sequence: list[Target] = []
    for call in tree.trace.calls:
        target = targets[call.path]
        if target is not None and (not sequence or sequence[-1] != target):
            sequence.append(target)

    nodes = tree.nodes

    def has_ports(number: int) -> bool:
        return nodes[number].is_group and bool(nodes[number].children)

    def entry(number: int) -> str:
        return f"m{number}_in" if has_ports(number) else f"m{number}"

    def exit_(number: int) -> str:
        return f"m{number}_out" if has_ports(number) else f"m{number}"

    # A dict keeps the order edges were first taken (a set would lose it).
    edges: dict[tuple[str, str], None] = {}
    previous = "input"
    previous_number: int | None = None
    for number, _member in sequence:
        if number != previous_number:
            edges[(previous, entry(number))] = None
        elif has_ports(number):
            # Same node, another member of its group: the loop back through the group.
            edges[(exit_(number), entry(number))] = None
        # A repeated leaf group gets no self-loop: its "x N" label already says it repeats.
        previous, previous_number = exit_(number), number
    edges[(previous, "error" if tree.trace.error is not None else "output")] = None

    ported = sorted({number for number, _ in sequence if has_ports(number)})
    inner: dict[int, tuple[tuple[str, str], tuple[str, str]]] = {}
    for number in ported:
        group = nodes[number]
        inside = [n for n, _ in sequence if group.contains(nodes[n])]
        if not inside:
            # The first member never ran on its own; fall back to the drawn order of its leaves.
            inside = [n.number for n in nodes[number + 1 : group.last_descendant + 1] if not n.children]
        inner[number] = ((f"m{number}_in", entry(inside[0])), (exit_(inside[-1]), f"m{number}_out"))
    in_order = _with_port_edges(list(edges), inner)

    first_call: dict[int, Call | None] = {node.number: None for node in nodes}
    by_path = {node.members[0]: node.number for node in nodes}
    for call in tree.trace.calls:
        number = by_path.get(call.path)
        if number is not None and first_call[number] is None:
            first_call[number] = call
    failed = None if tree.trace.error is None else _stands_for(tree, targets, tree.trace.error.path)
    return Flow(sorted(set(in_order)), ported, first_call, failed, in_order)


def _with_port_edges(
    walked: list[tuple[str, str]], inner: dict[int, tuple[tuple[str, str], tuple[str, str]]]
) -> list[tuple[str, str]]:
    """The walked edges with each ported group's inner edges placed where the pass takes them."""
    entering = {f"m{number}_in": pair[0] for number, pair in inner.items()}
    leaving = {f"m{number}_out": pair[1] for number, pair in inner.items()}
    out: dict[tuple[str, str], None] = {}
    for source, target in walked:
        if source in leaving:
            out.setdefault(leaving.pop(source))
        out.setdefault((source, target))
        if target in entering:
            out.setdefault(entering.pop(target))
    # A port no walked edge touched still gets its inner edge (cannot happen for a ported group; kept for safety).
    for edge in [*entering.values(), *leaving.values()]:
        out.setdefault(edge)
    return list(out)


def _stands_for(tree: DrawnTree, targets: dict[str, Target | None], path: str) -> int | None:
    """The drawn node that stands for the module at `path`: its call's target, or the node drawn for it, or
    (for a hidden module) the nearest drawn ancestor's."""
    drawn = {node.members[0]: node.number for node in tree.nodes}
    parent = {child: module.path for module in tree.modules.values() for child in module.children}
    current: str | None = path
    while current is not None:
        if current in drawn:
            return drawn[current]
        target = targets.get(current)
        if target is not None:
            return target[0]
        current = parent.get(current)
    return None


def _attribute(tree: DrawnTree) -> dict[str, Target | None]:
    """Each module path -> the drawn node its calls belong to, or None when its calls are skipped."""
    modules = tree.modules
    targets: dict[str, Target | None] = {}

    def claim(root: str, target: Target) -> None:
        stack = [root]
        while stack:
            path = stack.pop()
            targets[path] = target
            stack.extend(modules[path].children)

    for node in tree.nodes:
        if node.children:
            _skip_between(node, modules, targets)
        else:
            claim(node.members[0], (node.number, 0))
        for index, member in enumerate(node.members[1:], start=1):
            claim(member, (node.number, index))
    return targets


def _skip_between(node: DrawnNode, modules: dict[str, ModuleNode], targets: dict[str, Target | None]) -> None:
    """Skip the node's own calls and those of hidden modules between it and its drawn children."""
    drawn = {member for child in node.children for member in child.members}
    stack = [node.members[0]]
    while stack:
        path = stack.pop()
        targets[path] = None
        stack.extend(child for child in modules[path].children if child not in drawn)
