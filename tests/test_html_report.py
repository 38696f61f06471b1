"""The HTML report: self-contained, escaped, deterministic, and robust to results without a solution."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from _tiny import pathway_instance, tiny

from placement_opt import Instance, OutputError, Result, Status, solve
from placement_opt.reports.format import fmt_gbp, fmt_number
from placement_opt.reports.html.charts import nice_ticks
from placement_opt.reports.html.run_page import render_html_report, write_html_report

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
        assert name.replace("'", "&#39;") in html
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
    # Two district panels, two need panels, costs, journeys, the map and the pathway map.
    assert demo_html.count("<svg") == 8
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
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co" in html
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


def _section(html: str, section: str) -> str:
    """The text of one ``<section>`` of the report."""
    start = html.index(f'<section id="{section}">')
    return html[start:html.index("</section>", start)]


def _assert_offline(html: str) -> None:
    lowered = html.lower()
    for pattern in EXTERNAL:
        assert pattern not in lowered, pattern
    assert "http://" not in lowered and "https://" not in lowered


@pytest.fixture(scope="module")
def gap_html() -> str:
    """The report of the pathway-gap instance."""
    inst = pathway_instance()
    return render_html_report(solve(inst), inst)


def test_pathway_section_and_its_svg_are_present(demo_html: str) -> None:
    assert '<a href="#pathways">' in demo_html
    section = _section(demo_html, "pathways")
    assert "Pathways (primary → secondary)" in section
    assert '<svg class="map pathways"' in section and "</svg>" in section
    # Special schools and SRPs taking primary or secondary pupils; not the independent school
    # or mainstream support.
    for provision in ("SNS", "ORC", "FFS", "HTJ", "MEA"):
        assert f'class="path-marker" data-provision="{provision}"' in section
    for provision in ("FGL", "MSW"):
        assert f'data-provision="{provision}"' not in section
    assert section.count('<line class="route') >= 1
    assert "only the nearest 2 continuations" in section
    assert ("No pathway gaps: every district with a primary specialist provision has a secondary "
            "continuation for the same need in the district.") in section
    assert 'class="gap-ring"' not in section.split('<text class="legend-head"')[0]


def test_pathway_gap_shows_its_district_and_needs(gap_html: str) -> None:
    section = _section(gap_html, "pathways")
    assert "No pathway gaps" not in section
    # On the picture: B ringed and named with both needs; A not ringed.
    assert 'class="gap-ring" data-zone="B"' in section
    assert 'class="gap-ring" data-zone="A"' not in section
    label = re.search(r'<text class="gap-label" data-zone="B"[^>]*>(.*?)</text>', section)
    assert label is not None
    assert "Bexley &amp; &lt;Co&gt;" in label.group(1)
    assert "ASD" in label.group(1) and "SEMH" in label.group(1)
    # PB → SA crosses districts: a dashed route. QB has no route (no secondary SEMH provision).
    assert re.search(r'<line class="route far"[^>]*><title>PB \(PB\) → Secondary Academy \(SA\)',
                     section)
    assert "QB (QB) →" not in section
    # The gap table: district, need, nearest secondary, minutes and leavers a year.
    table = section[section.index('<table class="gaps">'):]
    assert re.search(r"<td>Bexley &amp; &lt;Co&gt;</td><td>ASD</td><td>Secondary Academy \(SA\)</td>"
                     r'<td class="num">50</td><td class="num">2.0</td>', table)
    assert re.search(r"<td>Bexley &amp; &lt;Co&gt;</td><td>SEMH</td><td><span class=\"empty\">no "
                     r'secondary provision for this need</span></td><td class="num">–</td>'
                     r'<td class="num">1.0</td>', table)
    assert "<td>Ashby</td>" not in table
    assert "2 of 3 district–need pairs" in section


def test_pathway_gaps_render_without_a_solution() -> None:
    inst = pathway_instance(capacity_b=5.0, share_b=1.0)
    result = solve(inst)
    assert result.status is Status.INFEASIBLE
    html = render_html_report(result, inst)
    section = _section(html, "pathways")
    assert 'class="gap-ring" data-zone="B"' in section
    assert "No solution: leavers are not known." in section
    assert "No solution: no openings, expansions or budget use" in _section(html, "plan")


def test_gap_report_is_byte_identical_and_offline(gap_html: str, tmp_path: Path) -> None:
    inst = pathway_instance()
    result = solve(inst)
    first = write_html_report(result, inst, tmp_path / "a.html").read_bytes()
    second = write_html_report(result, inst, tmp_path / "b.html").read_bytes()
    assert first == second
    _assert_offline(first.decode("utf-8"))
    _assert_offline(gap_html)


def _opening_instance() -> Instance:
    """As in tests/test_openings.py ``_instance(200_000)``: candidate SRP C opens with 15 places
    for £200,000; a second candidate D at £900,000 stays closed."""
    return tiny(
        [{"provision": "S", "kind": "special", "zone": "A", "capacity": 10,
          "cost_per_place": 25_000},
         {"provision": "I", "kind": "independent", "zone": "A", "capacity": 100,
          "cost_per_place": 50_000},
         {"provision": "C", "kind": "srp", "zone": "A", "capacity": 15, "cost_per_place": 16_000,
          "candidate": True, "opening_cost": 200_000, "capital_per_place": 0.0, "min_places": 8,
          "name": "New SRP <C>"},
         {"provision": "D", "kind": "srp", "zone": "A", "capacity": 15, "cost_per_place": 16_000,
          "candidate": True, "opening_cost": 900_000, "capital_per_place": 0.0, "min_places": 8}],
        [("A", 20)])


def test_plan_tables_show_an_opened_candidate_site() -> None:
    inst = _opening_instance()
    result = solve(inst)
    assert result.objective == pytest.approx(565_000)
    html = render_html_report(result, inst)
    assert '<a href="#plan">' in html
    section = _section(html, "plan")
    assert "Places added and budgets" in section
    assert re.search(r"<tr><td>C</td><td>New SRP &lt;C&gt;</td><td class=\"kind\">.*?srp</td>"
                     r'<td>A</td><td>2026</td><td class="num">15</td><td class="num">£200,000</td>'
                     r'<td class="num">£200,000</td></tr>', section)
    assert "<td>D</td>" not in section and "Left closed (1 of 2): D." in section
    assert "15 places added over 2026 for £200,000 of capital" in section
    assert "The instance offers no expansion options" in section
    assert "No revenue or capital budget is set for any year" in section
    # The tiny instance has no secondary phase: no pathways, and a plain note.
    assert "does not have both a primary and a secondary phase" in _section(html, "pathways")


def test_plan_tables_show_expansions_and_budgets() -> None:
    """tests/test_planning.py: S grows by 2 × 5 places in use from 2027 (£200,000 started in
    2026); a 2027 revenue budget of £700,000 against £750,000 spent without the expansion."""
    inst = tiny([{"provision": "S", "kind": "special", "zone": "A", "capacity": 10,
                  "cost_per_place": 25_000},
                 {"provision": "I", "kind": "independent", "zone": "A", "capacity": 100,
                  "cost_per_place": 50_000}],
                [("A", 15)], policy={"unmet_penalty": 1_000_000})
    demand = pd.concat([inst.demand, inst.demand.assign(year=2027, pupils=20.0)], ignore_index=True)
    inst = inst.replace(
        demand=demand,
        expansions=pd.DataFrame([{"provision": "S", "increment": 5, "capital_cost": 100_000,
                                  "max_increments": 2, "lead_time": 1}]),
        budgets=pd.DataFrame([{"year": 2026, "capital": 250_000}, {"year": 2027, "revenue": 400_000}]))
    result = solve(inst)
    section = _section(render_html_report(result, inst), "plan")
    assert "The instance has no candidate sites" in section
    assert re.search(r'<tr><td>S</td><td>S</td>.*?<td>A</td><td>2026</td><td>2027</td>'
                     r'<td class="num">2</td><td class="num">10</td><td class="num">£200,000</td></tr>',
                     section)
    # 2027: 20 × 25,000 = 500,000 spent against 400,000: £100,000 overspend, flagged.
    assert re.search(r'<tr><td>2027</td><td class="num">£400,000</td><td class="num">£500,000</td>'
                     r'<td class="num over">£100,000</td><td class="num">–</td>', section)
    assert re.search(r'<tr><td>2026</td><td class="num">–</td>.*?<td class="num">£250,000</td>'
                     r'<td class="num">£200,000</td></tr>', section)
