"""What a Mermaid chart's text declares, counted the way the browser tests compare it with the drawn SVG."""

from __future__ import annotations

import re

# A node is declared once, on its own line: a box `id["label"];`, a port `id_in(["Input"]);` or a merge
# circle `op0(("add"));`.
NODE = re.compile(r'^[A-Za-z]\w*(\["|\(\["|\(\(")')
EDGE = re.compile(r"^\S+ (-->|-\.->) \S+;$")
CIRCLE = re.compile(r'^op\d+\(\("')


def declared(chart: str) -> dict[str, int]:
    """The nodes, subgraphs ("clusters") and edges the chart text declares."""
    lines = chart.splitlines()
    return {
        "nodes": sum(bool(NODE.match(line)) for line in lines),
        "clusters": sum(line.startswith("subgraph ") for line in lines),
        "edges": sum(bool(EDGE.match(line)) for line in lines),
    }
