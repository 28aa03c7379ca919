"""Colours per module family: (fill, stroke). Containers and user modules have none (drawn plain).

Families are named after the lucid.nn.layers file a class lives in (conv, norm, activation, linear, drop, pool,
sparse, loss, ...); a family not listed here gets the "other" colours.
"""

from __future__ import annotations

FAMILY_COLOURS: dict[str, tuple[str, str]] = {
    "conv": ("#ffe8e8", "#c53030"),
    "norm": ("#e6fffa", "#2c7a7b"),
    "activation": ("#faf5ff", "#6b46c1"),
    "linear": ("#ebf8ff", "#2b6cb0"),
    "drop": ("#edf2f7", "#4a5568"),
    "pool": ("#f0fff4", "#2f855a"),
    "attention": ("#fffaf0", "#c05621"),
    "transformer": ("#fffaf0", "#c05621"),
    "recurrent": ("#f0f9ff", "#0369a1"),
    "resample": ("#f0fff4", "#2f855a"),
    "sparse": ("#fff5f7", "#b83280"),
    "loss": ("#fefcbf", "#975a16"),
    "reshape": ("#f5f3ff", "#4c51bf"),
    "other": ("#fbf3ea", "#8b5a2b"),
}

# The model's input and output, and a group's Input/Output stadiums.
IO_COLOURS = ("#fff3cd", "#a67c00")
PORT_COLOURS = ("#e2e8f0", "#64748b")
# Merge circles (add, concatenate, matmul, ...): white, with the edges' grey, so the layers stay the colour.
OP_COLOURS = ("#ffffff", "#4a5568")
ERROR_COLOURS = ("#fff5f5", "#e53e3e")
SUBGRAPH_STYLE = "fill:#000000,fill-opacity:0.05,stroke:#000000,stroke-opacity:0.75,stroke-width:1px"


def family_colours(family: str, builtin: bool, is_container: bool) -> tuple[str, str] | None:
    """The (fill, stroke) of a leaf, or None for containers and modules outside lucid.nn."""
    if not builtin or is_container or family in ("container", "user"):
        return None
    return FAMILY_COLOURS.get(family, FAMILY_COLOURS["other"])
