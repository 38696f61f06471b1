"""Number cells as a planner types them: ``£24,000``, ``24,000``, `` 24000 ``.

Accepted (spaces around the cell are ignored): a plain number (``24000``, ``-5``, ``0.25``,
``2.4e4``); thousands separated by commas in groups of three (``24,000``, ``1,234,567.5``); a
leading pound sign, before or after a minus sign, with or without a space (``£24,000``,
``£ 24000``, ``-£500``). Refused, each as an error naming the cell: a decimal comma
(``24000,5``, ``24.000,5``), commas not in groups of three (``1,5``), other currency signs, a
``k``/``m``/``bn`` suffix (``£1.5m``: write ``1500000``), a percent sign, and any other text.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = ["NUMBER_FORMATS", "number_hint", "parse_numbers"]

#: The accepted formats in one line (for the template's README sheet and the docs).
NUMBER_FORMATS = ("Numbers: 24000, 24,000 (commas between thousands), £24,000 or £ 24000 "
                  "(a leading £); not 24000,5 or 24.000,5 (a decimal comma), £1.5m or 24k "
                  "(write 1500000, 24000) or 60% (write 0.6).")

#: A pound sign (after an optional sign) and the spaces after it.
_POUND = re.compile(r"^([+-]?)\s*£\s*")
#: A number with thousands separators: ``1,234`` or ``-12,345.5`` (but not ``1,5``).
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_DECIMAL_COMMA = re.compile(r"^[+-]?£?\s*\d{1,3}(\.\d{3})*,\d+$|^[+-]?£?\s*\d+,\d{1,2}$")
_SUFFIX = re.compile(r"^[+-]?£?\s*\d[\d,]*(\.\d+)?\s*(k|m|mn|bn|million|billion)$", re.I)
_PERCENT = re.compile(r"^[+-]?\d+(\.\d*)?\s*%$")
_CURRENCY = re.compile(r"^[+-]?\s*[$€¥]|(GBP|EUR|USD)", re.I)


def _clean(cell: object) -> object:
    """One cell's text without its pound sign and thousands commas (other cells as they are)."""
    if not isinstance(cell, str) or not ("£" in cell or "," in cell):
        return cell
    text = _POUND.sub(r"\1", cell)
    if "," in text and _THOUSANDS.match(text):
        text = text.replace(",", "")
    return text


def parse_numbers(text: np.ndarray) -> np.ndarray:
    """Stripped cell texts (``None`` for blank) as floats; NaN where a cell is not a number."""
    cleaned = np.array([_clean(t) for t in text.tolist()], dtype=object)
    return np.array(pd.to_numeric(cleaned, errors="coerce"), dtype="float64")


def number_hint(cell: str) -> str:
    """Why ``cell`` is not read as a number, where a usual format explains it (else ``""``)."""
    text = cell.strip()
    if _DECIMAL_COMMA.match(text):
        return "a decimal comma is not read: use a point (24000.5), commas only between thousands"
    if _SUFFIX.match(text):
        return "write the whole number (1500000, not 1.5m)"
    if _PERCENT.match(text):
        return "write a share as a fraction (0.6, not 60%)"
    if _CURRENCY.search(text):
        return "only a leading £ is read as a currency sign"
    return ""
