"""Generate the docs pages: collect page data from the registry, render templates/, write (or check) docs/.

`generate_docs(Path("docs"))` regenerates the committed pages; with `check=True` it writes nothing and lists
the pages that differ. It traces every registered model; the same steps for one model, into a scratch folder:

>>> import shutil, tempfile
>>> from pathlib import Path
>>> out = Path(tempfile.mkdtemp())
>>> pages = render_pages(collect_site(names=["efficientformer_l1"]))
>>> len(write_pages(out, pages))            # pages written (all new here)
6
>>> write_pages(out, pages, check=True)     # [] when the pages on disk are current
[]
>>> shutil.rmtree(out)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2

from viz.files import write_atomically
from viz.docs.collect import CliRunner, collect_site
from viz.docs.pages import group_by_family
from viz.render.templates import template_dir

# Everything under models/ is generated, so a page whose model disappeared is reported as stale by --check and
# removed on regeneration.
MODELS_DIR = "models"

Progress = Callable[[int, int, str], None]


def _shape(shape: Any) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ")"


def _cell(text: Any) -> str:
    # Inside a Markdown table a '|' ends the cell and a newline ends the row.
    return str(text).replace("|", "\\|").replace("\n", " ")


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir())),
        undefined=jinja2.StrictUndefined,  # a missing field is a bug in the generator, not an empty string
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # Markdown out; charts and code must stay verbatim
    )
    env.filters["shape"] = _shape
    env.filters["cell"] = _cell
    return env


def render_pages(site: dict[str, Any]) -> dict[str, str]:
    """Page path (relative, '/'-separated) -> Markdown text, for the collected site data."""
    env = environment()
    pages: dict[str, str] = {
        "index.md": env.get_template("index.md.j2").render(site=site),
        "getting-started.md": env.get_template("getting_started.md.j2").render(site=site),
        "guide.md": env.get_template("guide.md.j2").render(site=site, guide=site["guide"]),
    }
    for family in site["families"]:
        base = f"{MODELS_DIR}/{family['slug']}"
        pages[f"{base}/index.md"] = env.get_template("family.md.j2").render(family=family)
        if family["config"] is not None:
            pages[f"{base}/config.md"] = env.get_template("config.md.j2").render(config=family["config"], family=family)
        for variant in family["variants"]:
            pages[f"{base}/{variant['name']}.md"] = env.get_template("factory.md.j2").render(
                variant=variant, family=family
            )
    return {path: _tidy(text) for path, text in sorted(pages.items())}


def _tidy(text: str) -> str:
    # Templates leave runs of blank lines where optional parts are skipped: keep one. Outside code fences a
    # heading always gets a blank line before it, so it never reads as the tail of a list or paragraph.
    lines: list[str] = []
    in_fence = False
    for line in text.splitlines():
        line = line.rstrip()
        if line.startswith("```"):
            in_fence = not in_fence if line == "```" or not in_fence else in_fence
        elif not in_fence and line.startswith("#") and lines and lines[-1]:
            lines.append("")
        if not in_fence and not line and (not lines or not lines[-1]):
            continue
        lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"


def _stale(out_dir: Path, pages: dict[str, str]) -> list[Path]:
    models = out_dir / MODELS_DIR
    if not models.is_dir():
        return []
    found = sorted(p for p in models.rglob("*.md") if p.relative_to(out_dir).as_posix() not in pages)
    return found


def generate_docs(
    out_dir: Path, check: bool = False, progress: Progress | None = None, run_cli: CliRunner | None = None
) -> list[Path]:
    """Write the generated pages under `out_dir`; with `check`, write nothing and list the pages that differ.

    Returns the pages written (only those whose text changed), or with `check` the pages that are missing,
    out of date or stale (generated for a model that is no longer registered); [] means up to date.
    `progress(done, total, label)` is called as each model is traced and once when the pages are written;
    `run_cli(argv)` gives what `lucid-viz ARGV` prints, for the guide (see `collect_site`).
    """
    out_dir = Path(out_dir)
    site = collect_site(progress, run_cli=run_cli)
    pages = render_pages(site)
    differing = write_pages(out_dir, pages, check=check)
    if progress is not None:
        verb = "differ" if check else "written"
        progress(site["steps"], site["steps"], f"{len(pages)} pages, {len(differing)} {verb}")
    return differing


def write_pages(out_dir: Path, pages: dict[str, str], check: bool = False) -> list[Path]:
    """Bring `out_dir` in line with `pages`; with `check`, change nothing and only list what differs.

    A page differs when it is missing, its text changed, or it lies under models/ but is no longer generated.
    """
    changed: list[Path] = []
    for rel, text in pages.items():
        path = out_dir / rel
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current != text:
            changed.append(path)
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                write_atomically(path, text)
    stale = _stale(out_dir, pages)
    if not check:
        for path in stale:
            path.unlink()
    return sorted(changed + stale)


__all__ = ["generate_docs", "group_by_family", "render_pages", "template_dir", "write_pages"]
