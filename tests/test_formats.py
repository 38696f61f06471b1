"""Writing an instance as a CSV folder, an xlsx workbook or JSON and reading it back is lossless."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from placement_opt import Instance, OutputError, Settings

FORMATS = ["folder", "kent.xlsx", "kent.json"]


def assert_same_instance(back: Instance, inst: Instance) -> None:
    """Equal tables (values and dtypes), equal settings and equal fingerprint."""
    assert list(back.tables()) == list(inst.tables())
    for name, frame in inst.tables().items():
        pd.testing.assert_frame_equal(back.tables()[name], frame, obj=name)
    assert back.settings == inst.settings
    assert back.settings.model_fields_set == inst.settings.model_fields_set
    assert back.policy.model_fields_set == inst.policy.model_fields_set
    assert back.fingerprint() == inst.fingerprint()


def round_trip(inst: Instance, path: Path) -> Instance:
    assert inst.to_path(path) == path
    return Instance.from_path(path)


@pytest.fixture(scope="module")
def demo(demo_path: Path) -> Instance:
    return Instance.from_path(demo_path)


@pytest.mark.parametrize("target", FORMATS)
def test_demo_round_trip(demo: Instance, tmp_path: Path, target: str) -> None:
    back = round_trip(demo, tmp_path / target)
    assert_same_instance(back, demo)
    assert back.name == "demo"
    assert back.policy.unmet_penalty == 200_000.0
    assert back.warnings == ()


def test_round_trip_through_every_format_in_turn(demo: Instance, tmp_path: Path) -> None:
    inst = demo
    for step, target in enumerate(FORMATS):
        inst = round_trip(inst, tmp_path / str(step) / target)
    assert_same_instance(inst, demo)


def test_csv_folder_holds_every_table_and_the_settings(demo: Instance, tmp_path: Path) -> None:
    folder = demo.to_path(tmp_path / "out")
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted([f"{n}.csv" for n in demo.tables()] + ["instance.toml"])
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temporary files


@pytest.mark.parametrize("target", ["kent.xlsx", "kent.json"])
def test_writing_refuses_to_overwrite_a_file(demo: Instance, tmp_path: Path,
                                             target: str) -> None:
    path = tmp_path / target
    path.write_text("keep me", encoding="utf-8")
    with pytest.raises(OutputError, match="already exists"):
        demo.to_path(path)
    assert path.read_text(encoding="utf-8") == "keep me"
    demo.to_path(path, overwrite=True)
    assert_same_instance(Instance.from_path(path), demo)


def test_writing_refuses_a_non_empty_folder(demo: Instance, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(OutputError, match="not empty"):
        demo.to_path(folder)
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]
    demo.to_path(folder, overwrite=True)
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "keep me"
    assert_same_instance(Instance.from_path(folder), demo)


def test_writing_to_an_empty_folder_is_allowed(demo: Instance, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    demo.to_path(folder)
    assert_same_instance(Instance.from_path(folder), demo)


@pytest.mark.parametrize(("make", "target", "match"), [
    ("file", "out", "not a folder"),
    ("folder", "kent.xlsx", "is a folder"),
    ("folder", "kent.json", "is a folder"),
    (None, "kent.csv", "unknown format"),
])
def test_writing_to_the_wrong_kind_of_path(demo: Instance, tmp_path: Path, make: str | None,
                                           target: str, match: str) -> None:
    path = tmp_path / target
    if make == "file":
        path.write_text("keep me", encoding="utf-8")
    elif make == "folder":
        path.mkdir()
    with pytest.raises(OutputError, match=match):
        demo.to_path(path, overwrite=True)


def test_written_files_are_readable_like_plain_files(demo: Instance, tmp_path: Path) -> None:
    plain = tmp_path / "plain.txt"
    plain.write_text("x", encoding="utf-8")
    for target in ("kent.xlsx", "kent.json"):
        written = demo.to_path(tmp_path / target)
        assert written.stat().st_mode & 0o777 == plain.stat().st_mode & 0o777


def test_settings_are_written_to_the_settings_sheet(demo: Instance, tmp_path: Path) -> None:
    path = demo.to_path(tmp_path / "kent.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["settings", *demo.tables()]
    rows = list(book["settings"].iter_rows(values_only=True))
    assert rows[0] == ("key", "value")
    values = dict(rows[1:])
    assert values["instance.name"] == "demo"
    assert values["policy.unmet_penalty"] == 200_000.0
    assert values["policy.max_journey_min.secondary"] == 75.0
    assert values["policy.integer_pupils"] is False
    assert "policy.max_independent_share" not in values  # never set in the demo


def _with_blanks(demo: Instance) -> Instance:
    tables = demo.tables()
    zones = tables["zones"].copy()
    zones["name"] = [None, "Thanet", None]
    zones["cluster"] = np.nan
    zones["min_local_share"] = [np.nan, 0.25, np.nan]
    prov = tables["provisions"].copy()
    prov.loc[1, ["name", "lat", "lon"]] = [None, np.nan, np.nan]
    cap = tables["capacity"].copy()
    cap.loc[0, "need"] = None
    tables.update(zones=zones, provisions=prov, capacity=cap)
    return Instance.from_tables(tables, demo.settings)


@pytest.mark.parametrize("target", FORMATS)
def test_blank_optional_cells_round_trip(demo: Instance, tmp_path: Path, target: str) -> None:
    inst = _with_blanks(demo)
    assert inst.zones["name"].isna().sum() == 2
    assert inst.zones["cluster"].isna().all()
    assert inst.provisions["lat"].isna().sum() == 1
    back = round_trip(inst, tmp_path / target)
    assert_same_instance(back, inst)
    assert back.zones["name"].tolist() == [None, "Thanet", None]
    # ORC has no coordinates: sheet/CSV row 3, or JSON record 2.
    assert [w.row for w in back.warnings] == [2 if target.endswith(".json") else 3]


#: Text that a spreadsheet or a CSV reader might take for a formula, error, number, blank,
#: line end or (xlsx) escaped character.
TRICKY_NAMES = ["=SUM(A1:A2)", "+44 1843", "-minus\rcarriage return", "@at _x000D_", "#N/A",
                'a, "quoted"\nline\r\nend', "unicode: Ŵ é 😀"]
TRICKY_CLUSTERS = ["NA", "0012", "TRUE"]
TRICKY_AREAS = ["None", "nan", "1e3"]


def _tricky(demo: Instance) -> Instance:
    tables = demo.tables()
    prov = tables["provisions"].copy()
    prov["name"] = TRICKY_NAMES
    zones = tables["zones"].copy()
    zones["cluster"] = TRICKY_CLUSTERS
    zones["area"] = TRICKY_AREAS
    tables.update(provisions=prov, zones=zones)
    return Instance.from_tables(tables, demo.settings)


@pytest.mark.parametrize("target", FORMATS)
def test_text_that_looks_like_formulas_numbers_or_missing_round_trips(
        demo: Instance, tmp_path: Path, target: str) -> None:
    inst = _tricky(demo)
    assert inst.provisions["name"].iloc[0] == "=SUM(A1:A2)"
    assert inst.provisions["name"].tolist() == TRICKY_NAMES
    assert inst.zones["cluster"].tolist() == TRICKY_CLUSTERS
    assert inst.zones["area"].tolist() == TRICKY_AREAS
    assert_same_instance(round_trip(inst, tmp_path / target), inst)


def test_xlsx_text_starting_with_equals_is_text_not_formula(demo: Instance,
                                                            tmp_path: Path) -> None:
    path = _tricky(demo).to_path(tmp_path / "kent.xlsx")
    sheet = load_workbook(path)["provisions"]
    assert sheet["B1"].value == "name"
    cells = {sheet.cell(row, 2).value: sheet.cell(row, 2).data_type for row in range(2, 9)}
    assert cells["=SUM(A1:A2)"] == "s"
    assert cells["#N/A"] == "s"
    assert cells["+44 1843"] == "s"
    assert cells["-minus_x000D_carriage return"] == "s"  # escaped as Excel does
    assert sheet["E2"].data_type == "n"  # numbers stay numbers
    assert isinstance(sheet["E2"].value, float)


def test_xlsx_refuses_text_a_workbook_cannot_hold(demo: Instance, tmp_path: Path) -> None:
    tables = demo.tables()
    prov = tables["provisions"].copy()
    prov.loc[0, "name"] = "bell\x07"
    tables["provisions"] = prov
    inst = Instance.from_tables(tables, demo.settings)
    with pytest.raises(OutputError, match="sheet provisions, row 2"):
        inst.to_path(tmp_path / "kent.xlsx")
    assert list(tmp_path.iterdir()) == []  # nothing half-written
    assert_same_instance(round_trip(inst, tmp_path / "kent.json"), inst)


SETTINGS_CASES = {
    "no journey limits at all": {"policy": {"max_journey_min": {}}},
    "infinite limit and a phase name with spaces": {
        "policy": {"max_journey_min": {"primary": 45.0, "Key Stage 4": math.inf}}},
    "description with quotes, newline and DEL": {
        "instance": {"name": "kent", "description": 'say "hi"\nthen \\ \x7f =A1'}},
    "optional caps and whole pupils": {
        "policy": {"max_independent_share": 0.2, "max_independent_pupils": 15,
                   "integer_pupils": True, "unmet_penalty": 1e12}},
    "nothing set": {},
}


@pytest.mark.parametrize("target", FORMATS)
@pytest.mark.parametrize("raw", list(SETTINGS_CASES.values()), ids=list(SETTINGS_CASES))
def test_settings_round_trip(demo: Instance, tmp_path: Path, target: str,
                             raw: dict[str, dict[str, object]]) -> None:
    inst = demo.replace(settings=Settings.model_validate(raw))
    back = round_trip(inst, tmp_path / target)
    assert_same_instance(back, inst)
    assert back.settings.model_dump() == Settings.model_validate(raw).model_dump()


def test_hand_authored_workbook_loads(demo: Instance, tmp_path: Path) -> None:
    book = Workbook()
    settings = book.active
    settings.title = "Settings"
    for row in [("Key", "Value"), ("instance.name", "Kent by hand"),
                ("policy.unmet_penalty", 150000), ("policy.max_journey_min.primary", 50),
                ("policy.integer_pupils", True), (None, None), ("policy.speed_kmh", "25")]:
        settings.append(row)
    zones = book.create_sheet("Zones")
    zones.append(["zone", "name", "lat", "lon"])
    zones.append(["Canterbury", "Canterbury", 51.283227, 1.101804])
    zones.append(["Thanet", None, 51.354528, 1.340553])
    zones.append([None, None, None, None])  # blank trailing rows
    zones.append(["", " ", None, None])
    prov = book.create_sheet("provisions")
    prov.append(["provision", "name", "kind", "zone", "phases", "needs", "capacity",
                 "cost_per_place", None])
    prov.append(["P1", "Foreland Fields", "special", "Thanet", "primary;secondary",
                 "ASD; SLD", 120, 24252.5])
    prov.append([101, "Orchard", "special", "Canterbury", "secondary", "SEMH", 30, 24252])
    demand = book.create_sheet("demand")
    demand.append(["zone", "need", "phase", "year", "pupils"])
    demand.append(["Thanet", "ASD", "primary", 2026, 12])
    demand.append(["Canterbury", "SEMH", "secondary", 2026, 7.5])
    book.create_sheet("README").append(["Notes for the planner; ignored."])
    path = tmp_path / "hand.xlsx"
    book.save(path)

    inst = Instance.from_path(path)
    assert inst.name == "Kent by hand"
    assert inst.policy.unmet_penalty == 150_000.0
    assert inst.policy.max_journey_min == {"primary": 50.0}
    assert inst.policy.integer_pupils is True
    assert inst.policy.speed_kmh == 25.0
    assert inst.zones["zone"].tolist() == ["Canterbury", "Thanet"]
    assert inst.zones["name"].tolist() == ["Canterbury", None]
    assert inst.provisions["provision"].tolist() == ["P1", "101"]
    assert inst.provisions["needs"].tolist() == ["ASD;SLD", "SEMH"]
    assert inst.provisions["cost_per_place"].tolist() == [24252.5, 24252.0]
    assert inst.demand["year"].tolist() == [2026, 2026]
    assert inst.demand["pupils"].tolist() == [12.0, 7.5]
    assert [(w.row, w.column) for w in inst.warnings] == [(2, "lat"), (3, "lat")]  # no coords
    assert_same_instance(round_trip(inst, tmp_path / "again.xlsx"), inst)
