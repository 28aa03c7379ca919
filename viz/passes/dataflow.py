"""Edges from the data: A -> B exactly when a tensor B's call consumed was produced by A's call.

Both ends are the drawn nodes that stand for the calls (viz.passes.flow's attribution). What stands between them is
followed through: a subgraph container hands on its inner call's output; an op with one traced input is invisible;
an op that combined tensors from two or more different drawn producers, run outside every drawn leaf, is drawn as a
merge circle (`op0`, ...) in the subgraph of the module whose forward ran it. Each drawn leaf call gets a node of its
own (`mK`, then `mK_2`, ... for a leaf called again), so no edge goes back into an earlier call. A folded group
keeps its ports: data reaches its later members through `mK_in` (from the first member's last node, and from
`mK_out` for each further member), the only edges that run against the flow. The model's inputs and outputs are
one node each (`input`, or `input0`, `input1`, ... when there are several).

>>> import lucid.nn as nn, viz
>>> class Residual(nn.Module):
...     def __init__(self):
...         super().__init__()
...         self.fc = nn.Linear(4, 4)
...     def forward(self, x):
...         return x + self.fc(x)
>>> from viz.passes import build_tree
>>> data_flow(build_tree(viz.trace(Residual(), (1, 4)))).edges
[('input', 'm1'), ('input', 'op0'), ('m1', 'op0'), ('op0', 'output')]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from viz.ir import Call, Port, Source, Trace
from viz.passes.flow import Flow, IoNode, OpNode, attribute, first_calls, stands_for, with_port_edges
from viz.passes.tree import DrawnTree

# A drawn endpoint: ("node", number, k) the k-th drawing of a node (for a folded group: member k), ("input", j),
# ("output", j) or ("op", merge index).
Endpoint = tuple[str, int] | tuple[str, int, int]
Link = Callable[[Endpoint | None, Endpoint], None]
T = TypeVar("T")


def data_flow(tree: DrawnTree) -> Flow:
    """The Flow of a trace with provenance, edges from the data (see the module docstring)."""
    return _DataFlow(tree).flow()


class _DataFlow:
    def __init__(self, tree: DrawnTree) -> None:
        self.tree = tree
        self.trace: Trace = tree.trace
        self.targets = attribute(tree)
        self.instance, self.drawings = self._instances()
        self.repeats = {number: calls[1:] for number, calls in self.drawings.items() if len(calls) > 1}
        self._resolved: dict[Source, Endpoint | None] = {}

    def _instances(self) -> tuple[list[Endpoint | None], dict[int, list[Call]]]:
        """Each call's drawn endpoint (None when its module is drawn as a subgraph), and each drawn leaf's calls.

        A call made inside a drawn leaf's call belongs to that drawing; any other call of a drawn leaf opens a new
        drawing of it, and a call of a folded group's member is that member."""
        calls = self.trace.calls
        nodes = self.tree.nodes
        instance: list[Endpoint | None] = [None] * len(calls)
        drawings: dict[int, list[Call]] = {}
        for call in calls:
            parent = call.parent
            if parent is not None and instance[parent] is not None:
                # Inside a drawn leaf's call (even a module drawn elsewhere, shared with it): part of that drawing.
                instance[call.index] = instance[parent]
                continue
            target = self.targets.get(call.path)
            if target is None:
                continue
            number, member = target
            if nodes[number].is_group:
                instance[call.index] = ("node", number, member)
            else:
                opened = drawings.setdefault(number, [])
                instance[call.index] = ("node", number, len(opened))
                opened.append(call)
        return instance, drawings

    def resolve(self, source: Source | None) -> Endpoint | None:
        """The drawn endpoint a tensor comes from (None: a constant, or nothing drawn made it)."""
        if source is None:
            return None
        memo = self._resolved
        stack = [source]
        visiting: set[Source] = set()
        while stack:
            current = stack[-1]
            if current in memo:
                stack.pop()
                continue
            needed = self._step(current)
            pending = [s for s in needed if s not in memo]
            if pending and current not in visiting:
                visiting.add(current)
                stack.extend(pending)
                continue
            # Everything it depends on is known (a malformed file's cycle resolves to nothing rather than loop).
            memo[current] = self._settle(current)
            stack.pop()
        return memo[source]

    def _step(self, source: Source) -> list[Source]:
        """The sources `source`'s endpoint depends on."""
        kind, index, slot = source
        if kind == "call" and self.instance[index] is None:
            returned = self.trace.calls[index].returned
            inner = returned[slot] if slot < len(returned) else None
            return [] if inner is None else [inner]
        if kind == "op" and not self._inside_drawn_leaf(index):
            return [s for s in self.trace.merges[index].sources if s is not None]
        return []

    def _settle(self, source: Source) -> Endpoint | None:
        kind, index, _ = source
        memo = self._resolved
        if kind == "input":
            return ("input", index)
        if kind == "call":
            if self.instance[index] is not None:
                return self.instance[index]
            inner = self._step(source)
            return memo.get(inner[0]) if inner else None
        merge = self.trace.merges[index]
        if merge.call is not None and self.instance[merge.call] is not None:
            return self.instance[merge.call]  # run inside a drawn leaf: part of it
        producers = _distinct(memo.get(s) for s in merge.sources if s is not None)
        if len(producers) >= 2:
            return ("op", index)
        return producers[0] if producers else None

    def _inside_drawn_leaf(self, merge: int) -> bool:
        owner = self.trace.merges[merge].call
        return owner is not None and self.instance[owner] is not None

    def flow(self) -> Flow:
        trace, tree = self.trace, self.tree
        inputs = _io_nodes(trace.inputs, "input", "Input") or [IoNode("input", "Input", trace.input_shapes)]
        outputs = [] if trace.error is not None else _io_nodes(trace.outputs, "output", "Output")
        if trace.error is None and not outputs:
            outputs = [IoNode("output", "Output", trace.output_shapes)]
        ops = self._op_nodes()
        names = _Names(tree, inputs, outputs, ops, self.repeats)
        edges: dict[tuple[str, str], None] = {}

        def link(producer: Endpoint | None, consumer: Endpoint) -> None:
            if producer is None or producer == consumer:
                return
            if producer[0] == consumer[0] == "node" and producer[1] == consumer[1]:
                number = producer[1]
                if names.has_ports(number):
                    edges[(f"m{number}_out", f"m{number}_in")] = None  # the loop to the group's next member
                elif not tree.nodes[number].is_group:
                    edges[(names.exit(producer), names.entry(consumer))] = None  # a leaf called again
                return  # a folded leaf group draws no self-loop: its "x N" already says it repeats
            edges[(names.exit(producer), names.entry(consumer))] = None

        merges_after: dict[int, list[OpNode]] = {}
        for op in ops:
            merges_after.setdefault(op.merge.after_calls, []).append(op)
        for call in trace.calls:
            for op in merges_after.get(call.index, []):
                self._link_merge(op, link)
            consumer = self.instance[call.index]
            if consumer is not None:
                for source in call.sources:
                    link(self.resolve(source), consumer)
        for op in merges_after.get(len(trace.calls), []):
            self._link_merge(op, link)
        for number, port in enumerate(trace.outputs if trace.error is None else []):
            for source in port.sources:
                link(self.resolve(source), ("output", number))
        if trace.error is not None:
            last = next((e for e in reversed(self.instance) if e is not None), ("input", 0))
            edges[(names.exit(last), "error")] = None

        walked = list(edges)
        entering, leaving, dashed = self._port_edges(walked, names)
        in_order = with_port_edges(walked, entering, leaving)
        failed = None if trace.error is None else stands_for(tree, self.targets, trace.error.path)
        first_call = first_calls(tree)
        for number, calls in self.drawings.items():
            # A container cut at the depth that is never called itself (a ModuleList): its first member's call.
            first_call[number] = first_call[number] or calls[0]
        return Flow(
            edges=sorted(set(in_order)),
            ported=sorted(names.ported),
            first_call=first_call,
            failed=failed,
            in_order=in_order,
            dashed=frozenset(dashed),
            repeats=self.repeats,
            ops=ops,
            inputs=inputs,
            outputs=outputs,
        )

    def _link_merge(self, op: OpNode, link: Link) -> None:
        for producer in _distinct(self.resolve(s) for s in op.merge.sources if s is not None):
            link(producer, ("op", op.merge.index))

    def _op_nodes(self) -> list[OpNode]:
        """The merges drawn as circles, numbered in the order they ran, each in its module's drawn subgraph."""
        ops = []
        for merge in self.trace.merges:
            if self.resolve(("op", merge.index, 0)) == ("op", merge.index):
                owner = "" if merge.call is None else self.trace.calls[merge.call].path
                container = stands_for(self.tree, self.targets, owner)
                ops.append(OpNode(f"op{len(ops)}", merge, 0 if container is None else container))
        return ops

    def _port_edges(
        self, walked: list[tuple[str, str]], names: _Names
    ) -> tuple[dict[str, list[tuple[str, str]]], dict[str, list[tuple[str, str]]], set[tuple[str, str]]]:
        """For each folded group drawn with ports: `mK_in` -> each node of its first member that takes data from
        outside it, and each node whose data leaves the first member -> `mK_out`; and the dashed edges, the
        alternative ways in: into `mK_in`, and into a first-member node from outside it or from `mK_in`."""
        entering: dict[str, list[tuple[str, str]]] = {}
        leaving: dict[str, list[tuple[str, str]]] = {}
        dashed: set[tuple[str, str]] = set()
        for number in sorted(names.ported):
            group = self.tree.nodes[number]
            port_in, port_out = f"m{number}_in", f"m{number}_out"
            inside = names.inside(group.number, group.last_descendant)
            from_outside = [(s, t) for s, t in walked if t in inside and s not in inside]
            into = _distinct(t for _, t in from_outside)
            out_of = _distinct(s for s, t in walked if s in inside and t not in inside)
            entering[port_in] = [(port_in, target) for target in into]
            leaving[port_out] = [(source, port_out) for source in out_of]
            dashed.update(from_outside)
            dashed.update(entering[port_in])
            dashed.update(edge for edge in walked if edge[1] == port_in)
        return entering, leaving, dashed


class _Names:
    """The ids that endpoints are drawn with, and which ids lie inside a folded group's first member."""

    def __init__(
        self,
        tree: DrawnTree,
        inputs: list[IoNode],
        outputs: list[IoNode],
        ops: list[OpNode],
        repeats: dict[int, list[Call]],
    ) -> None:
        self.tree = tree
        self.repeats = repeats
        self.inputs = inputs
        self.outputs = outputs
        self.ops = {op.merge.index: op for op in ops}
        self.ported = {n.number for n in tree.nodes if n.is_group and n.children}

    def has_ports(self, number: int) -> bool:
        return number in self.ported

    def _node(self, endpoint: Endpoint, port: str) -> str:
        kind, index = endpoint[0], endpoint[1]
        if kind == "input":
            return self.inputs[index].id if index < len(self.inputs) else "input"
        if kind == "output":
            return self.outputs[index].id
        if kind == "op":
            return self.ops[index].id
        drawing = endpoint[2]
        if index in self.ported:
            return f"m{index}_{port}"
        if self.tree.nodes[index].is_group or drawing == 0:
            return f"m{index}"
        return f"m{index}_{drawing + 1}"

    def entry(self, endpoint: Endpoint) -> str:
        return self._node(endpoint, "in")

    def exit(self, endpoint: Endpoint) -> str:
        return self._node(endpoint, "out")

    def inside(self, first: int, last: int) -> set[str]:
        """The ids drawn strictly inside node `first`'s subgraph (nodes `first+1 .. last`, their ports and later
        drawings, and the merge circles in any of them or in it)."""
        ids: set[str] = set()
        for node in self.tree.nodes[first + 1 : last + 1]:
            ids.add(node.id)
            ids.update((f"{node.id}_in", f"{node.id}_out"))
            ids.update(f"{node.id}_{k + 2}" for k in range(len(self.repeats.get(node.number, []))))
        for op in self.ops.values():
            if first <= op.container <= last:
                ids.add(op.id)
        return ids


def _io_nodes(ports: list[Port], kind: str, title: str) -> list[IoNode]:
    """`input` / `output` for a lone unnamed port, else `input0`, `input1`, ... titled with each port's name."""
    if len(ports) == 1:
        port = ports[0]
        return [IoNode(kind, f"{title} {port.name}" if port.name else title, port.shapes)]
    return [IoNode(f"{kind}{i}", f"{title} {port.name}", port.shapes) for i, port in enumerate(ports)]


def _distinct(items: Iterable[T | None]) -> list[T]:
    """The items in their first order, each once, None dropped."""
    seen: dict[T, None] = {}
    for item in items:
        if item is not None:
            seen.setdefault(item, None)
    return list(seen)
