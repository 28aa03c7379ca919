"""mkdocs hooks for the lucid docs site (listed under `hooks:` in mkdocs.yml).

- `on_config`: when mkdocs.yml has no `nav`, build it from the generated pages: the top pages, then
  one section per model family (its overview, its config page, then its factories), each titled by the
  page's own heading. A newly registered family therefore appears without editing any file.
- `on_files`: add Mermaid's browser bundle, installed from the npm registry into node_modules/ (see
  package.json; never committed), to the site as assets/javascripts/mermaid.min.js, so the site serves it
  itself and never asks a CDN. A missing bundle stops the build with the command that installs it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

BUNDLE_SOURCE = Path("node_modules") / "mermaid" / "dist" / "mermaid.min.js"
BUNDLE_TARGET = "assets/javascripts/mermaid.min.js"
TOP_PAGES = (("Home", "index.md"), ("Getting started", "getting-started.md"), ("lucid-viz guide", "guide.md"))
_HEADING = re.compile(r"^# (.+)$", re.M)


def _title(page: Path) -> str:
    match = _HEADING.search(page.read_text(encoding="utf-8"))
    return match.group(1).strip() if match else page.stem


def build_nav(docs_dir: Path) -> list[Any]:
    """The site navigation: the top pages that exist, then Models / <family> / pages, all in a stable order."""
    nav: list[Any] = [{title: path} for title, path in TOP_PAGES if (docs_dir / path).is_file()]
    families = []
    models = docs_dir / "models"
    for family_dir in sorted(p for p in models.iterdir() if p.is_dir()) if models.is_dir() else []:
        pages = sorted(family_dir.glob("*.md"))
        # Overview first, then the config, then the factories by name.
        order = {"index.md": 0, "config.md": 1}
        pages.sort(key=lambda p: (order.get(p.name, 2), p.name))
        # The overview is the section's index page (navigation.indexes); the others are titled by their heading.
        entries: list[Any] = [p.relative_to(docs_dir).as_posix() for p in pages[:1]]
        entries += [{_title(p): p.relative_to(docs_dir).as_posix()} for p in pages[1:]]
        if entries:
            families.append({_title(pages[0]): entries})
    if families:
        nav.append({"Models": families})
    return nav


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    if not config.nav:
        config.nav = build_nav(Path(config.docs_dir))
    return config


def on_files(files: Files, config: MkDocsConfig) -> Files:
    root = Path(config.config_file_path).resolve().parent
    bundle = root / BUNDLE_SOURCE
    if not bundle.is_file():
        raise PluginError(
            f"Mermaid's browser bundle is missing: {bundle}. Install it from the npm registry with `npm ci` "
            "in the repository root (scripts/bootstrap.sh does this); it is never committed."
        )
    files.append(File.generated(config, BUNDLE_TARGET, abs_src_path=str(bundle)))
    return files
