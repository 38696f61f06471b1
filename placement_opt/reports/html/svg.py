"""What every SVG picture of the HTML pages shares: fixed-decimal coordinates, text sizes, the
opening tag, and the colour, name and symbol of each provision kind.

Text is escaped with markupsafe; coordinates are printed with fixed decimals, so the same data
always gives the same bytes.
"""

from __future__ import annotations

from markupsafe import escape

__all__ = ["FONT", "KIND_COLORS", "KIND_LABELS", "clip", "coord", "kind_marker", "svg_open", "text_width"]

#: Colour of each provision kind (Okabe-Ito palette, safe for colour-blind readers).
KIND_COLORS: dict[str, str] = {
    "special": "#0072B2",
    "srp": "#009E73",
    "independent": "#D55E00",
    "mainstream": "#CC79A7",
    "ap": "#E69F00",
}
#: How each kind is named in legends and tooltips.
KIND_LABELS = {"special": "special school", "srp": "SRP", "independent": "independent",
               "mainstream": "mainstream support", "ap": "alternative provision"}
#: Font size of chart text, px.
FONT = 11.0


def coord(x: float) -> str:
    """An SVG coordinate with one decimal (fixed, so output is byte-stable)."""
    return f"{x:.1f}"


_c = coord  # the short name the f-strings below use


def text_width(text: str, size: float = FONT) -> float:
    """Rough rendered width of ``text`` in a sans-serif font of ``size`` px."""
    return 0.6 * size * len(text)


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def svg_open(width: float, height: float, label: str, css_class: str) -> str:
    """An ``<svg>`` start tag scaled to its container."""
    return (f'<svg class="{css_class}" viewBox="0 0 {coord(width)} {coord(height)}" role="img" '
            f'aria-label="{escape(label)}" preserveAspectRatio="xMidYMid meet">')


def kind_marker(kind: str, x: float, y: float, size: float, dashed: bool = False,
                style: str | None = None) -> str:
    """The symbol of a provision kind: square, triangle, diamond or circle (``style``: its
    fill and stroke attributes, when not the default)."""
    color = KIND_COLORS.get(kind, "#666666")
    style = style or f'fill="{color}" stroke="#ffffff" stroke-width="1.2"'
    if dashed:
        style = f'fill="#ffffff" stroke="{color}" stroke-width="2" stroke-dasharray="2 1.5"'
    s = size
    if kind == "special":
        return f'<rect x="{_c(x - s)}" y="{_c(y - s)}" width="{_c(2 * s)}" height="{_c(2 * s)}" {style}/>'
    if kind == "srp":
        pts = f"{_c(x)},{_c(y - 1.25 * s)} {_c(x + 1.2 * s)},{_c(y + s)} {_c(x - 1.2 * s)},{_c(y + s)}"
        return f'<polygon points="{pts}" {style}/>'
    if kind == "independent":
        r = 1.35 * s
        pts = f"{_c(x)},{_c(y - r)} {_c(x + r)},{_c(y)} {_c(x)},{_c(y + r)} {_c(x - r)},{_c(y)}"
        return f'<polygon points="{pts}" {style}/>'
    return f'<circle cx="{_c(x)}" cy="{_c(y)}" r="{_c(s)}" {style}/>'


