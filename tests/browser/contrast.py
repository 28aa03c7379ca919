"""WCAG contrast of CSS colours, for the browser tests that check charts stay readable in light and dark themes."""

from __future__ import annotations

import re


def css_rgb(text: str) -> tuple[float, float, float]:
    """The red, green and blue channels of a CSS `rgb(...)`/`rgba(...)` colour."""
    red, green, blue = (float(v) for v in re.findall(r"[\d.]+", text)[:3])
    return red, green, blue


def contrast_ratio(a: str, b: str) -> float:
    """WCAG contrast ratio of two CSS rgb() colours (1 = none, 21 = black on white)."""

    def luminance(colour: str) -> float:
        channels = []
        for value in css_rgb(colour):
            c = value / 255
            channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)
