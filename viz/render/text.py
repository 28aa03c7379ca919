"""Text helpers shared by renderers: shapes, parameter counts, and label escaping.

>>> format_shapes([(1, 3, 224, 224)]), format_shapes([(2, 4), (2,)]), format_count(12_345_678)
('(1,3,224,224)', '[(2,4), (2,)]', '12.3M')
"""

from __future__ import annotations

from viz.ir import Shape

# Characters that could end a quoted Mermaid label ("), start a directive (%%{), form an entity code (#..;),
# open markdown strings (`) or become HTML (<, >, &, '). They are written as Mermaid's numeric codes (#34;).
_MERMAID_SPECIAL = frozenset("\"#%&<>'`\\")


def format_shape(shape: Shape) -> str:
    """`(1,3,224,224)`: a Python tuple without spaces, so a 1-d shape is `(5,)` and a 0-d one `()`."""
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ",".join(str(d) for d in shape) + ")"


def format_shapes(shapes: list[Shape]) -> str:
    """One shape as is; several as a bracketed list; none as `[]`."""
    if len(shapes) == 1:
        return format_shape(shapes[0])
    return "[" + ", ".join(format_shape(s) for s in shapes) + "]"


def format_count(count: int) -> str:
    """A parameter count with three significant digits and a K/M/B suffix: 950, 1.3K, 448K, 12.3M."""
    scales = ((1, ""), (10**3, "K"), (10**6, "M"), (10**9, "B"))
    index = 0
    while index + 1 < len(scales) and count >= scales[index + 1][0]:
        index += 1
    while True:
        divisor, suffix = scales[index]
        rounded = float(f"{count / divisor:.3g}")
        # 999,950 rounds to 1000K: say 1M instead.
        if rounded < 1000 or index + 1 == len(scales):
            break
        index += 1
    return (f"{rounded:.0f}" if rounded >= 100 else f"{rounded:g}") + suffix


def escape_mermaid(text: str) -> str:
    """`text` made safe inside a quoted Mermaid label with HTML labels: no character can end the string, start a
    directive or comment, or become markup; control and line-separator characters are encoded too."""
    out = []
    for char in text:
        code = ord(char)
        if char in _MERMAID_SPECIAL or code < 32 or 127 <= code < 160 or char in "\u2028\u2029":
            out.append(f"#{code};")
        else:
            out.append(char)
    return "".join(out)


# Bidirectional embeddings, overrides and isolates reorder the text after them on screen: a row could be made to read
# as another. Like control characters, they are shown as escapes in plain-text output.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def escape_controls(text: str) -> str:
    """`text` safe to print to a terminal or a text file: control characters (C0, DEL, C1: ANSI escape sequences,
    carriage returns, newlines) become `\\x1b`-style escapes; line separators, bidirectional controls and lone
    surrogates (which no encoding can write) `\\u2028`-style ones. Letters, symbols and spaces are unchanged.

    >>> escape_controls("\\x1b[31mconv\\r\\n"), escape_controls("Größe (1,3)→(1,8) ×2")
    ('\\\\x1b[31mconv\\\\x0d\\\\x0a', 'Größe (1,3)→(1,8) ×2')
    """
    if text.isprintable():  # the usual case; isprintable() is False for every character escaped below
        return text
    out = []
    for char in text:
        code = ord(char)
        if code < 32 or 127 <= code < 160:
            out.append(f"\\x{code:02x}")
        elif char in "\u2028\u2029" or char in _BIDI_CONTROLS or 0xD800 <= code < 0xE000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)
