"""Where the jinja2 templates are (the docs pages' and the HTML report's)."""

from __future__ import annotations

import importlib.util
from pathlib import Path


def template_dir() -> Path:
    """Shipped as `viz.templates` in the wheel, `templates/` in a checkout."""
    # viz.templates is a data-only (namespace) package: ask for its folder rather than a resource reader.
    spec = importlib.util.find_spec("viz.templates")
    for location in (spec.submodule_search_locations or []) if spec is not None else []:
        if Path(location).is_dir():
            return Path(location)
    checkout = Path(__file__).resolve().parents[2] / "templates"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(
        "lucid-viz: page templates not found (looked for the viz.templates package and "
        f"{checkout}); reinstall lucid with `pip install .`"
    )
