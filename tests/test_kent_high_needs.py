"""Kent's high-needs block outside the model (``instances/kent/kentbuild/high_needs.py``):
the committed ``high_needs.csv`` and ``[finance]`` against the data pack, the 2024-25
reconciliation, the Safety Valve split, and the account of a solved Kent baseline.

Pack figures (``kent_figures.csv``, R4 of ``raw/SOURCES.md``): high-needs block before deductions
GBP 222.9m (2020-21) .. 311.7m (2023-24), budget GBP 342.7m and forecast GBP 389m (2024-25).
Safety Valve (not in the pack): DfE GBP 140m + KCC GBP 82m over FY 2022-23..2027-28.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from placement_opt import Instance, Status, solve
from placement_opt.finance.account import Account
from placement_opt.reports.high_needs import run_account
from placement_opt.results.run import RunData
from placement_opt.schema.tables import TABLES

ROOT = Path(__file__).resolve().parent.parent
KENT = ROOT / "instances" / "kent"
DATA = ROOT.parent / "shared" / "data" / "kent"
NEEDS_PACK = pytest.mark.skipif(not DATA.exists(), reason=f"data pack not found at {DATA}")
if str(KENT) not in sys.path:
    sys.path.insert(0, str(KENT))

from kentbuild.common import table_text  # noqa: E402
from kentbuild.high_needs import S251_LINES, SAFETY_VALVE, high_needs  # noqa: E402
from kentbuild.pack import Pack  # noqa: E402

FYS = list(range(2025, 2031))
HNB_2020, HNB_2024 = 222_918_942.0, 342.7e6
GROWTH = (HNB_2024 / HNB_2020) ** 0.25 - 1  # 11.35% a year
SV_TOTAL = 140e6 + 82e6
SV_IN_HORIZON = SV_TOTAL * 3 / 6  # FY 2025-26..2027-28 of the six years 2022-23..2027-28


@pytest.fixture(scope="module")
def inst() -> Instance:
    return Instance.from_path(KENT)


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return pd.read_csv(KENT / "high_needs.csv")


@pytest.fixture(scope="module")
def reconciliation() -> pd.DataFrame:
    return pd.read_csv(KENT / "provenance" / "high_needs_reconciliation.csv").set_index("item")


@pytest.fixture(scope="module")
def account(inst: Instance) -> Account:
    """The account of the committed Kent baseline (one solve, about 15 s)."""
    result = solve(inst, time_limit=120)
    assert result.status is Status.OPTIMAL
    return run_account(RunData.from_result(result, inst))


def test_the_committed_table_loads_and_validates(inst: Instance, table: pd.DataFrame) -> None:
    assert list(inst.warnings) == []
    columns = [c.name for c in TABLES["high_needs"].columns]
    assert list(table.columns) == columns
    assert not table.duplicated(["financial_year", "line"]).any()
    assert sorted(inst.high_needs["financial_year"].unique()) == FYS
    assert len(inst.high_needs) == len(table)
    assert set(table["kind"]) == {"income", "spend"}
    assert (table["amount_gbp"] > 0).all()
    assert table["source"].str.len().gt(40).all()
    assert table["estimate"].all() and table["source"].str.startswith("ESTIMATE").all()


@NEEDS_PACK
def test_the_table_is_a_fresh_build_of_the_step(inst: Instance) -> None:
    hn = high_needs(DATA, Pack.read(DATA))
    text = table_text(hn.table).to_csv(index=False, lineterminator="\n")
    assert text == (KENT / "high_needs.csv").read_text(encoding="utf-8")
    assert inst.settings.finance.opening_balance == hn.opening
    assert hn.g == pytest.approx(GROWTH, abs=1e-9)


def test_income_grows_from_the_2024_25_budget(table: pd.DataFrame) -> None:
    hnb = table[table["line"] == "hnb_allocation"].set_index("financial_year")["amount_gbp"]
    assert hnb.index.tolist() == FYS
    for fy in FYS:
        assert hnb[fy] == pytest.approx(HNB_2024 * (1 + GROWTH) ** (fy - 2024), abs=1.0)
    income = table[table["kind"] == "income"]
    assert set(income["line"]) == {"hnb_allocation", "top_up_income", *SAFETY_VALVE}


def test_spend_lines_are_only_those_the_model_does_not_cover(table: pd.DataFrame) -> None:
    from placement_opt.finance.account import DSG_LINES, MEMO_LINES

    spend = set(table.loc[table["kind"] == "spend", "line"])
    assert spend == {k for k, (kind, _, _) in S251_LINES.items() if kind == "spend"}
    assert not spend & set(DSG_LINES + MEMO_LINES)
    outreach = table[(table["line"] == "outreach_support") & (table["financial_year"] == 2025)]
    # S251 2021-22 budget, SEN support and inclusion services (R5 column 38), grown 4 years
    assert float(outreach["amount_gbp"].iloc[0]) == pytest.approx(
        30_748_688.41 * (1 + GROWTH) ** 4, abs=1.0)


def test_safety_valve_in_the_horizon_is_its_share_of_the_agreement(table: pd.DataFrame) -> None:
    sv = table[table["line"].isin(list(SAFETY_VALVE))]
    assert sorted(sv["financial_year"].unique()) == [2025, 2026, 2027]
    assert sv["amount_gbp"].sum() == pytest.approx(SV_IN_HORIZON, abs=2.0)
    dfe = sv.loc[sv["line"] == "safety_valve_dfe", "amount_gbp"].sum()
    assert dfe == pytest.approx(140e6 / 2, abs=2.0)


def test_the_2024_25_anchor_reconciles(reconciliation: pd.DataFrame) -> None:
    budget = reconciliation.loc["hnb_budget"]
    assert budget["published_gbp"] == HNB_2024 and abs(budget["gap_gbp"]) <= 1.0
    forecast = reconciliation.loc["hnb_spend_forecast"]
    assert forecast["published_gbp"] == 389e6
    # the model's 2025 baseline plus the lines outside it come within 5% of the forecast
    assert abs(forecast["gap_gbp"]) < 0.05 * 389e6
    over = reconciliation.loc["hnb_overspend"]
    assert over["published_gbp"] == pytest.approx(46.3e6)
    assert over["gap_gbp"] == pytest.approx(forecast["gap_gbp"], abs=1.0)
    sv = reconciliation.loc["safety_valve_in_horizon"]
    assert sv["published_gbp"] == SV_IN_HORIZON and abs(sv["gap_gbp"]) <= 2.0


def test_the_opening_balance_is_a_deficit_from_the_pack(inst: Instance) -> None:
    finance = inst.settings.finance
    assert finance.balance_target is None and finance.target_year is None
    rows = pd.read_csv(KENT / "provenance" / "high_needs_opening_balance.csv").set_index("item")
    closing = rows.at["closing_balance_2021_22", "amount_gbp"]
    assert closing == pytest.approx(-0.0683 * 1_428_707_946, abs=1.0)  # R7 x R6
    deficits = sum(rows.at[f"in_year_deficit_{y}", "amount_gbp"]
                   for y in ("2022_23", "2023_24", "2024_25"))
    received = rows.at["safety_valve_received_before_2025", "amount_gbp"]
    assert received == pytest.approx(SV_TOTAL - SV_IN_HORIZON, abs=1.0)
    assert finance.opening_balance == pytest.approx(closing - deficits + received, abs=5e4)
    assert finance.opening_balance < 0
    assert "ESTIMATE" in (KENT / "instance.toml").read_text().split("[finance]")[1]


def test_run_account_on_the_kent_baseline(account: Account, inst: Instance,
                                          table: pd.DataFrame) -> None:
    s = account.summary.set_index("financial_year")
    assert s.index.tolist() == FYS
    income = table[table["kind"] == "income"].groupby("financial_year")["amount_gbp"].sum()
    assert s["income_gbp"].to_numpy() == pytest.approx(income.reindex(FYS).to_numpy())
    first = s.loc[2025]
    assert first["cumulative_balance_gbp"] == pytest.approx(
        inst.settings.finance.opening_balance + first["in_year_balance_gbp"])
    lines = account.lines
    model = lines[(lines["source"] == "model (budget export)") & lines["in_balance"]]
    assert model["amount_gbp"].sum() > 0
    outside = lines[lines["line"] == "outreach_support"]
    assert len(outside) == 6 and outside["estimated"].all()
    # the modelled spend plus the lines outside it is within 10% of the 2024-25 forecast
    assert first["spend_gbp"] == pytest.approx(389e6, rel=0.10)
