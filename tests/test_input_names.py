"""Names a planner types (issue 18): fixed values matched ignoring case and spaces, unknown
names answered with the closest valid ones ("did you mean 'special'?")."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import demo_text, load_errors

from placement_opt import Instance
from placement_opt.schema.names import canonical, closest, folded, unknown_expected
from placement_opt.schema.tables import KINDS

DEMO = Path(__file__).resolve().parents[1] / "instances" / "demo"




# --- the shared helper ------------------------------------------------------------------------


def test_folded_ignores_case_and_spaces() -> None:
    assert folded("  Special  School ") == folded("special school") == "special school"


def test_canonical_matches_exactly_first_then_ignoring_case() -> None:
    assert canonical(" Special ", KINDS) == "special"
    assert canonical("SRP", KINDS) == "srp"
    assert canonical("specail", KINDS) is None
    assert canonical("a", ["a", "A"]) == "a"
    assert canonical(" a", ["a", "A"]) is None  # two valid names match: no guess


def test_closest_suggests_the_nearest_names() -> None:
    assert closest("specail", KINDS) == ["special"]
    assert closest("xyz", KINDS) == []


def test_unknown_expected_lists_short_vocabularies_and_counts_long_ones() -> None:
    assert unknown_expected("specail", KINDS, "a provision kind") == (
        "did you mean 'special'? a provision kind: one of special, srp, independent, "
        "mainstream, ap")
    zones = {f"Z{i:02d}" for i in range(40)} | {"Thanet"}
    assert unknown_expected("Thanett", zones, "a zone") == "did you mean 'Thanet'? a zone (41 in all)"
    assert unknown_expected("x", [], "a zone") == "a zone (there are none)"


# --- enumerations in tables -------------------------------------------------------------------


def test_kind_is_read_ignoring_case_and_spaces(
        tmp_path: Path, write_csv_instance: Callable[..., Path]) -> None:
    text = demo_text("provisions").replace(",special,Canterbury,51.270701", ", Special ,Canterbury,"
                                       "51.270701").replace(",srp,Thanet", ",SRP,Thanet")
    inst = Instance.from_path(write_csv_instance(tmp_path, provisions=text))
    kinds = dict(zip(inst.provisions["provision"], inst.provisions["kind"], strict=True))
    assert (kinds["SNS"], kinds["HTJ"]) == ("special", "srp")


def test_misspelt_kind_suggests_the_closest(
        tmp_path: Path, write_csv_instance: Callable[..., Path]) -> None:
    text = demo_text("provisions").replace(",special,Canterbury,51.270701",
                                       ",specail,Canterbury,51.270701")
    [issue] = load_errors(write_csv_instance(tmp_path, provisions=text))
    assert (issue.row, issue.column, issue.value) == (2, "kind", "specail")
    assert issue.message == "value not allowed"
    assert issue.expected is not None and issue.expected.startswith("did you mean 'special'?")


def test_yes_no_flags_ignore_case(tmp_path: Path,
                                  write_csv_instance: Callable[..., Path]) -> None:
    lines = demo_text("provisions").splitlines()
    lines[0] += ",candidate"
    lines[1:] = [line + ("," + ("YES" if i == 0 else " No ")) for i, line in enumerate(lines[1:])]
    inst = Instance.from_path(write_csv_instance(tmp_path, provisions="\n".join(lines) + "\n"))
    assert inst.provisions["candidate"].tolist()[:2] == [True, False]


def test_levels_kinds_ignore_case(tmp_path: Path,
                                  write_csv_instance: Callable[..., Path]) -> None:
    levels = "level,order,kinds\nL1,1,Mainstream;SRP;special;Independent;ap\n"
    demand = demo_text("demand").replace("zone,need,phase,year,pupils",
                                     "zone,need,phase,year,pupils,level")
    demand = "\n".join([demand.splitlines()[0]] + [line + ",L1" for line in
                                                    demand.splitlines()[1:]]) + "\n"
    inst = Instance.from_path(write_csv_instance(tmp_path, levels=levels, demand=demand))
    assert inst.levels["kinds"].tolist() == ["mainstream;srp;special;independent;ap"]


# --- references -------------------------------------------------------------------------------


def test_need_and_phase_codes_are_respelt_as_their_table(
        tmp_path: Path, write_csv_instance: Callable[..., Path]) -> None:
    demand = demo_text("demand").replace("Canterbury,ASD,primary,2026,30",
                                     "Canterbury,asd, Primary ,2026,30")
    provisions = demo_text("provisions").replace("ASD;SLD;PMLD;SLCN,60", "asd;SLD;pmld;SLCN,60")
    inst = Instance.from_path(write_csv_instance(tmp_path, demand=demand, provisions=provisions))
    assert set(inst.demand["need"]) <= {"ASD", "SEMH", "SLD", "SLCN", "PMLD", "MLD"}
    assert set(inst.demand["phase"]) <= {"primary", "secondary", "post16"}
    assert inst.provisions["needs"].iloc[0] == "ASD;SLD;PMLD;SLCN"


def test_unknown_zone_suggests_the_closest(
        tmp_path: Path, write_csv_instance: Callable[..., Path]) -> None:
    demand = demo_text("demand").replace("Canterbury,ASD,primary,2026,30",
                                     "Canterbery,ASD,primary,2026,30")
    [issue] = load_errors(write_csv_instance(tmp_path, demand=demand))
    assert (issue.message, issue.row, issue.column, issue.value) == (
        "unknown zone", 2, "zone", "Canterbery")
    assert issue.expected == ("did you mean 'Canterbury'? an id from the zones table: one of "
                              "Canterbury, Swale, Thanet")


def test_zone_ids_are_not_respelt(tmp_path: Path,
                                  write_csv_instance: Callable[..., Path]) -> None:
    demand = demo_text("demand").replace("Canterbury,ASD,primary,2026,30",
                                     "canterbury,ASD,primary,2026,30")
    [issue] = load_errors(write_csv_instance(tmp_path, demand=demand))
    assert issue.value == "canterbury"
    assert issue.expected is not None and "did you mean 'Canterbury'?" in issue.expected


def test_unknown_need_in_a_list_suggests_for_the_unknown_part(
        tmp_path: Path, write_csv_instance: Callable[..., Path]) -> None:
    text = demo_text("provisions").replace("ASD;SLD;PMLD;SLCN,60", "ASD;SDL;PMLD;SLCN,60")
    [issue] = load_errors(write_csv_instance(tmp_path, provisions=text))
    assert (issue.row, issue.column, issue.value) == (2, "needs", "SDL")
    assert issue.expected is not None and issue.expected.startswith("did you mean 'SLD'")


# --- columns and tables -----------------------------------------------------------------------


def test_headers_are_matched_ignoring_case_and_spaces(
        tmp_path: Path, write_csv_instance: Callable[..., Path]) -> None:
    demand = demo_text("demand").replace("zone,need,phase,year,pupils", "Zone, Need ,PHASE,Year,Pupils")
    inst = Instance.from_path(write_csv_instance(tmp_path, demand=demand))
    assert len(inst.demand) == 24


def test_a_header_and_its_canonical_twin_keep_the_canonical(
        tmp_path: Path, write_csv_instance: Callable[..., Path]) -> None:
    demand = demo_text("demand").replace("zone,need,phase,year,pupils",
                                     "zone,need,phase,year,pupils,Zone")
    lines = demand.splitlines()
    demand = "\n".join([lines[0]] + [line + ",x" for line in lines[1:]]) + "\n"
    [issue] = load_errors(write_csv_instance(tmp_path, demand=demand))
    assert (issue.message, issue.column, issue.row) == ("unknown column", "Zone", 1)


def test_misspelt_column_suggests_the_closest(
        tmp_path: Path, write_csv_instance: Callable[..., Path]) -> None:
    demand = demo_text("demand").replace("zone,need,phase,year,pupils", "zone,need,phase,year,pupills")
    issues = load_errors(write_csv_instance(tmp_path, demand=demand))
    [unknown] = [i for i in issues if i.message == "unknown column"]
    assert (unknown.column, unknown.row) == ("pupills", 1)
    assert unknown.expected is not None and unknown.expected.startswith("did you mean 'pupils'?")


def test_misspelt_sheet_suggests_the_table(tmp_path: Path) -> None:
    from placement_opt.schema.parse import RawTable
    from placement_opt.schema.validation import validate_raw

    inst = Instance.from_path(DEMO)
    raw = {name: RawTable.from_frame(name, f"book (sheet {name})", frame.astype("object"))
           for name, frame in inst.tables().items() if len(frame)}
    raw["demnad"] = RawTable.from_frame("demnad", "book (sheet demnad)", inst.demand)
    _, issues = validate_raw(raw, {}, "book (sheet settings)", lambda t: t)
    [warning] = [i for i in issues if "unknown table" in i.message]
    assert warning.expected is not None and warning.expected.startswith("did you mean 'demand'?")


# --- settings ---------------------------------------------------------------------------------


def test_setting_kinds_ignore_case() -> None:
    from placement_opt.schema.settings import settings_issues

    settings, issues = settings_issues({"policy": {"transported_share": {"SRP": 0.5},
                                                   "own_district_kinds": "Mainstream"},
                                        "finance": {"target_mode": " Hard"}}, "s")
    assert issues == [] and settings is not None
    assert settings.policy.transported_share == {"srp": 0.5}
    assert settings.policy.own_district_kinds == ["mainstream"]
    assert settings.finance.target_mode == "hard"


@pytest.mark.parametrize(("policy", "column", "near"), [
    ({"transported_share": {"specail": 0.5}}, "policy.transported_share.specail", "'special'"),
    ({"own_district_kinds": "mainstrem"}, "policy.own_district_kinds.0", "'mainstream'"),
])
def test_unknown_setting_kind_suggests_the_closest(policy: dict[str, object], column: str,
                                                   near: str) -> None:
    from placement_opt.schema.settings import settings_issues

    _, [issue] = settings_issues({"policy": policy}, "s")
    assert issue.column == column
    assert issue.expected is not None and issue.expected.startswith(f"did you mean {near}?")


def test_policy_phases_are_respelt_as_the_phases_table(
        tmp_path: Path, write_csv_instance: Callable[..., Path]) -> None:
    settings = (DEMO / "instance.toml").read_text(encoding="utf-8").replace(
        "max_journey_min = { primary = 45.0,", "max_journey_min = { Primary = 45.0,")
    inst = Instance.from_path(write_csv_instance(tmp_path, settings=settings))
    assert inst.policy.journey_limit("primary") == 45.0
    assert not [w for w in inst.warnings if "journey limit" in w.message]


def test_unknown_policy_phase_suggests_the_closest(
        tmp_path: Path, write_csv_instance: Callable[..., Path]) -> None:
    settings = (DEMO / "instance.toml").read_text(encoding="utf-8").replace(
        "max_journey_min = { primary = 45.0,", "max_journey_min = { primry = 45.0,")
    inst = Instance.from_path(write_csv_instance(tmp_path, settings=settings))
    [warning] = [w for w in inst.warnings if "journey limit" in w.message]
    assert warning.expected is not None and warning.expected.startswith("did you mean 'primary'?")


def test_a_csv_named_nearly_as_a_missing_table_is_an_error(
        tmp_path: Path, write_csv_instance: Callable[..., Path]) -> None:
    folder = write_csv_instance(tmp_path)
    (folder / "expansion.csv").write_text("provision,increment,capital_cost\nSNS,8,400000\n",
                                          encoding="utf-8")
    [issue] = load_errors(folder)
    assert (issue.source, issue.value) == (str(folder / "expansion.csv"), "expansion.csv")
    assert issue.expected is not None and issue.expected.startswith(
        "did you mean 'expansions.csv'?")


def test_other_csv_files_are_left_alone(tmp_path: Path,
                                        write_csv_instance: Callable[..., Path]) -> None:
    folder = write_csv_instance(tmp_path)
    (folder / "notes.csv").write_text("a\n1\n", encoding="utf-8")
    (folder / "capacity_2025.csv").write_text("a\n1\n", encoding="utf-8")
    (folder / "demand2.csv").write_text("a\n1\n", encoding="utf-8")  # demand.csv is there
    assert len(Instance.from_path(folder).demand) == 24
