"""Read Google-style docstrings into plain data for the docs pages.

A docstring is a summary line, free paragraphs, optional sections (`Args:`, `Attributes:`, `Returns:`,
`Raises:`, `Validation:`, ...) and doctest examples (`>>>` lines). Items of a section look like
`name (type): text` or `name: text`, with continuation lines indented deeper than the item.

>>> doc = parse_docstring('''Add two numbers.
...
... Args:
...     a (int): the first.
...     b: the second,
...         on two lines.
... ''')
>>> doc["summary"], [item["name"] for item in doc["sections"]["Args"]]
('Add two numbers.', ['a', 'b'])
"""

from __future__ import annotations

import inspect
import re
from typing import Any

# Sections whose body is a list of `name (type): text` items; the rest keep their text.
ITEM_SECTIONS = ("Args", "Arguments", "Parameters", "Attributes", "Fields", "Raises")
TEXT_SECTIONS = ("Returns", "Yields", "Validation", "Notes", "Example", "Examples", "Architecture")
_ALIASES = {"Arguments": "Args", "Parameters": "Args", "Fields": "Attributes", "Example": "Examples"}
_HEADER = re.compile(r"^(" + "|".join(ITEM_SECTIONS + TEXT_SECTIONS) + r"):\s*$")
_ITEM = re.compile(r"^(?P<name>\*{0,2}[A-Za-z_][\w.]*)\s*(?:\((?P<type>[^)]*)\))?\s*:\s*(?P<text>.*)$")


def parse_docstring(doc: str | None) -> dict[str, Any]:
    """Split a docstring into summary, body paragraphs, sections and doctest examples.

    Returns a dict with `summary` (the first paragraph, joined into one line), `body` (later
    paragraphs outside any section, each joined into one line), `sections` (name -> list of
    `{"name", "type", "text"}` items, or name -> text) and `examples` (each `>>>` block, verbatim).
    """
    lines = inspect.cleandoc(doc or "").splitlines()
    paragraphs: list[list[str]] = []
    sections: dict[str, Any] = {}
    examples: list[str] = []
    current: str | None = None  # the section being read, if any
    section_lines: dict[str, list[str]] = {}
    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        if stripped.startswith(">>>"):
            # A doctest block runs until the first blank line; it belongs to no paragraph.
            block = []
            indent = len(line) - len(line.lstrip())
            while index < len(lines) and lines[index].strip():
                block.append(lines[index][indent:])
                index += 1
            examples.append("\n".join(block))
            current = None
            continue
        header = _HEADER.match(line)
        if header:
            current = _ALIASES.get(header.group(1), header.group(1))
            section_lines.setdefault(current, [])
        elif current is not None and (not stripped or line.startswith((" ", "\t"))):
            section_lines[current].append(line)
        else:
            current = None
            if not stripped:
                paragraphs.append([])
            else:
                if not paragraphs:
                    paragraphs.append([])
                paragraphs[-1].append(stripped)
        index += 1
    for name, body in section_lines.items():
        sections[name] = _items(body) if name in _ALIASES.values() or name in ITEM_SECTIONS else _text(body)
    joined = [" ".join(p) for p in paragraphs if p]
    return {
        "summary": joined[0] if joined else "",
        "body": joined[1:],
        "sections": sections,
        "examples": examples,
    }


def _text(lines: list[str]) -> str:
    # Keep the section's own line structure (bullets stay bullets) minus its indentation.
    return inspect.cleandoc("\n".join(lines)).strip()


def _items(lines: list[str]) -> list[dict[str, str]]:
    body = inspect.cleandoc("\n".join(lines)).splitlines()
    items: list[dict[str, str]] = []
    for line in body:
        if not line.strip():
            continue
        match = _ITEM.match(line) if not line.startswith((" ", "\t")) else None
        if match:
            items.append({"name": match["name"], "type": (match["type"] or "").strip(), "text": match["text"].strip()})
        elif items:
            items[-1]["text"] = (items[-1]["text"] + " " + line.strip()).strip()
    return items
