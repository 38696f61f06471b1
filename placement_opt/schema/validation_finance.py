"""The high-needs account's inputs against the horizon (``models/high_needs.md``): a
``high_needs`` row whose financial year is outside the horizon's, a negative amount, a Safety
Valve target year outside the horizon. Checked when an instance is read, and again by the
account and the model's target row for instances built in memory."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from placement_opt.errors import Issue, Severity
from placement_opt.schema.settings import Finance

__all__ = ["finance_issues"]


def finance_issues(high_needs: pd.DataFrame, finance: Finance, years: list[int],
                   table_source: str, settings_source: str,
                   rows: npt.NDArray[np.int64] | None = None,
                   outside_severity: Severity = Severity.ERROR) -> list[Issue]:
    """Located problems; ``rows`` are the table rows' numbers in their file (default: the
    header is row 1); a line outside the horizon is of ``outside_severity``."""
    horizon = f"{years[0]} to {years[-1]}" if years else "none"
    expected = f"a financial year of the horizon ({horizon})"
    issues = []
    numbers = rows if rows is not None and len(rows) == len(high_needs) else (
        np.arange(len(high_needs)) + 2)
    for row, fy, amount in zip(numbers.tolist(), high_needs["financial_year"],
                               high_needs["amount_gbp"], strict=True):
        if pd.notna(fy) and int(fy) not in years:
            issues.append(Issue(table_source, "financial year outside the horizon", row=row,
                                column="financial_year", value=str(fy), expected=expected,
                                severity=outside_severity))
        if pd.notna(amount) and float(amount) < 0:
            issues.append(Issue(table_source, "negative amount", row=row, column="amount_gbp",
                                value=str(amount),
                                expected="0 or more (the kind says income or spend)"))
    if finance.target_year is not None and finance.target_year not in years:
        issues.append(Issue(settings_source, "Safety Valve target year outside the horizon",
                            column="finance.target_year", value=str(finance.target_year),
                            expected=expected))
    return issues
