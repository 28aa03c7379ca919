"""The drawn tree: the module tree with hidden classes dissolved, cut at a depth, and runs of repeats folded.

Drawn nodes are numbered m0, m1, ... in pre-order (root = m0). A run of two or more consecutive siblings with the
same structure (their class, and recursively the classes of their drawn children; a container's name too
unless it is a numeric index) folds into one node that stands for all of them and is drawn with its first member's
children, provided the run really repeats: its data flows through it as a chain, and layers (modules without
children) have the same shapes in every member (viz.passes.links).

>>> from viz.ir import ModuleNode, Trace
>>> mods = [ModuleNode("", "", "Net", "user", children=["0", "1"]),
...         ModuleNode("0", "0", "ReLU", "activation", builtin=True), ModuleNode("1", "1", "ReLU", "activation",
...         builtin=True)]
>>> [(n.id, n.module.class_name, len(n.members)) for n in build_tree(Trace("net", [], [], mods, [])).nodes]
[('m0', 'Net', 1), ('m1', 'ReLU', 2)]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from viz.ir import ModuleNode, Trace
from viz.passes.links import FoldRule


@dataclass
class DrawnNode:
    """One node of the chart: a module, or a folded run of sibling modules (`members`, first one drawn)."""

    number: int
    depth: int
    members: list[str]
    module: ModuleNode
    children: list[DrawnNode] = field(default_factory=list)
    # Numbers of the drawn nodes inside this one lie in (number, last_descendant]; pre-order makes that an interval.
    last_descendant: int = 0

    @property
    def id(self) -> str:
        return f"m{self.number}"

    @property
    def is_group(self) -> bool:
        return len(self.members) > 1

    def contains(self, other: DrawnNode) -> bool:
        """True when `other` is drawn inside this node (strictly)."""
        return self.number < other.number <= self.last_descendant


@dataclass
class DrawnTree:
    """The drawn nodes in pre-order (`nodes[k].number == k`), plus the view of the module tree they were cut from."""

    trace: Trace
    modules: dict[str, ModuleNode]
    nodes: list[DrawnNode]
    hidden: frozenset[str]

    @property
    def root(self) -> DrawnNode:
        return self.nodes[0]


def check_depth(depth: object, what: str = "draws only the model") -> None:
    """The one rule for a tree depth, shared by charts and summaries: an int >= 0 (any size: deeper than the model
    is the whole model)."""
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 0:
        raise ValueError(f"depth must be an int >= 0 (0 {what}), got {depth!r}")


def build_tree(trace: Trace, depth: int = 3, collapse_repeats: bool = True, hide: Iterable[str] = ()) -> DrawnTree:
    """Cut `trace`'s module tree at `depth` (root = 0), dissolving modules whose class is in `hide` (their
    children take their place) and folding runs of identical siblings when `collapse_repeats`."""
    check_depth(depth)
    if isinstance(hide, str):
        raise TypeError(f"hide takes a collection of class names, got the string {hide!r}; write hide=[{hide!r}]")
    hidden = frozenset(hide)
    for name in hidden:
        if not isinstance(name, str):
            raise TypeError(f"hide takes class names (str), got {name!r}")
    modules = trace.module_map()
    view = _view_children(modules, hidden)
    signature = _signatures(view, modules, depth)
    rule = FoldRule(trace, view)

    nodes: list[DrawnNode] = []
    stack: list[tuple[list[str], int, DrawnNode | None]] = [([""], 0, None)]
    while stack:
        members, level, parent = stack.pop()
        node = DrawnNode(len(nodes), level, members, modules[members[0]])
        nodes.append(node)
        if parent is not None:
            parent.children.append(node)
        if level < depth:
            children = view[members[0]]
            # Layers (modules without children) fold only with equal shapes: their label shows the first one's.
            leaves = {child for child in children if not view[child]}
            runs = _runs(members[0], children, signature, collapse_repeats, rule, leaves)
            for run in reversed(runs):
                stack.append((run, level + 1, node))
    # A node's last descendant is the largest number in its subtree; walking backwards settles children first.
    for node in reversed(nodes):
        node.last_descendant = node.children[-1].last_descendant if node.children else node.number
    return DrawnTree(trace, modules, nodes, hidden)


def _view_children(modules: dict[str, ModuleNode], hidden: frozenset[str]) -> dict[str, list[str]]:
    """Each module's children with hidden modules replaced by their own (visible) children, in order."""
    view: dict[str, list[str]] = {}
    for path, module in modules.items():
        out: list[str] = []
        pending = list(reversed(module.children))
        while pending:
            child = pending.pop()
            if modules[child].class_name in hidden:
                pending.extend(reversed(modules[child].children))
            else:
                out.append(child)
        view[path] = out
    return view


def _signatures(view: dict[str, list[str]], modules: dict[str, ModuleNode], depth: int) -> dict[str, int]:
    """A number per module at or above the cut: equal numbers mean equal drawn structure."""
    order: list[tuple[str, int]] = []
    stack = [("", 0)]
    while stack:
        path, level = stack.pop()
        order.append((path, level))
        if level < depth:
            stack.extend((child, level + 1) for child in view[path])
    table: dict[tuple[str, str, tuple[int, ...]], int] = {}
    signature: dict[str, int] = {}
    # Children appear after their parent in `order`, so walking it backwards computes them first.
    for path, level in reversed(order):
        module = modules[path]
        kids = tuple(signature[c] for c in view[path]) if level < depth else ()
        # A container with a name (`stem`, `stages`) is a role, not a repeat: `stem` and `stages` are both
        # Sequential but must not fold into "Sequential x 2". Numbered ones (`blocks.0`, `blocks.1`) still fold.
        role = module.name if module.is_container and not is_index(module.name) else ""
        signature[path] = table.setdefault((module.class_name, role, kids), len(table))
    return signature


def is_index(name: str) -> bool:
    """True for the numeric names Sequential and ModuleList give their entries ("0", "12")."""
    return name.isascii() and name.isdigit()


def _runs(
    parent: str, children: list[str], signature: dict[str, int], collapse: bool, rule: FoldRule, leaves: set[str]
) -> list[list[str]]:
    """Consecutive children with equal signatures that form a pure chain grouped into runs (see viz.passes.links);
    each child alone when not collapsing."""
    runs: list[list[str]] = []
    for child in children:
        previous = runs[-1][-1] if runs else None
        if (
            collapse
            and previous is not None
            and signature[runs[-1][0]] == signature[child]
            and rule.can_follow(parent, previous, child, leaf=child in leaves)
        ):
            runs[-1].append(child)
        else:
            runs.append([child])
    return runs
