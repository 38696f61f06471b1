"""An empty instance workbook for planners: headers, a README sheet and data validation."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from placement_opt.io.atomic import ensure_new_file, write_with
from placement_opt.io.readers import SETTINGS_SHEET
from placement_opt.io.settings_text import flatten
from placement_opt.io.workbook import write_frame, write_rows
from placement_opt.schema.defaults import default_needs, default_phases
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
    book = Workbook()
    readme = book.active
    readme.title = "README"
    _readme(readme)
    settings = book.create_sheet(SETTINGS_SHEET)
    defaults = Settings().model_dump(mode="json")
    descriptions = {f"policy.{name}": field.description or ""
                    for name, field in Policy.model_fields.items()}
    rows = [[k, v, descriptions.get(k.rsplit(".", 1)[0] if k.count(".") > 1 else k, "")]
            for k, v in flatten(defaults)]
    write_rows(settings, ["key", "value", "description"], rows)
    settings.column_dimensions["A"].width = 36
    settings.column_dimensions["C"].width = 80
    for name, spec in TABLES.items():
        sheet = book.create_sheet(name)
        if name == "needs":
            write_frame(sheet, default_needs())
        elif name == "phases":
            write_frame(sheet, default_phases())
        else:
            write_rows(sheet, spec.names, [])
        for i, col in enumerate(spec.columns, start=1):
            cell = sheet.cell(row=1, column=i)
            cell.comment = Comment(f"{col.description}\nExpected: {col.expected()}", "placement_opt")
            rule = _validation(col)
            if rule is not None:
                letter = get_column_letter(i)
                sheet.add_data_validation(rule)
                rule.add(f"{letter}2:{letter}{_ROWS}")
    book.save(target)


def _validation(col: Column) -> DataValidation | None:
    """Excel data validation for a column, where Excel has a matching rule."""
    message = col.expected()
    if col.choices:
        rule = DataValidation(type="list", formula1='"' + ",".join(col.choices) + '"',
                              allow_blank=not col.required)
    elif col.ref and col.kind != "list":
        rule = DataValidation(type="list", formula1=_REF_RANGE[col.ref], allow_blank=not col.required)
    elif col.kind in ("int", "float"):
        kind = "whole" if col.kind == "int" else "decimal"
        if col.low is not None and col.high is not None:
            rule = DataValidation(type=kind, operator="between", formula1=f"{col.low:g}",
                                  formula2=f"{col.high:g}", allow_blank=not col.required)
        elif col.low is not None:
            rule = DataValidation(type=kind, operator="greaterThanOrEqual", formula1=f"{col.low:g}",
                                  allow_blank=not col.required)
        else:
            return None
    else:
        return None
    rule.error = message
    rule.errorTitle = f"Invalid {col.name}"
    rule.prompt = col.description
    rule.showErrorMessage = True
    return rule


def _readme(sheet: Worksheet) -> None:
    lines = [
        ["placement_opt instance workbook"],
        [""],
        ["Fill one sheet per table; the first row holds the column names. Keep the sheet names."],
        ["Several values in one cell are separated by ';' (e.g. ASD;SLCN)."],
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
    for row in lines:
        sheet.append(row)
    for letter, width in zip("ABCDE", (14, 18, 16, 60, 70), strict=True):
        sheet.column_dimensions[letter].width = width
