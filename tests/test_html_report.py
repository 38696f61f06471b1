"""The HTML report: self-contained, escaped, deterministic, and robust to results without a solution."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from _tiny import tiny

from placement_opt import Instance, OutputError, Result, Status, solve
from placement_opt.reports.charts import fmt_gbp, fmt_number, nice_ticks
from placement_opt.reports.html_report import render_html_report, write_html_report

DEMO = Path(__file__).resolve().parents[1] / "instances" / "demo"
#: Ways a page could load something from the network.
EXTERNAL = ('src="http', "src='http", 'href="http', "href='http", "@import", "url(http", "url('http",
            'url("http', "<script", "<link", "<iframe")


@pytest.fixture(scope="module")
def demo() -> tuple[Result, Instance]:
    """The demo instance and its solved result (solved once for the module)."""
    inst = Instance.from_path(DEMO)
    return solve(inst), inst


@pytest.fixture(scope="module")
def demo_html(demo: tuple[Result, Instance]) -> str:
    """The demo report's text."""
    return render_html_report(*demo)


def test_report_is_written_with_kpis_names_and_map(demo: tuple[Result, Instance], tmp_path: Path) -> None:
    result, inst = demo
    path = write_html_report(result, inst, tmp_path / "report.html")
    assert path == tmp_path / "report.html"
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert result.objective is not None
    for value in (fmt_gbp(result.objective), fmt_gbp(result.kpi("place_cost")),
                  fmt_gbp(result.kpi("transport_cost")), fmt_number(result.kpi("placed")),
                  f"{result.kpi('share_met_locally'):.1%}", f"{result.kpi('max_journey_min'):.1f} min"):
        assert value in html
    for name in inst.provisions["name"]:
        assert name.replace("'", "&#x27;") in html
    assert "No unmet demand" in html
    map_svg = html[html.index('<section id="map">'):]
    map_svg = map_svg[:map_svg.index("</svg>")]
    assert "<svg" in map_svg
    assert map_svg.count('class="prov-marker"') == len(inst.provisions)
    for provision in inst.provisions["provision"]:
        assert f'data-provision="{provision}"' in map_svg


def test_report_loads_nothing_from_outside(demo_html: str) -> None:
    lowered = demo_html.lower()
    for pattern in EXTERNAL:
        assert pattern not in lowered, pattern
    assert "http://" not in lowered and "https://" not in lowered


def test_charts_are_drawn(demo_html: str) -> None:
    # Two district panels, two need panels, costs, journeys and the map.
    assert demo_html.count("<svg") == 7
    assert demo_html.count("<rect") > 20


def test_report_is_byte_identical_for_the_same_input(demo: tuple[Result, Instance], tmp_path: Path) -> None:
    result, inst = demo
    first = write_html_report(result, inst, tmp_path / "a.html").read_bytes()
    second = write_html_report(result, inst, tmp_path / "b.html").read_bytes()
    assert first == second


def test_refuses_to_overwrite_unless_asked(demo: tuple[Result, Instance], tmp_path: Path) -> None:
    result, inst = demo
    path = tmp_path / "report.html"
    path.write_text("keep me", encoding="utf-8")
    with pytest.raises(OutputError):
        write_html_report(result, inst, path)
    assert path.read_text(encoding="utf-8") == "keep me"
    write_html_report(result, inst, path, overwrite=True)
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary file left


def test_user_text_is_escaped(tmp_path: Path) -> None:
    provs = [{"provision": "P<1>", "name": "<script>alert('x')</script> & Co", "kind": "special",
              "zone": "A", "capacity": 5, "cost_per_place": 30_000},
             {"provision": "R", "kind": "srp", "zone": "B", "capacity": 50, "cost_per_place": 20_000}]
    inst = tiny(provs, [("A", 8), ("B", 3)])
    inst = inst.replace(settings=inst.settings.model_copy(
        update={"instance": inst.settings.instance.model_copy(update={"name": "<b>plan</b>"})}))
    html = write_html_report(solve(inst), inst, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "<b>plan</b>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; Co" in html
    assert "&lt;b&gt;plan&lt;/b&gt;" in html
    assert 'data-provision="P&lt;1&gt;"' in html


def test_unmet_demand_is_tabulated(tmp_path: Path) -> None:
    provs = [{"provision": "L", "kind": "special", "zone": "A", "capacity": 5, "cost_per_place": 30_000}]
    inst = tiny(provs, [("A", 8), ("B", "SLD", 2)])
    result = solve(inst)
    assert result.kpi("unmet") == pytest.approx(5)
    html = render_html_report(result, inst)
    section = html[html.index('<section id="unmet">'):]
    section = section[:section.index("</section>")]
    assert "No unmet demand" not in section
    assert re.search(r"<td>A</td><td>ASD</td><td>primary</td>.*?>3</td>", section)
    assert re.search(r"<td>B</td><td>SLD</td><td>primary</td>.*?>2</td>", section)


def test_infeasible_result_renders_status_and_warnings(tmp_path: Path) -> None:
    provs = [{"provision": "L", "kind": "special", "zone": "A", "capacity": 5, "cost_per_place": 30_000},
             {"provision": "R", "kind": "special", "zone": "B", "capacity": 50, "cost_per_place": 30_000}]
    inst = tiny(provs, [("A", 10)], zone_share={"A": 1.0})
    result = solve(inst)
    assert result.status is Status.INFEASIBLE
    html = write_html_report(result, inst, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "infeasible" in html and "No solution" in html
    assert "local share rule for A 2026 needs 10" in html
    assert html.count('class="prov-marker"') == 2
    assert 'class="flow"' not in html.split('<section id="map">')[1].split("Flows (")[0]


def test_provision_without_coordinates_is_drawn_at_its_zone_centroid(tmp_path: Path) -> None:
    inst = Instance.from_path(DEMO)
    prov = inst.provisions.copy()
    prov.loc[prov["provision"] == "FGL", ["lat", "lon"]] = float("nan")
    inst = inst.replace(provisions=prov)
    html = render_html_report(solve(inst), inst)
    assert "no coordinates: drawn at its district" in html
    assert html.count('class="prov-marker"') == len(prov)


@pytest.mark.skipif(shutil.which("chromium") is None, reason="no chromium binary")
def test_report_renders_in_headless_chromium(demo: tuple[Result, Instance], tmp_path: Path) -> None:
    report = write_html_report(*demo, tmp_path / "report.html")
    shot = tmp_path / "report.png"
    profile = tmp_path / "profile"
    chromium = shutil.which("chromium")
    assert chromium is not None
    subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", f"--screenshot={shot}", "--window-size=1280,3000",
         report.as_uri()],
        check=True, capture_output=True, timeout=90,
    )
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 20_000  # a blank page compresses to far less


def test_unlimited_independent_places_cut_the_axis_not_the_other_bars() -> None:
    inst = Instance.from_path(DEMO)
    prov = inst.provisions.copy()
    prov.loc[prov["provision"] == "FGL", "capacity"] = 100_000.0
    inst = inst.replace(provisions=prov)
    html = render_html_report(solve(inst), inst)
    supply = html[html.index('<section id="supply">'):html.index('<section id="costs">')]
    assert 'class="cut"' in supply
    assert "100,190" in supply  # Canterbury's full places, written on its cut bar
    assert "125,000" not in supply  # the axis stops near the other bars


def test_nice_ticks_cover_the_maximum() -> None:
    assert nice_ticks(0.0) == [0.0, 1.0]
    assert nice_ticks(190.0) == [0.0, 50.0, 100.0, 150.0, 200.0]
    ticks = nice_ticks(12_440_121.0)
    assert ticks[0] == 0.0 and ticks[-1] >= 12_440_121.0 and len(ticks) <= 7


def test_result_with_nothing_placed_renders() -> None:
    provs = [{"provision": "L", "kind": "special", "zone": "A", "capacity": 5, "cost_per_place": 30_000}]
    inst = tiny(provs, [("A", "SLD", 4)])
    result = solve(inst)
    assert result.allocations.empty and result.kpi("unmet") == pytest.approx(4)
    html = render_html_report(result, inst)
    assert "No placements: no journeys." in html
    assert fmt_gbp(result.kpi("unmet_penalty")) in html
