"""The high-needs account of a solved run (``placement_opt.finance.account``): the budget
export by financial year, with the instance's ``high_needs`` lines and ``[finance]`` settings."""

from __future__ import annotations

from placement_opt.errors import InstanceError
from placement_opt.finance.account import Account, account_issues, high_needs_account
from placement_opt.finance.years import to_financial_years
from placement_opt.reports.budget import budget_export
from placement_opt.results.run import RunData

__all__ = ["run_account"]


def run_account(run: RunData) -> Account:
    """The account of ``run``: ``lines`` (financial year × line) and ``summary`` (income, spend,
    in-year and cumulative balance against the target, by financial year).

    Raises :class:`InstanceError` naming the table, row, column and value of a line outside the
    horizon, a negative amount or a target year outside the horizon.
    """
    inst = run.instance
    years = sorted(int(y) for y in inst.years)
    issues = account_issues(inst.high_needs, inst.settings.finance, years, str(inst.source))
    if issues:
        raise InstanceError(issues)
    export = budget_export(run)
    model_fy = to_financial_years(export, ["amount_gbp"], keys=["funding_line"])
    return high_needs_account(model_fy, inst.high_needs, inst.settings.finance, years)
