"""The docs generator: model pages from the registry, the models' docstrings and cards, and traced charts.

>>> from pathlib import Path
>>> from viz.docs import generate_docs
>>> stale = generate_docs(Path("docs"), check=True)  # [] when the committed pages are current
"""

from viz.docs.build import generate_docs, render_pages, template_dir
from viz.docs.pages import collect_site

__all__ = ["collect_site", "generate_docs", "render_pages", "template_dir"]
