"""A CSV file's text as Excel saves it: the encoding (UTF-8 with or without a byte-order mark,
UTF-16 with one, else Windows-1252) and the delimiter (comma, semicolon or tab, sniffed from
the header line)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from placement_opt.errors import Issue, Severity

__all__ = ["DELIMITERS", "TextError", "read_csv_text", "read_text", "sniff_delimiter"]

#: The delimiters a CSV file may use, the first preferred when the header is ambiguous.
DELIMITERS = ",;\t"
_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


class TextError(Exception):
    """A text file that cannot be read or decoded, with the line where decoding failed."""

    def __init__(self, path: Path, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.message = message
        self.line = line

    def issue(self, kind: str) -> Issue:
        """The problem as a located issue (``kind``: CSV, TOML, JSON)."""
        return Issue(str(self.path), f"cannot read as {kind}: {self.message}", row=self.line,
                     expected=f"a UTF-8 {kind} file")


def _bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise TextError(path, exc.strerror or str(exc)) from exc


def _not_utf8(path: Path, data: bytes, exc: UnicodeDecodeError, also: str = "") -> TextError:
    line = data[: exc.start].count(b"\n") + 1
    return TextError(path, f"not UTF-8 text{also} (byte {data[exc.start]:#04x} on line {line})",
                     line)


def read_text(path: Path) -> str:
    """The file's text (UTF-8, with or without a byte-order mark)."""
    data = _bytes(path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, data, exc) from exc


def read_csv_text(path: Path) -> tuple[str, list[Issue]]:
    """A CSV file's text and a warning when it was not UTF-8: UTF-8 (a byte-order mark is
    dropped), UTF-16 with a byte-order mark (Excel's "Unicode text"), else Windows-1252 (Excel's
    plain "CSV" on Windows, where ``£`` is one byte), else an error naming the first bad byte."""
    data = _bytes(path)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), []
        except UnicodeDecodeError as exc:
            raise TextError(path, f"not UTF-16 text ({exc.reason})") from exc
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        first = exc
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, data, first, " nor Windows-1252") from exc
    line = data[: first.start].count(b"\n") + 1
    note = Issue(str(path), "not UTF-8: read as Windows-1252 (Excel's plain CSV); check the "
                 "accented letters and £ signs", row=line, severity=Severity.WARNING,
                 expected='a file saved as "CSV UTF-8"')
    return text, [note]


def _header_line(text: str) -> str | None:
    """The first line with a cell in it (lines of only delimiters and spaces are blank rows)."""
    for line in io.StringIO(text, newline=None):
        if line.strip(DELIMITERS + " \r\n\"'"):
            return line.rstrip("\r\n")
    return None


def sniff_delimiter(text: str, source: str) -> tuple[str, Issue | None]:
    """The delimiter of ``text``'s header line (comma when it has one column), or an error for
    a header that looks delimited but does not split into columns (a one-column table made of
    the whole header line would lose every column)."""
    line = _header_line(text)
    if line is None:
        return ",", None
    widths = {d: _width(line, d) for d in DELIMITERS}
    try:
        sniffed = csv.Sniffer().sniff(line, delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = ","
    # The sniffer prefers a comma on a tie of counts; a delimiter that gives more columns wins.
    most = max(widths.values())
    delimiter = sniffed if widths.get(sniffed) == most else next(
        d for d in DELIMITERS if widths[d] == most)
    cells = next(csv.reader([line], delimiter=delimiter), [])
    inside = [d for d in DELIMITERS if len(cells) == 1 and d in cells[0]]
    if inside:
        return delimiter, Issue(
            source, f"the header is one column holding a {_NAMES[inside[0]]}: it cannot be "
            "split into columns", row=_line_number(text, line), value=line[:80],
            expected="column names separated by commas, semicolons or tabs, none quoted "
            "together")
    return delimiter, None


def _width(line: str, delimiter: str) -> int:
    """How many non-blank cells ``line`` splits into at ``delimiter``."""
    cells = next(csv.reader([line], delimiter=delimiter), [])
    return sum(1 for c in cells if c.strip())


def _line_number(text: str, line: str) -> int:
    for number, candidate in enumerate(io.StringIO(text, newline=None), start=1):
        if candidate.rstrip("\r\n") == line:
            return number
    return 1
