"""Regressions of the malformed-input fuzz (issue "Reliability"): each input that once crashed,
was accepted silently or lost its location is now a located error."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from placement_opt import Instance
from placement_opt.cli import app
from placement_opt.errors import InstanceError, Issue

DEMO = Path(__file__).resolve().parent.parent / "instances" / "demo"


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "demo"
    shutil.copytree(DEMO, folder)
    return folder


def _issues(path: Path) -> list[Issue]:
    with pytest.raises(InstanceError) as info:
        Instance.from_path(path)
    return info.value.issues


def _append_policy(folder: Path, line: str) -> None:
    toml = folder / "instance.toml"
    text = toml.read_text()
    assert "[policy]" in text
    toml.write_text(text.replace("[policy]", f"[policy]\n{line}", 1))


@pytest.mark.parametrize("line, key", [
    ("unmet_penalty = inf", "policy.unmet_penalty"),
    ("speed_kmh = inf", "policy.speed_kmh"),
    ("transport_cost_per_km = nan", "policy.transport_cost_per_km"),
])
def test_an_infinite_or_nan_policy_number_is_a_located_error(tmp_path: Path, line: str,
                                                            key: str) -> None:
    folder = _copy(tmp_path)
    text = (folder / "instance.toml").read_text()
    name = key.split(".")[1]
    kept = "\n".join(x for x in text.splitlines() if not x.startswith(f"{name} ="))
    (folder / "instance.toml").write_text(kept + "\n")
    _append_policy(folder, line)
    [issue] = _issues(folder)
    assert issue.column == key and issue.source.endswith("instance.toml")
    assert issue.expected == "a finite number" and issue.value in ("inf", "nan")


def test_an_infinite_journey_limit_still_means_no_limit(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    text = (folder / "instance.toml").read_text()
    kept = "\n".join(x for x in text.splitlines() if not x.startswith("max_journey_min"))
    (folder / "instance.toml").write_text(kept + "\n")
    _append_policy(folder, "max_journey_min = { primary = inf }")
    inst = Instance.from_path(folder)
    assert inst.policy.max_journey_min == {"primary": float("inf")}
    _append_policy(folder, "")
    (folder / "instance.toml").write_text(
        (folder / "instance.toml").read_text().replace("primary = inf", "primary = nan"))
    [issue] = _issues(folder)
    assert issue.column == "policy.max_journey_min.primary" and "NaN" in issue.message


def test_demand_of_1e20_pupils_is_refused_at_its_cell(tmp_path: Path) -> None:
    """It once passed validate and crashed the solve with an IndexError."""
    folder = _copy(tmp_path)
    demand = pd.read_csv(folder / "demand.csv", dtype=str)
    demand.loc[1, "pupils"] = "1e20"
    demand.to_csv(folder / "demand.csv", index=False)
    [issue] = _issues(folder)
    assert (issue.source, issue.row, issue.column) == (str(folder / "demand.csv"), 3, "pupils")
    assert issue.value == "1e20" and "<= 1e+06" in str(issue.expected)
    res = CliRunner().invoke(app, ["solve", str(folder), "--out", str(tmp_path / "run")])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert not (tmp_path / "run").exists()


def test_a_json_number_of_330_digits_is_a_located_error_not_an_overflow(tmp_path: Path) -> None:
    Instance.from_path(DEMO).to_path(tmp_path / "demo.json")
    data = json.loads((tmp_path / "demo.json").read_text())
    text = json.dumps(data).replace('"pupils": 30.0', '"pupils": 1' + "0" * 330, 1)
    assert text != json.dumps(data)
    (tmp_path / "demo.json").write_text(text)
    [issue] = _issues(tmp_path / "demo.json")
    assert issue.source.endswith("(tables.demand)") and issue.row == 1
    assert issue.column == "pupils" and issue.value == "inf"


@pytest.mark.parametrize("wrong, right", [("Instance.toml", "instance.toml"),
                                          ("Capacity.csv", "capacity.csv"),
                                          ("DEMAND.csv", "demand.csv")])
def test_a_misnamed_instance_file_is_an_error_not_ignored(tmp_path: Path, wrong: str,
                                                          right: str) -> None:
    folder = _copy(tmp_path)
    (folder / right).rename(folder / wrong)
    issues = _issues(folder)
    named = [i for i in issues if i.value == wrong]
    assert len(named) == 1 and named[0].source == str(folder / wrong)
    assert right in str(named[0].expected)


def test_formula_like_ids_are_neutralised_in_every_csv_and_read_back_whole(
        tmp_path: Path) -> None:
    """``=Swale`` once reached duals.csv and the run's instance/ copy raw (categorical columns
    were missed). Every CSV of the run folder now starts such a cell with ``'``, and the
    instance copy reads back as the same instance."""
    import csv

    folder = _copy(tmp_path)
    for file in folder.glob("*.csv"):
        file.write_text(file.read_text().replace("Swale", "=Swale"))
    out = tmp_path / "run"
    res = CliRunner().invoke(app, ["solve", str(folder), "--out", str(out)])
    assert res.exit_code == 0, res.output
    files = sorted(out.rglob("*.csv"))
    assert out / "duals.csv" in files and out / "instance" / "zones.csv" in files
    seen = 0
    for file in files:
        for row in csv.reader(file.open(newline="")):
            assert not any(cell.startswith(("=", "+", "@")) for cell in row), (file, row)
            seen += sum(cell == "'=Swale" for cell in row)
    assert seen > 10
    original = Instance.from_path(folder)
    copy = Instance.from_path(out / "instance")
    assert "=Swale" in set(copy.zones["zone"])
    assert copy.fingerprint() == original.fingerprint()
