"""The flow: which drawn node each call belongs to, and the chart's edges.

Two ways to draw edges. `edges="data"` (the default for traces that know where each tensor came from) draws A -> B
exactly when B consumed a tensor A produced (viz.passes.dataflow), with merge ops and several inputs and outputs.
`edges="calls"` (and every trace without provenance, such as version 1 files) joins drawn nodes in the order the
forward called them, as described here.

Call order rules: a call goes to the drawn node that stands for its module (below the cut: the nearest drawn
ancestor; a folded group's later members and everything in them: the group node). Calls of modules whose own
children are drawn are skipped (they are drawn as a subgraph). Consecutive calls of the same module merge, but two
different members of a group in a row give the loop `mK_out -> mK_in`. Edges into a group with drawn children enter
at `mK_in`, edges out of it leave from `mK_out`; such a group gets `mK_in -> first node` and `last node -> mK_out`
inside it. Both ways share the attribution of calls to drawn nodes and these port rules.

>>> from viz.ir import Call, ModuleNode, Trace
>>> mods = [ModuleNode("", "", "Net", "user", children=["a", "b"]),
...         ModuleNode("a", "a", "Linear", "linear", builtin=True), ModuleNode("b", "b", "ReLU", "activation")]
>>> calls = [Call(0, "", [(1, 4)], [(1, 2)]), Call(1, "a", [(1, 4)], [(1, 2)]), Call(2, "b", [(1, 2)], [(1, 2)])]
>>> call_flow(build_tree(Trace("net", [(1, 4)], [(1, 2)], mods, calls))).edges
[('input', 'm1'), ('m1', 'm2'), ('m2', 'output')]
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from viz.ir import Call, Merge, ModuleNode, Shape, Trace
from viz.passes.tree import DrawnNode, DrawnTree, build_tree

__all__ = ["EDGE_MODES", "Flow", "IoNode", "OpNode", "build_tree", "call_flow"]

EDGE_MODES = ("data", "calls")
# (drawn node number, member index): which drawn node a call belongs to, and through which member of a group.
Target = tuple[int, int]


@dataclass(frozen=True)
class IoNode:
    """An input or output box: its id (`input`, `input0`, `output`, ...), its title and its tensors' shapes."""

    id: str
    title: str
    shapes: list[Shape]


@dataclass(frozen=True)
class OpNode:
    """A merge op drawn as a circle (`op0`, ...) inside the subgraph of drawn node `container`."""

    id: str
    merge: Merge
    container: int


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
    # Edges drawn dashed: the alternative ways into a folded group (through `mK_in`, or straight into the first
    # member's nodes), where a chart of call order also dashes any node entered from several places.
    dashed: frozenset[tuple[str, str]] = frozenset()
    # A drawn leaf called more than once is drawn once per call: node number -> the calls of its second, third,
    # ... drawing (`mK_2`, `mK_3`, ...), each with its own shapes.
    repeats: dict[int, list[Call]] = field(default_factory=dict)
    ops: list[OpNode] = field(default_factory=list)
    inputs: list[IoNode] = field(default_factory=list)
    outputs: list[IoNode] = field(default_factory=list)


def call_flow(tree: DrawnTree) -> Flow:
    """Attribute every call of the trace to a drawn node and join the drawn nodes in the order they were called."""
    targets = attribute(tree)
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
    entering: dict[str, list[tuple[str, str]]] = {}
    leaving: dict[str, list[tuple[str, str]]] = {}
    for number in ported:
        group = nodes[number]
        inside = [n for n, _ in sequence if group.contains(nodes[n])]
        if not inside:
            # The first member never ran on its own; fall back to the drawn order of its leaves.
            inside = [n.number for n in nodes[number + 1 : group.last_descendant + 1] if not n.children]
        entering[f"m{number}_in"] = [(f"m{number}_in", entry(inside[0]))]
        leaving[f"m{number}_out"] = [(exit_(inside[-1]), f"m{number}_out")]
    in_order = with_port_edges(list(edges), entering, leaving)

    first_call = first_calls(tree)
    failed = None if tree.trace.error is None else stands_for(tree, targets, tree.trace.error.path)
    in_degree = Counter(target for _, target in in_order)
    dashed = frozenset(edge for edge in in_order if in_degree[edge[1]] > 1)
    inputs, outputs = single_io(tree.trace)
    return Flow(sorted(set(in_order)), ported, first_call, failed, in_order, dashed, inputs=inputs, outputs=outputs)


def single_io(trace: Trace) -> tuple[list[IoNode], list[IoNode]]:
    """One input box and one output box (none for a partial trace, which ends at its error box)."""
    outputs = [] if trace.error is not None else [IoNode("output", "Output", trace.output_shapes)]
    return [IoNode("input", "Input", trace.input_shapes)], outputs


def first_calls(tree: DrawnTree) -> dict[int, Call | None]:
    """Each drawn node's first member's first call (None when never called): what its label shows."""
    first_call: dict[int, Call | None] = {node.number: None for node in tree.nodes}
    by_path = {node.members[0]: node.number for node in tree.nodes}
    for call in tree.trace.calls:
        number = by_path.get(call.path)
        if number is not None and first_call[number] is None:
            first_call[number] = call
    return first_call


def with_port_edges(
    walked: list[tuple[str, str]],
    entering: dict[str, list[tuple[str, str]]],
    leaving: dict[str, list[tuple[str, str]]],
) -> list[tuple[str, str]]:
    """The walked edges with each ported group's inner edges placed where the pass takes them: the edges from a
    group's `mK_in` right after the first edge into it, the edges into its `mK_out` right before the first edge out
    of it (layout engines that rank by edge order, such as Graphviz, then draw the pass in reading order)."""
    entering, leaving = dict(entering), dict(leaving)
    out: dict[tuple[str, str], None] = {}
    for source, target in walked:
        for edge in leaving.pop(source, []):
            out.setdefault(edge)
        out.setdefault((source, target))
        for edge in entering.pop(target, []):
            out.setdefault(edge)
    # A port no walked edge touched still gets its inner edges.
    for edges in [*entering.values(), *leaving.values()]:
        for edge in edges:
            out.setdefault(edge)
    return list(out)


def stands_for(tree: DrawnTree, targets: dict[str, Target | None], path: str) -> int | None:
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


def attribute(tree: DrawnTree) -> dict[str, Target | None]:
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
