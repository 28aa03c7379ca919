"""`ChartOptions`: how every renderer draws a Trace (Mermaid, DOT and the pictures drawn from it, the HTML report,
diff charts), validated once when made.

>>> ChartOptions(depth=2, hide=["ReLU", "GELU", "ReLU"]).hide
('GELU', 'ReLU')
>>> ChartOptions(depth=-1)
Traceback (most recent call last):
...
ValueError: depth must be an int >= 0 (0 draws only the model), got -1
"""

from __future__ import annotations

from dataclasses import dataclass

from viz.passes.flow import EDGE_MODES
from viz.passes.tree import check_depth

DIRECTIONS = ("LR", "TB")


@dataclass(frozen=True)
class ChartOptions:
    """How to draw: tree `depth` (root = 0), `direction` LR or TB, fold repeats, parameter and MAC counts on nodes
    (`show_params`, `show_macs`), class names to `hide` (their children take their place), and `colour_safe` span
    styles that keep their colour in mermaid 11 (the default reproduces the reference chart byte for byte). TB
    charts use the monotoneY curve, the vertical twin of LR's monotoneX. `edges` is "data" (an edge where a tensor
    goes, merges drawn; see viz.passes.dataflow) or "calls" (the order modules were called); `show_shapes` writes
    `(in) → (out)` on every leaf, not only where the shape changes, and the output shape on merges."""

    depth: int = 3
    direction: str = "LR"
    collapse_repeats: bool = True
    show_params: bool = False
    show_macs: bool = False
    hide: tuple[str, ...] = ()
    colour_safe: bool = False
    edges: str = "data"
    show_shapes: bool = False

    def __post_init__(self) -> None:
        check_depth(self.depth)
        if self.edges not in EDGE_MODES:
            raise ValueError(f"edges must be one of {', '.join(EDGE_MODES)}, got {self.edges!r}")
        if self.direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, got {self.direction!r}")
        if isinstance(self.hide, str):
            raise TypeError(f"hide takes a collection of class names, got the string {self.hide!r}")
        for name in self.hide:
            if not isinstance(name, str):
                raise TypeError(f"hide takes class names (str), got {name!r}")
        # Sorted so equal option sets compare (and render) equal whatever order the names came in.
        object.__setattr__(self, "hide", tuple(sorted(set(self.hide))))
        for flag in ("collapse_repeats", "show_params", "show_macs", "colour_safe", "show_shapes"):
            if not isinstance(getattr(self, flag), bool):
                raise TypeError(f"{flag} must be True or False, got {getattr(self, flag)!r}")
