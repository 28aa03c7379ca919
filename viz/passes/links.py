"""Which module's data feeds which, at the level of the module tree: what folding needs to know.

A run of same-structure siblings folds into one `Class x N` node only when it is a pure chain: each member after the
first consumes the previous member's output and nothing else from outside itself, and each member's output but the
last one's goes only to the next member. A layer (a module without children) also needs the same shapes in every
member's calls, since a folded layer's label shows the first one's. Parallel branches, encoder stages whose
outputs also feed a decoder, and an MLP whose widths change therefore stay apart.

>>> from viz.ir import Call, ModuleNode, Port, Trace
>>> mods = [ModuleNode("", "", "Net", "user", children=["a", "b"]), ModuleNode("a", "a", "ReLU", "activation"),
...         ModuleNode("b", "b", "ReLU", "activation")]
>>> calls = [Call(0, "", [(2,)], [(2,)], sources=[("input", 0, 0)], returned=[("call", 2, 0)]),
...          Call(1, "a", [(2,)], [(2,)], parent=0, sources=[("input", 0, 0)], returned=[("input", 0, 0)]),
...          Call(2, "b", [(2,)], [(2,)], parent=0, sources=[("call", 1, 0)], returned=[("call", 1, 0)])]
>>> trace = Trace("net", [(2,)], [(2,)], mods, calls, provenance=True, inputs=[Port("", [(2,)])],
...               outputs=[Port("", [(2,)], [("call", 0, 0)])])
>>> FoldRule(trace, {"": ["a", "b"], "a": [], "b": []}).can_follow("", "a", "b", leaf=True)
True
"""

from __future__ import annotations

from collections import defaultdict

from viz.ir import Shape, Source, Trace

# A producer as the nested calls that returned the same tensor, outermost first (module paths); [] for a model input.
Chain = list[str]


class FoldRule:
    """Decides whether a sibling may fold into the run of the sibling before it (see the module docstring)."""

    def __init__(self, trace: Trace, view: dict[str, list[str]]) -> None:
        """`view` is each module's children as drawn (hidden classes dissolved into their own children)."""
        self.trace = trace
        self.view = view
        self.shapes: dict[str, list[tuple[list[Shape], list[Shape]]]] = defaultdict(list)
        for call in trace.calls:
            self.shapes[call.path].append((call.input_shapes, call.output_shapes))
        self.edges = _module_edges(trace) if trace.provenance else []
        self._tables: dict[str, tuple[dict[str, set[str | None]], dict[str, set[str | None]]]] = {}

    def can_follow(self, parent: str, previous: str, member: str, leaf: bool) -> bool:
        """Whether `member` may join the run that `previous` (its sibling just before it, under `parent`) ends."""
        if leaf and self.shapes.get(previous, []) != self.shapes.get(member, []):
            return False
        if not self.trace.provenance or (previous not in self.shapes and member not in self.shapes):
            return True  # no data to go by, or neither ever ran: nothing flows, nothing can be misdrawn
        producers, consumers = self._table(parent)
        taken = producers.get(member, set())
        given = consumers.get(previous, set())
        return previous in taken and taken <= {previous, member} and given <= {previous, member}

    def _table(self, parent: str) -> tuple[dict[str, set[str | None]], dict[str, set[str | None]]]:
        """For the children of `parent`: what each consumes from outside itself (`producers`: child paths, None
        for anything not inside a child) and where each one's output goes (`consumers`)."""
        if parent not in self._tables:
            producers: dict[str, set[str | None]] = defaultdict(set)
            consumers: dict[str, set[str | None]] = defaultdict(set)
            children = set(self.view[parent])
            for chain, consumer in self.edges:
                made_by = next((c for c in (_child(parent, children, path) for path in chain) if c is not None), None)
                used_by = None if consumer is None else _child(parent, children, consumer)
                if made_by == used_by:
                    continue  # inside one child, or not inside any
                if used_by is not None:
                    producers[used_by].add(made_by)
                if made_by is not None:
                    consumers[made_by].add(used_by)
            self._tables[parent] = (producers, consumers)
        return self._tables[parent]


def _child(parent: str, children: set[str], path: str) -> str | None:
    """The child of `parent` (one of `children`, as drawn) whose subtree holds `path`; None when `path` is not
    strictly inside `parent`."""
    current = path
    while current and current != parent:
        if current in children:
            return current
        current = current.rsplit(".", 1)[0] if "." in current else ""
    return None


def _module_edges(trace: Trace) -> list[tuple[Chain, str | None]]:
    """Every (producer, consumer) pair of the forward at the level of modules: a call's input tensors, a merge's
    inputs (consumed by the module whose forward ran it) and the model's outputs (consumer None)."""
    calls = trace.calls

    def chain(source: Source | None) -> Chain | None:
        if source is None:
            return None
        kind, index, slot = source
        if kind == "input":
            return []
        if kind == "op":
            owner = trace.merges[index].call
            return [] if owner is None else [calls[owner].path]
        # Follow the tensor inwards through the calls that only handed it on (a container returning its last
        # child's output); stop at a source outside the call (a leaf's ops pass its input's tag on).
        paths = []
        while True:
            call = calls[index]
            paths.append(call.path)
            inner = call.returned[slot] if slot < len(call.returned) else None
            if inner is None or inner[0] != "call" or not _inside(calls[inner[1]].path, call.path):
                return paths
            index, slot = inner[1], inner[2]

    edges: list[tuple[Chain, str | None]] = []
    for call in calls:
        for source in call.sources:
            made = chain(source)
            if made is not None:
                edges.append((made, call.path))
    for merge in trace.merges:
        owner = None if merge.call is None else calls[merge.call].path
        for source in merge.sources:
            made = chain(source)
            if made is not None:
                edges.append((made, owner if owner is not None else ""))
    for port in trace.outputs:
        for source in port.sources:
            made = chain(source)
            if made is not None:
                edges.append((made, None))
    return edges


def _inside(path: str, ancestor: str) -> bool:
    return (ancestor == "" and path != "") or path.startswith(ancestor + ".")
