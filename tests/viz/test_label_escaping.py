"""Label escaping, character by character: every character the Mermaid and DOT escapes promise to encode, the
characters that must reach the picture unchanged, and one rendered chart per renderer.

A module name is user text (a ModuleDict key can be any string), so one missed character is a way out of a label:
a `"` ends a Mermaid string, `%%` starts a directive, `<` starts markup, a newline ends a DOT statement.
"""

from __future__ import annotations

import pytest
from viz_builders import TraceBuilder

from viz.ir import Trace
from viz.render.dot import escape_html_label, render_dot
from viz.render.mermaid import MermaidOptions, render_mermaid
from viz.render.text import escape_mermaid

CONTROLS = [chr(c) for c in range(32)] + [chr(c) for c in range(0x7F, 0xA0)]
LINE_SEPARATORS = ["\u2028", "\u2029"]
# Ordinary text, and the first character past each end of every escaped range (an off-by-one would show here).
PLAIN = ["a", "Z", "0", "9", "→", "ü", " ", "(", ",", "~", "\xa0", "\u2027", "\u202a", "\ud7ff", "\ue000"]

# Mermaid's numeric codes are decimal: #34; is `"`.
MERMAID_SPECIAL = {'"': "#34;", "#": "#35;", "%": "#37;", "&": "#38;", "'": "#39;", "<": "#60;", ">": "#62;",
                   "\\": "#92;", "`": "#96;"}  # fmt: skip
HTML_SPECIAL = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}


@pytest.mark.parametrize(("char", "code"), MERMAID_SPECIAL.items(), ids=[f"U+{ord(c):04X}" for c in MERMAID_SPECIAL])
def test_mermaid_markup_characters_become_numeric_codes(char: str, code: str) -> None:
    assert escape_mermaid(char) == code
    assert escape_mermaid(f"a{char}b") == f"a{code}b"


@pytest.mark.parametrize("char", CONTROLS + LINE_SEPARATORS, ids=lambda c: f"U+{ord(c):04X}")
def test_mermaid_controls_and_line_separators_become_numeric_codes(char: str) -> None:
    # A raw newline or U+2028 would end the chart's line; other controls are invisible or rejected by browsers.
    assert escape_mermaid(f"x{char}y") == f"x#{ord(char)};y"


@pytest.mark.parametrize("char", [*PLAIN, "$", "[", "]", "{", "}", ";", "|"], ids=lambda c: f"U+{ord(c):04X}")
def test_mermaid_passes_other_characters_through(char: str) -> None:
    # Brackets and semicolons are harmless inside a quoted label: only the quote can end it.
    assert escape_mermaid(char) == char


def test_mermaid_escapes_an_existing_code_instead_of_decoding_it() -> None:
    # `#34;` typed by a user must be shown as typed, not turned into a quote by Mermaid.
    assert escape_mermaid("#34;") == "#35;34;"


@pytest.mark.parametrize(("char", "entity"), HTML_SPECIAL.items(), ids=[f"U+{ord(c):04X}" for c in HTML_SPECIAL])
def test_dot_markup_characters_become_entities(char: str, entity: str) -> None:
    assert escape_html_label(char) == entity
    assert escape_html_label(f"a{char}b") == f"a{entity}b"


@pytest.mark.parametrize("char", CONTROLS, ids=lambda c: f"U+{ord(c):04X}")
def test_dot_controls_are_shown_as_hex_escapes(char: str) -> None:
    # Graphviz cannot draw them (a raw newline would also end the DOT statement): show `\x0a`, two hex digits.
    assert escape_html_label(f"x{char}y") == f"x\\x{ord(char):02x}y"


@pytest.mark.parametrize("char", LINE_SEPARATORS, ids=lambda c: f"U+{ord(c):04X}")
def test_dot_line_separators_are_shown_as_unicode_escapes(char: str) -> None:
    assert escape_html_label(f"x{char}y") == f"x\\u{ord(char):04x}y"


def test_dot_every_lone_surrogate_is_shown_as_a_unicode_escape() -> None:
    # A lone surrogate cannot be encoded as UTF-8: left in, writing the DOT file would raise.
    for code in range(0xD800, 0xE000):
        assert escape_html_label(chr(code)) == f"\\u{code:04x}", hex(code)


@pytest.mark.parametrize("char", [*PLAIN, "'", "#", "%", "\\", "`"], ids=lambda c: f"U+{ord(c):04X}")
def test_dot_passes_other_characters_through(char: str) -> None:
    # Quotes, `#`, `%` and backslashes mean nothing inside an HTML-like label, so they are drawn as typed.
    assert escape_html_label(char) == char


# A ModuleDict key and a class name with every kind of escaped character (no ".": it separates path parts).
KEY = "\"#%&<>'\\`\x00\n\x1f\x7f\x9f\u2028\u2029 k"
CLASS = 'Re<lu>"#\u2028'
RAW = set(CONTROLS + LINE_SEPARATORS) - {"\n"}  # characters no chart may contain; "\n" ends its lines


def _trace() -> Trace:
    b = TraceBuilder('net<"#>', "Net")
    b.add("heads", "ModuleDict")
    b.add(f"heads.{KEY}", "Sequential")
    b.leaf(f"heads.{KEY}.0", CLASS, (1, 4), (1, 4))
    return b.build([(1, 4)], [(1, 4)])


def test_mermaid_chart_escapes_module_names_and_classes() -> None:
    text = render_mermaid(_trace(), depth=3)
    key = "#34;#35;#37;#38;#60;#62;#39;#92;#96;#0;#10;#31;#127;#159;#8232;#8233; k"
    assert f'["{key}"]' in text
    assert '["Re#60;lu#62;#34;#35;#8232;"];' in text
    assert "net#60;#34;#35;#62;</span>" in text
    # Nothing raw got through (a raw newline would have split the labels above).
    assert not RAW & set(text)
    assert '"#%&' not in text and "Re<lu>" not in text


def test_dot_chart_escapes_module_names_and_classes() -> None:
    text = render_dot(_trace(), MermaidOptions(depth=3))
    key = "&quot;#%&amp;&lt;&gt;'\\`\\x00\\x0a\\x1f\\x7f\\x9f\\u2028\\u2029 k"
    assert f"label=<{key}>, " in text
    assert "label=<Re&lt;lu&gt;&quot;#\\u2028>, " in text
    assert "<B>net&lt;&quot;#&gt;</B>" in text
    assert not RAW & set(text)
    assert "Re<lu>" not in text and 'net<"' not in text
