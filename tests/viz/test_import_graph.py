"""viz's module graph: no import cycle (function-level imports count: they run too), and nothing but the command
line's own modules and `python -m viz` imports the command line."""

from __future__ import annotations

import ast
from pathlib import Path

import viz

ROOT = Path(viz.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _type_checking_only(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def imports_of(name: str) -> set[str]:
    """The viz modules `name` imports anywhere in its code (outside `if TYPE_CHECKING:`)."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if _type_checking_only(node, parents):
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                # `from viz.passes import edges` imports the submodule viz.passes.edges; `from viz.passes import
                # Flow` a name the package defines.
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in MODULES else node.module)
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: imports_of(name) for name in MODULES}


def test_the_graph_is_read_from_real_imports() -> None:
    assert "viz.ir" in GRAPH["viz.trace"] and "viz.passes.tree" in GRAPH["viz.render.options"]
    assert "viz.cli.draw" in GRAPH["viz.cli"]  # a function-level import counts


def test_no_module_imports_itself_through_others() -> None:
    cycles = []
    for start in GRAPH:
        stack = [(start, [start])]
        seen: set[str] = set()
        while stack:
            name, path = stack.pop()
            for nxt in sorted(GRAPH[name]):
                if nxt == start:
                    cycles.append(" -> ".join([*path, start]))
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*path, nxt]))
    assert not cycles, "\n".join(sorted(set(cycles))[:10])


def test_only_the_command_line_imports_the_command_line() -> None:
    importers = {
        name
        for name, imported in GRAPH.items()
        if any(m == "viz.cli" or m.startswith("viz.cli.") for m in imported) and not name.startswith("viz.cli")
    }
    assert importers == {"viz.__main__"}
