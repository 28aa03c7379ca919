"""Reading data-edge charts back for the tests: edges by readable name, checks that a chart is a well-formed DAG
apart from folded groups' loops, and the models of tests/viz/dataflow_models.py traced once each.

Edges are named, not numbered: `conv1` is the node drawn for the module at that path, `relu#2` its second drawing
(`mK_2`), `layer1.0:in` / `layer1.0:out` a folded group's ports, `opK` the K-th merge circle (numbered in the order
the merges ran), `input`, `input0`, `output1` the model's inputs and outputs. `draw` checks every chart it draws.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import dataflow_models as models

import lucid
import viz
from lucid import nn
from viz import Trace
from viz.passes import DrawnTree, build_tree

Edge = tuple[str, str]

_EDGE = re.compile(r"^(\S+) (-->|-\.->) (\S+);$")
# Leaves `id["..."];`, folded groups' ports `id(["..."]);` and merge circles `id(("..."));`.
_NODE = re.compile(r'^(\w+)(\["|\(\["|\(\(")(.*)("\]|"\]\)|"\)\));$')
_SUBGRAPH = re.compile(r'^subgraph sg_(\w+)\["(.*)"\]$')
_DRAWING = re.compile(r"^(m\d+)_(\d+)$")
_TAG = re.compile(r"<[^>]+>")


@dataclass
class Chart:
    """A Mermaid chart read back: its edges and nodes by readable name (see the module docstring)."""

    text: str
    tree: DrawnTree
    ids: dict[str, str] = field(default_factory=dict)  # readable name -> id
    names: dict[str, str] = field(default_factory=dict)  # id -> readable name
    kinds: dict[str, str] = field(default_factory=dict)  # id -> "box", "port", "circle" or "subgraph"
    lines: dict[str, list[str]] = field(default_factory=dict)  # id -> its label's lines, tags stripped
    parent: dict[str, str | None] = field(default_factory=dict)  # id -> the id of the subgraph it is drawn in
    raw_edges: set[Edge] = field(default_factory=set)
    dashed: set[Edge] = field(default_factory=set)

    @classmethod
    def parse(cls, text: str, tree: DrawnTree) -> Chart:
        chart = cls(text, tree)
        by_id = {}
        for node in tree.nodes:
            path = node.members[0] or "<model>"
            by_id.update({node.id: path, f"{node.id}_in": f"{path}:in", f"{node.id}_out": f"{path}:out"})
        open_subgraphs: list[str] = []
        for line in text.splitlines()[3:]:
            if line == "end":
                open_subgraphs.pop()
            elif match := _SUBGRAPH.match(line):
                chart._declare(match.group(1), "subgraph", match.group(2), open_subgraphs, by_id)
                open_subgraphs.append(match.group(1))
            elif match := _NODE.match(line):
                kind = {'["': "box", '(["': "port", '(("': "circle"}[match.group(2)]
                chart._declare(match.group(1), kind, match.group(3), open_subgraphs, by_id)
            elif match := _EDGE.match(line):
                edge = (match.group(1), match.group(3))
                assert edge not in chart.raw_edges, f"edge drawn twice: {line}"
                chart.raw_edges.add(edge)
                if match.group(2) == "-.->":
                    chart.dashed.add(edge)
            else:
                assert line.startswith("style "), f"unexpected line: {line!r}"
        assert not open_subgraphs, "a subgraph is never closed"
        return chart

    def _declare(self, node_id: str, kind: str, label: str, open_subgraphs: list[str], by_id: dict) -> None:
        assert node_id not in self.kinds, f"{node_id} declared twice"
        drawing = _DRAWING.match(node_id)
        if node_id in by_id:
            name = by_id[node_id]
        elif drawing and drawing.group(1) in by_id:
            name = f"{by_id[drawing.group(1)]}#{drawing.group(2)}"
        else:
            name = node_id  # input, output1, op0, error
        self.ids[name], self.names[node_id], self.kinds[node_id] = node_id, name, kind
        self.lines[node_id] = [_TAG.sub("", part) for part in label.split("<br/>")]
        self.parent[node_id] = open_subgraphs[-1] if open_subgraphs else None

    @property
    def edges(self) -> set[Edge]:
        """Every edge, by readable name."""
        return {(self.names.get(s, s), self.names.get(t, t)) for s, t in self.raw_edges}

    def title(self, name: str) -> str:
        return self.lines[self.ids[name]][0]

    def shapes(self, name: str) -> str | None:
        """The shape line of a node's label (None when it has none)."""
        lines = self.lines[self.ids[name]]
        return lines[1] if len(lines) > 1 else None

    @property
    def ops(self) -> dict[str, tuple[str, str]]:
        """Each merge circle: its op name and the readable name of the subgraph it is drawn in."""
        return {
            node_id: (self.lines[node_id][0], self.names[self.parent[node_id] or ""])
            for node_id, kind in self.kinds.items()
            if kind == "circle"
        }

    def titles(self) -> list[str]:
        return [lines[0] for node_id, lines in self.lines.items() if self.kinds[node_id] != "subgraph"]


def loop_edges(chart: Chart) -> set[Edge]:
    """The edges back into a folded group's `mK_in` from inside the group (its `mK_out`, or the last node of its
    first member): the way from one member to the next, the only edges a data chart may draw against the flow."""
    loops = set()
    for port in (node_id for node_id, kind in chart.kinds.items() if kind == "port" and node_id.endswith("_in")):
        group = port[: -len("_in")]
        for source, target in chart.raw_edges:
            ancestor = chart.parent.get(source)
            while ancestor is not None and ancestor != group:
                ancestor = chart.parent.get(ancestor)
            if target == port and ancestor == group:
                loops.add((source, target))
    return loops


def find_cycle(nodes: set[str], edges: set[Edge]) -> list[str] | None:
    """A cycle of the directed graph as a node list (first == last), or None when it is acyclic."""
    successors: dict[str, list[str]] = {node: [] for node in nodes}
    for source, target in sorted(edges):
        successors.setdefault(source, []).append(target)
        successors.setdefault(target, [])
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in sorted(successors):
        if start in state:
            continue
        path, stack = [start], [iter(successors[start])]
        state[start] = 1
        while stack:
            following = next(stack[-1], None)
            if following is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(following) == 1:
                return [*path[path.index(following) :], following]
            elif following not in state:
                state[following] = 1
                path.append(following)
                stack.append(iter(successors[following]))
    return None


def assert_well_formed_dag(chart: Chart) -> None:
    """Edges join declared nodes (Mermaid would silently invent a node for a misspelt id, and no edge may point at
    a subgraph), and the chart is acyclic once the folded groups' loops are set aside."""
    declared = {node_id for node_id, kind in chart.kinds.items() if kind != "subgraph"}
    undeclared = {end for edge in chart.raw_edges for end in edge} - declared
    assert not undeclared, f"edges to undeclared nodes: {sorted(undeclared)}"
    cycle = find_cycle(declared, chart.raw_edges - loop_edges(chart))
    assert cycle is None, "cycle: " + " -> ".join(chart.names.get(n, n) for n in cycle)


def draw(
    trace: Trace,
    depth: int,
    *,
    collapse_repeats: bool = True,
    hide: tuple[str, ...] | list[str] = (),
    **options: object,
) -> Chart:
    """The chart of `trace` at `depth`, read back; every data-edge chart must be a well-formed DAG."""
    text = viz.mermaid(trace, depth=depth, collapse_repeats=collapse_repeats, hide=hide, **options)
    chart = Chart.parse(text, build_tree(trace, depth, collapse_repeats, hide))
    if options.get("edges", "data") == "data":
        assert_well_formed_dag(chart)
    else:
        undeclared = {end for edge in chart.raw_edges for end in edge} - set(chart.kinds)
        assert not undeclared, f"edges to undeclared nodes: {sorted(undeclared)}"
    return chart


def chain(*names: str) -> set[Edge]:
    """The edges of a path through `names`, in order."""
    return set(itertools.pairwise(names))


def prefixed(prefix: str, *names: str) -> list[str]:
    return [f"{prefix}.{name}" for name in names]


# Each model traced once, shape-only: its chart is the real forward's (test_data_edges_odd_models checks one).
MODELS: dict[str, tuple[Callable[[], nn.Module], object, bool]] = {
    "identity_block": (models.identity_block, (1, 8, 8, 8), True),
    "projection_block": (models.projection_block, (1, 8, 8, 8), True),
    "resnet": (models.TinyResNet, (1, 3, 8, 8), True),
    "unet": (models.UNet, (1, 3, 16, 16), True),
    "inception": (models.InceptionNet, (1, 3, 8, 8), True),
    "actor_critic": (models.ActorCritic, ((2, 3, 8, 8), (2, 6)), True),
    "shared_activation": (models.SharedActivation, (1, 3, 8, 8), True),
    "vit": (models.TinyViT, (1, 3, 16, 16), True),
    "separate_qkv": (models.SeparateQKVAttention, (1, 5, 8), True),
    "functional_glue": (models.FunctionalGlue, (1, 3, 8, 8), True),
    "chain": (models.ChainOfBlocks, (2, 4), True),
    "long_skip": (models.ChainWithLongSkip, (2, 4), True),
    "widening_mlp": (models.widening_mlp, (2, 8), True),
    "square_mlp": (models.square_mlp, (2, 8), True),
    "returns_float": (models.ReturnsFloat, (2, 4), True),
    "returns_none": (models.ReturnsNone, (2, 4), True),
    "returns_tensor_and_float": (models.ReturnsTensorAndFloat, (2, 4), True),
    "in_place_writes": (models.InPlaceWrites, (2, 4), True),
    "in_place_into_activation": (models.InPlaceIntoActivation, (2, 4), True),
    "made_in_forward": (models.MadeInForward, (2, 4), True),
    "unused_output": (models.UnusedOutput, (2, 4), True),
    "linear_probe": (models.LinearProbe, (1, 3, 8, 8), True),
    "greedy_step": (models.GreedyStep, (2, 5, 8), True),
    "shared_module_in_blocks": (models.SharedModuleInBlocks, (2, 4), True),
}


@functools.cache
def traced(name: str) -> Trace:
    build, shape, meta = MODELS[name]
    lucid.random.seed(0)
    return viz.trace(build(), shape, meta=meta)
