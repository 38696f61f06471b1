"""compare at 80 columns: run names whole, changes coloured by better or worse (screen and
HTML), a warning when runs come from different instances."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from placement_opt.cli import app
from placement_opt.cli.compare_print import judged
from placement_opt.reports.compare import compare_runs, kpi_better, mixed_instances
from placement_opt.reports.html.compare_page import render_comparison

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "instances" / "demo"
runner = CliRunner()

pytestmark = pytest.mark.usefixtures("eighty_columns")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo solved, the demo with The Orchard closed (a scenario on it), and a copy of the
    demo with more demand (another instance)."""
    root = tmp_path_factory.mktemp("cmp")
    out = {"demo": root / "demo", "closed": root / "closed", "other": root / "other"}
    assert runner.invoke(app, ["solve", str(DEMO), "--out", str(out["demo"])]).exit_code == 0
    res = runner.invoke(app, ["scenario", "run", str(DEMO / "scenarios" / "close-orchard.toml"),
                              "--out", str(out["closed"])])
    assert res.exit_code == 0, res.output
    copy = root / "demo-more"
    shutil.copytree(DEMO, copy, ignore=shutil.ignore_patterns("scenarios"))
    demand = pd.read_csv(copy / "demand.csv")
    demand["pupils"] = demand["pupils"] + 1
    demand.to_csv(copy / "demand.csv", index=False)
    assert runner.invoke(app, ["solve", str(copy), "--out", str(out["other"])]).exit_code == 0
    return out


def test_better_or_worse_not_up_or_down() -> None:
    assert kpi_better("total_cost", 10.0) is False
    assert kpi_better("places_added", 10.0) is True
    assert kpi_better("share_met_locally", -0.1) is False
    assert kpi_better("placed_independent_whole", -2.0) is True
    assert kpi_better("unmet", 0.0) is None
    assert kpi_better("demand", 5.0) is None
    assert kpi_better("delta_cost", -5.0) is True
    assert judged("+10", "places_added", 10.0).style == "green"
    assert judged("+£1", "objective", 1.0).style == "red"
    assert judged("+3", "placed_special", 3.0).style == ""


def test_compare_at_80_columns(runs: dict[str, Path], tmp_path: Path) -> None:
    res = runner.invoke(app, ["compare", str(runs["demo"]), str(runs["closed"]), "--out",
                              str(tmp_path / "c")], env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    assert "…" not in res.output
    assert all(len(line) <= 80 for line in res.output.splitlines()), res.output
    flat = re.sub(r"\s+", "", res.output)
    assert "demo-close-orchard" in flat  # the name whole (wrapped at its hyphens at most)
    assert "different instances" not in res.output
    assert "Green: better" in res.output


def test_compare_warns_of_different_instances(runs: dict[str, Path], tmp_path: Path) -> None:
    comp = compare_runs([runs["demo"], runs["closed"], runs["other"]])
    warning = mixed_instances(comp)
    assert warning is not None and "different instances" in warning
    assert mixed_instances(compare_runs([runs["demo"], runs["closed"]])) is None
    res = runner.invoke(app, ["compare", str(runs["demo"]), str(runs["other"]), "--out",
                              str(tmp_path / "c")])
    assert res.exit_code == 0, res.output
    assert "different instances" in res.output


def test_html_colours_mean_better_or_worse(runs: dict[str, Path]) -> None:
    comp = compare_runs([runs["demo"], runs["closed"]])
    page = render_comparison(comp)
    assert 'class="up"' not in page and 'class="down"' not in page
    kpis = comp.kpis.set_index("kpi")
    base, closed = comp.names
    rising = [k for k in ("total_cost", "placed_independent")
              if float(kpis.loc[k, closed]) > float(kpis.loc[k, base])]
    assert rising  # closing The Orchard costs more and sends pupils independent
    assert 'class="worse"' in page
