"""How numbers are shown: counts, money, shares and minutes, for the pages, charts and CLI.

Every function returns ``–`` for a missing (NaN or infinite) value and uses a true minus sign
(``−``) for negative money, so the same figure reads the same wherever it is printed.
"""

from __future__ import annotations

import math

__all__ = ["DASH", "fmt_gbp", "fmt_gbp_m", "fmt_gbp_short", "fmt_minutes", "fmt_number", "fmt_share",
           "fmt_signed", "fmt_unit"]

#: What a missing value shows as.
DASH = "–"


def fmt_number(value: float) -> str:
    """A count such as pupils: whole numbers without decimals, others with one."""
    if not math.isfinite(value):
        return DASH
    if abs(value - round(value)) < 0.05:
        return f"{round(value):,}"
    return f"{value:,.1f}"


def fmt_gbp(value: float) -> str:
    """Pounds to the pound, with a true minus sign: ``−£1,234``."""
    return _pounds(value, 1.0, ",.0f", "")


def fmt_gbp_m(value: float) -> str:
    """GBP in millions with one decimal and a true minus: ``−£12.3m`` (``£0`` under 50p)."""
    return _pounds(value, 1e6, ",.1f", "m")


def _pounds(value: float, unit: float, spec: str, suffix: str) -> str:
    if not math.isfinite(value):
        return DASH
    if abs(value) < 0.5:
        return "£0"
    return f"{'−' if value < 0 else ''}£{abs(value) / unit:{spec}}{suffix}"


def fmt_gbp_short(value: float) -> str:
    """Pounds for an axis: ``£1.2m``, ``£350k``, ``£900``."""
    size = abs(value)
    sign = "−" if value < 0 else ""
    if size >= 1e6:
        return f"{sign}£{size / 1e6:.{0 if size >= 1e8 else 1}f}m".replace(".0m", "m")
    if size >= 1e3:
        return f"{sign}£{size / 1e3:.0f}k"
    return f"{sign}£{size:.0f}"


def fmt_share(value: float, digits: int = 1) -> str:
    """A share as a percentage: ``12.3%``."""
    return f"{value:.{digits}%}" if math.isfinite(value) else DASH


def fmt_minutes(value: float, unit: bool = False) -> str:
    """Minutes with one decimal, ``12.5`` (``12.5 min`` with ``unit``)."""
    if not math.isfinite(value):
        return DASH
    return f"{value:.1f} min" if unit else f"{value:.1f}"


def fmt_unit(value: float, unit: str) -> str:
    """A KPI value in its unit (``GBP``, ``share``, ``min``; anything else is a count)."""
    if not math.isfinite(value):
        return DASH
    if unit == "GBP":
        return fmt_gbp(value)
    if unit == "share":
        return fmt_share(value)
    if unit == "min":
        return fmt_minutes(value)
    return fmt_number(value)


def fmt_signed(value: float, unit: str) -> str:
    """A change in its unit with an explicit sign: ``+£1,200``, ``−3``, ``0``."""
    if abs(value) < 1e-9:
        return "0"
    return ("+" if value > 0 else "−") + fmt_unit(abs(value), unit)
