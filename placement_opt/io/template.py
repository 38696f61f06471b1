"""An empty instance workbook for planners: headers, a README sheet and data validation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xlsxwriter.worksheet import Worksheet  # type: ignore[import-untyped]

from placement_opt.io.atomic import ensure_new_file, write_with
from placement_opt.io.readers import SETTINGS_SHEET
from placement_opt.io.settings_text import flatten
from placement_opt.io.workbook import Book, open_book
from placement_opt.schema.defaults import default_needs, default_phases
from placement_opt.schema.names import NAME_RULES
from placement_opt.schema.numbers import NUMBER_FORMATS
from placement_opt.schema.settings import Policy, Settings
from placement_opt.schema.tables import TABLES, Column

__all__ = ["write_template"]

#: Rows of each sheet covered by data validation.
_ROWS = 5000
_REF_RANGE = {"zones": "zones!$A$2:$A$5000", "needs": "needs!$A$2:$A$200",
              "phases": "phases!$A$2:$A$50", "provisions": "provisions!$A$2:$A$5000",
              "levels": "levels!$A$2:$A$50"}


def write_template(path: Path, overwrite: bool = False) -> Path:
    """Write the template workbook to ``path`` (refuses to replace a file unless ``overwrite``)."""
    ensure_new_file(path, overwrite)
    write_with(path, _build)
    return path


def _build(target: Path) -> None:
    with open_book(target) as book:
        _readme(book)
        defaults = Settings().model_dump(mode="json")
        descriptions = {f"policy.{name}": field.description or ""
                        for name, field in Policy.model_fields.items()}
        rows = [[k, v, descriptions.get(k.rsplit(".", 1)[0] if k.count(".") > 1 else k, "")]
                for k, v in flatten(defaults)]
        settings = book.rows(SETTINGS_SHEET, ["key", "value", "description"], rows)
        settings.set_column(0, 0, 36)
        settings.set_column(2, 2, 80)
        for name, spec in TABLES.items():
            notes = [f"{col.description}\nExpected: {col.expected()}" for col in spec.columns]
            if name == "needs":
                sheet = book.frame(name, default_needs(), comments=notes)
            elif name == "phases":
                sheet = book.frame(name, default_phases(), comments=notes)
            else:
                sheet = book.rows(name, spec.names, [], comments=notes)
            _validate(sheet, spec.columns)


def _validate(sheet: Worksheet, columns: tuple[Column, ...]) -> None:
    """Data validation for each column where Excel has a matching rule."""
    for i, col in enumerate(columns):
        rule = _validation(col)
        if rule is not None:
            sheet.data_validation(1, i, _ROWS - 1, i, rule)


def _validation(col: Column) -> dict[str, Any] | None:
    """Excel data validation for a column (XlsxWriter's options), where Excel has a rule."""
    rule: dict[str, Any]
    if col.choices:
        rule = {"validate": "list", "source": list(col.choices)}
    elif col.ref and col.kind != "list":
        rule = {"validate": "list", "source": "=" + _REF_RANGE[col.ref]}
    elif col.kind in ("int", "float") and col.low is not None:
        rule = {"validate": "integer" if col.kind == "int" else "decimal"}
        if col.high is not None:
            rule.update(criteria="between", minimum=col.low, maximum=col.high)
        else:
            rule.update(criteria=">=", value=col.low)
    else:
        return None
    # Excel's limits: a title of 32 characters, messages of 255.
    rule.update(ignore_blank=not col.required, error_message=col.expected()[:255],
                error_title=f"Invalid {col.name}"[:32], input_message=col.description[:255],
                show_error=True, show_input=False)
    return rule


def _readme(book: Book) -> None:
    lines = [
        ["placement_opt instance workbook"],
        [""],
        ["Fill one sheet per table; the first row holds the column names. Keep the sheet names."],
        ["Several values in one cell are separated by ';' (e.g. ASD;SLCN)."],
        [NUMBER_FORMATS],
        [NAME_RULES],
        ["Settings go on the 'settings' sheet as key/value rows; blank values keep the default."],
        ["Check the workbook with:  placement-opt validate FILE.xlsx"],
        [""],
        ["sheet", "column", "required", "expected", "description"],
    ]
    for name, spec in TABLES.items():
        lines.append([name, "", "sheet required" if spec.required else "sheet optional", "",
                      spec.description])
        for col in spec.columns:
            lines.append([name, col.name, "yes" if col.required else "no", col.expected(),
                          col.description])
    book.lines("README", lines, (14, 18, 16, 60, 70))
