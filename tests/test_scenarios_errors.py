"""Every way a scenario can be wrong gives a located error (file, line, key, value)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from test_scenarios import base_instance

from placement_opt import Instance
from placement_opt.analysis.scenarios import ScenarioError, apply_scenario, load_scenario
from placement_opt.analysis.scenarios.locate import key_line

HEAD = '[scenario]\nname = "s"\nbase = "BASE"\n'  # lines 1-3


@pytest.fixture(scope="module")
def base_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("errs") / "base"
    base_instance().to_path(folder)
    return folder


def problems(tmp_path: Path, base_dir: Path, body: str, head: str = HEAD) -> list[str]:
    file = tmp_path / "s.toml"
    file.write_text(head.replace("BASE", str(base_dir)) + body, encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        loaded = load_scenario(file)
        apply_scenario(loaded, Instance.from_path(loaded.base_path()))
    return [str(i) for i in err.value.issues]


CASES = [
    ("unknown_table", "[demandd]\ngrowth = 0.1", 4, "demandd", "unknown key"),
    ("unknown_key", "[demand]\ngrowht = 0.1", 5, "demand.growht", "unknown key"),
    ("wrong_type", '[demand]\ngrowth = "lots"', 5, "demand.growth", "valid number"),
    ("rate_too_low", "[demand]\ngrowth = -1.0", 5, "demand.growth", "greater than -1"),
    ("unknown_need", "[demand]\ngrowth_by_need = { ASD = 0.1, XYZ = 0.2 }", 5,
     "demand.growth_by_need.XYZ", "unknown need"),
    ("need_rate_too_low", "[demand]\ngrowth_by_need = { ASD = -2 }", 5,
     "demand.growth_by_need.ASD", "above -1"),
    ("unknown_district", "\n[demand]\ngrowth_by_district = { Swalee = 0.1 }", 6,
     "demand.growth_by_district.Swalee", "unknown district"),
    ("unknown_phase", "[demand]\ngrowth_by_phase = { nursery = 0.1 }", 5,
     "demand.growth_by_phase.nursery", "unknown phase"),
    ("growth_year_outside", "[demand]\ngrowth_by_year = { 2031 = 0.1 }", 5,
     "demand.growth_by_year.2031", "outside the instance's horizon"),
    ("bad_mode", '[demand]\nmode = "double"', 5, "demand.mode", "'extra' or 'replace'"),
    ("unknown_provision", '[[provisions.close]]\nprovision = "P9"\nfrom_year = 2027', 5,
     "provisions.close[1].provision", "unknown provision"),
    ("close_outside", '[[provisions.close]]\nprovision = "P1"\nfrom_year = 2040', 6,
     "provisions.close[1].from_year", "outside"),
    ("second_entry", '[[provisions.close]]\nprovision = "P1"\nfrom_year = 2027\n'
     '[[provisions.close]]\nprovision = "P7"\nfrom_year = 2027', 8,
     "provisions.close[2].provision", "unknown provision"),
    ("missing_key", "[[provisions.close]]\nfrom_year = 2027", 4, "provisions.close[1].provision",
     "required key is missing"),
    ("until_before_from", '[[provisions.add_places]]\nprovision = "P1"\nplaces = 3\n'
     "from_year = 2028\nuntil_year = 2027", 8, "provisions.add_places[1].until_year",
     "until_year before from_year"),
    ("needs_and_add", '[[provisions.redesignate]]\nprovision = "P1"\nneeds = ["ASD"]\n'
     'add_needs = ["SLD"]', 6, "provisions.redesignate[1].needs", "either needs or"),
    ("remove_not_designated", '[[provisions.redesignate]]\nprovision = "P2"\n'
     'remove_needs = ["SLD"]', 6, "provisions.redesignate[1].remove_needs[1]",
     "not designated"),
    ("redesignate_unknown_need", '[[provisions.redesignate]]\nprovision = "P2"\n'
     'needs = ["ASD", "QQ"]', 6, "provisions.redesignate[1].needs[2]", "unknown need"),
    ("site_id_taken", '[[provisions.new_site]]\nprovision = "P1"\nzone = "A"\n'
     'phases = ["primary"]\nneeds = ["ASD"]\ncapacity = 10\ncost_per_place = 1', 5,
     "provisions.new_site[1].provision", "already in use"),
    ("site_zone", '[[provisions.new_site]]\nprovision = "N"\nzone = "Q"\n'
     'phases = ["primary"]\nneeds = ["ASD"]\ncapacity = 10\ncost_per_place = 1', 6,
     "provisions.new_site[1].zone", "unknown zone"),
    ("site_kind", '[[provisions.new_site]]\nprovision = "N"\nkind = "school"\nzone = "A"\n'
     'phases = ["primary"]\nneeds = ["ASD"]\ncapacity = 10\ncost_per_place = 1', 6,
     "provisions.new_site[1].kind", "unknown provision kind"),
    ("expansion_provision", '[[provisions.expansion]]\nprovision = "Z"\nincrement = 8\n'
     "capital_cost = 1", 5, "provisions.expansion[1].provision", "unknown provision"),
    ("cost_kind", "[costs]\ncost_per_place = { specal = 1 }", 5, "costs.cost_per_place.specal",
     "unknown provision kind"),
    ("cost_negative", "[costs]\ncost_per_place_factor = { srp = -1 }", 5,
     "costs.cost_per_place_factor.srp", "must not be negative"),
    ("budget_year", "[budgets]\nrevenue = { 2020 = 1e6 }", 5, "budgets.revenue.2020", "outside"),
    ("budget_key_type", '[budgets]\ncapital = { "soon" = 1e6 }', 5, "budgets.capital.soon",
     "valid integer"),
    ("policy_unknown", "[policy]\nunmet_penalti = 3", 5, "policy.unmet_penalti",
     "unknown key"),
    ("policy_value", "[policy]\nmin_local_share = 1.5", 5, "policy.min_local_share",
     "less than or equal to 1"),
    ("policy_nested", "[policy]\nmax_journey_min = { primary = -5 }", 4, "policy",
     "must be > 0"),
    ("solve_unknown", '[solve]\nbackend = "highs"\nthreds = 2', 6, "solve.threds", "unknown key"),
    ("solve_value", "[solve]\ngap = 2", 5, "solve.gap", "less than or equal to 1"),
    ("solve_log_file", '[solve]\nlog_file = "/etc/passwd"', 5, "solve.log_file",
     "cannot be set in a scenario"),
    ("policy_infinite", "[policy]\nunmet_penalty = inf", 5, "policy.unmet_penalty", "finite"),
    ("growth_nan", "[demand]\ngrowth = nan", 5, "demand.growth", "finite"),
    ("base_year", "base_year = 2020", 4, "scenario.base_year", "no demand"),
    ("closure_with_existing", '[[provisions.close]]\nprovision = "P1"\nfrom_year = 2026', 6,
     "provisions.close[1].from_year", "existing table"),
    ("locality_without_levels", "[locality]\nshare = { 2027 = 0.1 }", 4, "locality",
     "levels of need"),
]


@pytest.mark.parametrize(("body", "line", "key", "fragment"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_located_error(tmp_path: Path, base_dir: Path, body: str, line: int, key: str,
                       fragment: str) -> None:
    if "existing table" in fragment:
        folder = tmp_path / "with_existing"
        inst = Instance.from_path(base_dir)
        inst.replace(existing=pd.DataFrame([{"provision": "P1", "zone": "A", "need": "ASD",
                                             "phase": "primary", "pupils": 4.0}])).to_path(folder)
        base_dir = folder
    found = problems(tmp_path, base_dir, body)
    assert any(f"s.toml, line {line}, column '{key}" in p and fragment in p for p in found), found


@pytest.mark.parametrize("name", ["x/../../../out", "..", "a\\b", "tab\there"])
def test_a_name_that_would_leave_the_runs_folder_is_refused(tmp_path: Path, base_dir: Path,
                                                            name: str) -> None:
    head = HEAD.replace('name = "s"', f"name = {name!r}".replace("'", '"'))
    found = problems(tmp_path, base_dir, "", head=head)
    assert any("s.toml, line 2, column 'scenario.name'" in p and "folder name" in p
               for p in found), found


def test_a_scenario_file_with_a_byte_order_mark_is_read(tmp_path: Path, base_dir: Path) -> None:
    """Instance files with a BOM were accepted, scenario files refused."""
    file = tmp_path / "s.toml"
    file.write_text("\ufeff" + HEAD.replace("BASE", str(base_dir)) + "[demand]\ngrowth = 0.1\n",
                    encoding="utf-8")
    assert file.read_bytes().startswith(b"\xef\xbb\xbf")
    loaded = load_scenario(file)
    assert loaded.scenario.scenario.name == "s"


def test_missing_scenario_table(tmp_path: Path, base_dir: Path) -> None:
    found = problems(tmp_path, base_dir, "[demand]\ngrowth = 0.1", head="")
    assert any("column 'scenario'" in p and "required key is missing" in p for p in found)


def test_not_toml_names_the_line(tmp_path: Path, base_dir: Path) -> None:
    found = problems(tmp_path, base_dir, "[demand\ngrowth = 0.1")
    assert any("s.toml" in p and "not valid TOML" in p and "line 4" in p for p in found)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no such scenario file"):
        load_scenario(tmp_path / "nope.toml")


def test_unknown_base(tmp_path: Path) -> None:
    file = tmp_path / "s.toml"
    file.write_text('[scenario]\nname = "s"\nbase = "no-such-instance"\n', encoding="utf-8")
    loaded = load_scenario(file)
    with pytest.raises(Exception, match="no-such-instance"):
        Instance.from_path(loaded.base_path())


def test_applied_instance_invalid_is_a_scenario_error(tmp_path: Path, base_dir: Path) -> None:
    """Places added that leave a negative capacity: at the scenario's line, not the in-memory
    capacity row."""
    body = '[[provisions.add_places]]\nprovision = "P2"\nplaces = -100'
    found = problems(tmp_path, base_dir, body)
    assert any("s.toml, line 6, column 'provisions.add_places[1].places'" in p
               for p in found), found


def test_a_new_site_the_rules_reject_names_its_line(tmp_path: Path, base_dir: Path) -> None:
    """min_places above the capacity is found by the instance rules after applying; the
    error names the scenario's line and key, with the value."""
    body = ('[[provisions.new_site]]\nprovision = "N1"\nkind = "srp"\nzone = "A"\n'
            'needs = ["ASD"]\nphases = ["primary"]\ncapacity = 20\nmin_places = 30\n'
            'cost_per_place = 16000')
    found = problems(tmp_path, base_dir, body)
    assert any("s.toml, line 11, column 'provisions.new_site[1].min_places'" in p
               and "30" in p for p in found), found


def test_a_problem_in_the_base_says_so(tmp_path: Path, base_dir: Path) -> None:
    """A row the scenario did not make is located in the base the scenario is applied to."""
    from placement_opt.analysis.scenarios.applied import locate_applied
    from placement_opt.analysis.scenarios.load import scenario_from_text
    from placement_opt.errors import Issue

    base = Instance.from_path(base_dir)
    loaded = scenario_from_text(HEAD.replace("BASE", str(base_dir)), str(tmp_path / "s.toml"))
    issue = Issue(f"{base.source}: table provisions", "bad", row=2, column="capacity")
    out = locate_applied(issue, loaded, base, base.tables())
    assert out.source.endswith(f"applied to {base.source}") and "row 2" in out.message


def test_every_problem_is_listed_at_once(tmp_path: Path, base_dir: Path) -> None:
    body = ("[demand]\ngrowth_by_need = { XX = 0.1 }\n[[provisions.close]]\nprovision = \"Q\"\n"
            "from_year = 2027\n[policy]\nunmet = 1")
    assert len(problems(tmp_path, base_dir, body)) == 3


KEY_TEXT = '[a]\nb = 1\nc = { y = 2, x = 3 }\n[[t]]\nk = 1\n[[t]]\nk = 2\n[a.d]\n"quoted key" = 4\n'


@pytest.mark.parametrize(("path", "line"), [
    (("a", "b"), 2), (("a", "c", "x"), 3), (("a", "c", "nope"), 3), (("t", 1, "k"), 7),
    (("t", 0), 4), (("z",), None), (("a", "d", "quoted key"), 9),
])
def test_key_line(path: tuple[str | int, ...], line: int | None) -> None:
    assert key_line(KEY_TEXT, path) == line


@pytest.mark.parametrize(("body", "wanted"), [
    ("[demandd]\ngrowth = 0.1", "did you mean 'demand'?"),
    ("[demand]\ngrowht = 0.1", "did you mean 'growth'"),
    ('[[provisions.close]]\nprovision = "P1"\nfrom_yeer = 2027', "did you mean 'from_year'?"),
    ("[policy]\nunmet_penalti = 5", "did you mean 'unmet_penalty'?"),
    ("[solve]\ntime_limt = 5", "did you mean 'time_limit'"),
])
def test_an_unknown_key_suggests_the_closest(tmp_path: Path, base_dir: Path, body: str,
                                             wanted: str) -> None:
    found = problems(tmp_path, base_dir, body)
    assert any("unknown key" in p and wanted in p for p in found), found


@pytest.mark.parametrize(("body", "wanted"), [
    ('[costs]\ncost_per_place = { specail = 20000 }', "did you mean 'special'?"),
    ('[[provisions.close]]\nprovision = "p1"\nfrom_year = 2027', "did you mean 'P1'"),
    ("[demand]\ngrowth_by_need = { ASDD = 0.1 }", "did you mean 'ASD'"),
])
def test_an_unknown_name_suggests_the_closest(tmp_path: Path, base_dir: Path, body: str,
                                              wanted: str) -> None:
    [problem] = problems(tmp_path, base_dir, body)
    assert "unknown" in problem and wanted in problem, problem
