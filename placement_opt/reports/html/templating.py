"""The jinja2 environment of the HTML pages (autoescaped, strict) and the table cell they show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

__all__ = ["Cell", "num", "render"]

_ENV = Environment(loader=PackageLoader("placement_opt.reports.html", "templates"), autoescape=True,
                   undefined=StrictUndefined, keep_trailing_newline=True, trim_blocks=True,
                   lstrip_blocks=True)


def render(template: str, **context: Any) -> str:
    """``template`` (a file under ``templates/``) rendered with ``context``."""
    return _ENV.get_template(template).render(**context)


@dataclass(frozen=True)
class Cell:
    """One table cell: plain text and how it is shown (a plain ``str`` cell is just text)."""

    text: str
    cls: str = ""
    swatch: str = ""
    style: str = ""
    bold: bool = False
    header: bool = False
    rowspan: int = 0


def num(text: str, cls: str = "", style: str = "", bold: bool = False) -> Cell:
    """A right-aligned number cell."""
    return Cell(text, f"num {cls}".strip(), style=style, bold=bold)
