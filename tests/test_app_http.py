"""The app's HTTP endpoints without a browser (Starlette's TestClient): the page and its assets
are local, the levers make the scenario a TOML file would, runs go through to a workbook and a
report, a run can be cancelled, two runs compare, and runs come back after a restart."""

from __future__ import annotations

import io
import re
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from placement_opt.analysis.scenarios import apply_scenario, scenario_from_text
from placement_opt.app import create_app
from placement_opt.app.levers import Levers, to_scenario
from placement_opt.instance import Instance
from placement_opt.io.bundled import resolve_instance_path

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette's notice that it prefers httpx2
    from starlette.testclient import TestClient

INSTANCES = ["demo", "kent"]


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with TestClient(create_app(tmp_path / "runs", INSTANCES, "demo")) as c:
            yield c


def wait(client: TestClient, run_id: str, timeout: float = 120.0) -> dict[str, Any]:
    """The run once it is no longer running."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        run: dict[str, Any] = client.get(f"/api/runs/{run_id}").json()
        if run["status"] != "running":
            return run
        time.sleep(0.25)
    raise AssertionError(f"run {run_id} still running after {timeout} s")


def test_page_and_assets_are_local(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert '<option value="demo" selected>' in page.text
    refs = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert refs and all(r.startswith("/static/") or r == "#" for r in refs), refs
    for ref in refs:
        if ref.startswith("/static/"):
            assert client.get(ref).status_code == 200
    script = client.get("/static/app.js").text + client.get("/static/app.css").text
    assert "http://" not in script and "https://" not in script  # nothing fetched from outside


def test_instance_facts(client: TestClient) -> None:
    facts = client.get("/api/instance?name=demo").json()
    assert facts["needs"] == ["ASD", "SEMH", "SLD"]  # the needs with demand
    assert facts["years"] == [2026, 2027]
    assert {p["provision"] for p in facts["provisions"]} >= {"ORC", "SNS", "FGL"}
    assert client.get("/api/instance?name=../../etc").status_code == 404


def test_levers_give_the_instance_a_scenario_file_gives() -> None:
    levers = Levers(instance="demo", name="same", growth_by_need={"ASD": 0.05},
                    cost_factor_by_kind={"independent": 1.1}, max_independent_share=0.1,
                    close=[{"provision": "ORC", "from_year": 2027}])  # type: ignore[list-item]
    toml = """
[scenario]
name = "same"
base = "demo"
[demand]
growth_by_need = { ASD = 0.05 }
[costs]
cost_per_place_factor = { independent = 1.1 }
[policy]
max_independent_share = 0.1
[[provisions.close]]
provision = "ORC"
from_year = 2027
"""
    base = Instance.from_path(resolve_instance_path("demo"))
    from_app = apply_scenario(to_scenario(levers), base)
    from_file = apply_scenario(scenario_from_text(toml, "same.toml"), base)
    # The same tables and policy (only the description, which lists the levers, differs).
    app_tables, file_tables = from_app.tables(), from_file.tables()
    assert set(app_tables) == set(file_tables)
    for name, frame in app_tables.items():
        pd.testing.assert_frame_equal(frame, file_tables[name], obj=name)
    assert from_app.policy == from_file.policy
    assert not from_app.tables()["demand"].equals(base.tables()["demand"])


def test_invalid_levers_are_refused_with_reasons(client: TestClient) -> None:
    bad = client.post("/api/runs", json={"instance": "demo", "min_local_share": 2})
    assert bad.status_code == 400
    assert any(d.startswith("Share placed in its own district:") for d in bad.json()["details"])
    site = {"provision": "N", "zone": "Swale", "phases": [], "needs": ["ASD"], "capacity": 5,
            "cost_per_place": 1}
    no_phase = client.post("/api/runs", json={"instance": "demo", "new_sites": [site]})
    assert no_phase.json()["details"] == ["New site 1, phases: choose at least one"]
    assert client.post("/api/runs", json={"instance": "elsewhere"}).status_code == 400
    assert client.post("/api/runs", content=b"not json").status_code == 400


def test_unknown_site_fails_the_run_with_its_name(client: TestClient) -> None:
    started = client.post("/api/runs", json={"instance": "demo", "name": "bad site",
                                             "close": [{"provision": "NOPE", "from_year": 2027}]})
    assert started.status_code == 201
    run = wait(client, started.json()["id"])
    assert run["status"] == "failed"
    assert "NOPE" in run["error"]


def test_run_workbook_report_and_comparison(client: TestClient, tmp_path: Path) -> None:
    base = client.post("/api/runs", json={"instance": "demo", "name": "base"}).json()
    grown = client.post("/api/runs", json={"instance": "demo", "name": "asd growth",
                                           "growth_by_need": {"ASD": 0.2}}).json()
    runs = [wait(client, base["id"]), wait(client, grown["id"])]
    assert [r["status"] for r in runs] == ["done", "done"]
    kpis = [{k["key"]: k["value"] for k in r["view"]["kpis"]} for r in runs]
    assert kpis[1]["placed_whole"] > kpis[0]["placed_whole"]  # more demand, more pupils placed
    assert kpis[1]["objective"] > kpis[0]["objective"]
    view = runs[0]["view"]
    assert set(view["maps"]) == {"2026", "2027"}
    assert view["maps"]["2026"].count('class="district"') == 12
    assert {d["district"] for d in view["districts"]} == {"Canterbury", "Swale", "Thanet"}

    book = client.get(f"/api/runs/{base['id']}/workbook")
    assert book.status_code == 200 and "attachment" in book.headers["content-disposition"]
    sheets = openpyxl.load_workbook(io.BytesIO(book.content), read_only=True).sheetnames
    assert "allocations" in sheets
    report = client.get(f"/api/runs/{base['id']}/report?download=1")
    assert report.status_code == 200 and report.text.lstrip().lower().startswith("<!doctype html")
    assert "attachment" in report.headers["content-disposition"]

    comp = client.get(f"/api/compare?a={base['id']}&b={grown['id']}").json()
    rows = {r["key"]: r for r in comp["kpis"]}
    assert rows["objective"]["tone"] == "worse" and rows["objective"]["difference"].startswith("+£")
    assert comp["runs"][1]["levers"] == ["ASD demand +20.0% a year"]
    assert client.get(f"/api/compare?a={base['id']}&b=missing").status_code == 404

    # The run folder is a scenario run's: it reproduces with the same objective.
    from placement_opt.analysis.scenarios.run import reproduce_run

    folder = tmp_path / "runs" / base["id"] / "run"
    assert reproduce_run(folder).result.objective == pytest.approx(runs[0]["view"]["objective"])

    # Finished runs are listed again by an app started on the same folder.
    with TestClient(create_app(tmp_path / "runs", INSTANCES, "demo")) as again:
        listed = {r["id"]: r["status"] for r in again.get("/api/runs").json()}
    assert listed[base["id"]] == "done" and listed[grown["id"]] == "done"


def test_cancel_and_busy(tmp_path: Path) -> None:
    with TestClient(create_app(tmp_path / "runs", INSTANCES, "demo", max_running=1)) as client:
        first = client.post("/api/runs", json={"instance": "demo", "name": "one"})
        assert first.status_code == 201
        second = client.post("/api/runs", json={"instance": "demo", "name": "two"})
        assert second.status_code == 429  # one at a time here
        run_id = first.json()["id"]
        cancelled = client.post(f"/api/runs/{run_id}/cancel")  # while its process starts
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        assert client.post(f"/api/runs/{run_id}/cancel").status_code == 409
        assert client.get(f"/api/runs/{run_id}/workbook").status_code == 404
        again = client.post("/api/runs", json={"instance": "demo", "name": "two"})
        assert again.status_code == 201  # the slot is free again
        client.post(f"/api/runs/{again.json()['id']}/cancel")


def test_a_new_site_the_plan_opens(client: TestClient) -> None:
    site = {"provision": "NEW-1", "name": "Swale SRP", "kind": "srp", "zone": "Swale",
            "phases": ["secondary"], "needs": ["ASD"], "capacity": 20, "cost_per_place": 16000,
            "candidate": True, "opening_cost": 100000, "earliest_year": 2027}
    started = client.post("/api/runs", json={"instance": "demo", "name": "new site",
                                             "growth_by_need": {"ASD": 0.3}, "new_sites": [site]})
    run = wait(client, started.json()["id"])
    assert run["status"] == "done", run.get("error")
    opened = run["view"]["plan"]["openings"]
    assert [o["provision"] for o in opened] == ["NEW-1"]
    assert opened[0]["capital"] == "£100,000"  # the opening cost, counted once
    assert 'data-provision="NEW-1"' in run["view"]["maps"]["2027"]  # at its area's centre
    assert "new candidate srp Swale SRP in Swale (20 places)" in run["levers"]


def test_the_command_is_registered() -> None:
    from typer.testing import CliRunner

    from placement_opt.cli import app

    result = CliRunner().invoke(app, ["app", "--help"])
    assert result.exit_code == 0
    assert "127.0.0.1" in result.output
    missing = CliRunner().invoke(app, ["app", "no-such-instance"])
    assert missing.exit_code == 2
