"""Every validation rule and read error gives an InstanceError whose Issues locate the problem.

Each case starts from a copy of the demo instance (``write_csv_instance``) with one file edited,
and checks the Issue's source, row (as a spreadsheet shows it: header = row 1), column and value.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from placement_opt import Instance, InstanceError, Issue, Severity
from placement_opt.schema.tables import MAX_LISTED

Edit = Callable[[str], str]


# --- helpers -----------------------------------------------------------------------------------


def replace(old: str, new: str) -> Edit:
    """Replace the one occurrence of ``old`` (failing if it is not there exactly once)."""

    def edit(text: str) -> str:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
        return text.replace(old, new)

    return edit


def whole(new: str) -> Edit:
    """Replace the whole file (or create a table the demo lacks)."""
    return lambda _text: new


def append(line: str) -> Edit:
    """Add one line at the end."""
    return lambda text: text.rstrip("\n") + "\n" + line + "\n"


def drop_column(name: str) -> Edit:
    """Remove a column from every line (the demo's CSVs have no quoted commas)."""

    def edit(text: str) -> str:
        lines = text.splitlines()
        at = lines[0].split(",").index(name)
        return "\n".join(
            ",".join(c for i, c in enumerate(line.split(",")) if i != at) for line in lines
        ) + "\n"

    return edit


def demo_text(demo_path: Path, table: str) -> str:
    file = demo_path / ("instance.toml" if table == "settings" else f"{table}.csv")
    return file.read_text(encoding="utf-8") if file.exists() else ""


def raised(path: Path) -> list[Issue]:
    """The issues of the InstanceError that reading ``path`` must raise."""
    with pytest.raises(InstanceError) as info:
        Instance.from_path(path)
    assert info.value.issues, "an InstanceError must list at least one issue"
    return list(info.value.issues)


def errors(issues: list[Issue]) -> list[Issue]:
    return [i for i in issues if i.severity is Severity.ERROR]


def the_issue(issues: list[Issue], message: str, column: str | None = None) -> Issue:
    """The single issue whose message contains ``message`` (and has ``column``, if given)."""
    found = [i for i in issues if message in i.message and (column is None or i.column == column)]
    assert len(found) == 1, f"expected one {message!r} issue, got {found} among {issues}"
    return found[0]


@pytest.fixture(scope="module")
def demo(demo_path: Path) -> Instance:
    return Instance.from_path(demo_path)


@pytest.fixture(scope="module")
def demo_written(demo: Instance, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The demo as the bytes of an .xlsx and a .json file (written once per module)."""
    folder = tmp_path_factory.mktemp("demo_written")
    return {suffix: demo.to_path(folder / f"demo{suffix}").read_bytes()
            for suffix in (".xlsx", ".json")}


@pytest.fixture
def demo_xlsx(demo_written: dict[str, bytes], tmp_path: Path) -> Path:
    """A fresh copy of the demo as ``kent.xlsx`` in this test's folder."""
    path = tmp_path / "kent.xlsx"
    path.write_bytes(demo_written[".xlsx"])
    return path


@pytest.fixture
def demo_json(demo_written: dict[str, bytes], tmp_path: Path) -> Path:
    """A fresh copy of the demo as ``kent.json`` in this test's folder."""
    path = tmp_path / "kent.json"
    path.write_bytes(demo_written[".json"])
    return path


# --- one case per rule -------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """``table`` edited by ``edit`` must give one issue located in ``file`` at row/column/value.

    ``n_errors`` is the total number of errors expected (``None``: not checked, because the
    rule has knock-on errors such as every reference to a missing table).
    """

    table: str
    edit: Edit | None
    message: str
    file: str
    row: int | None
    column: str | None
    value: str | None
    n_errors: int | None = 1


DEMAND_ROW_2 = "Canterbury,ASD,primary,2026,30"
JOURNEYS_HEAD = "zone,provision,minutes,km\nCanterbury,SNS,10,5\n"
PHASES_HEAD = "phase,name,min_age,max_age\nprimary,Primary,4,11\n"

RULES: dict[str, Case] = {
    "missing required column": Case(
        "demand", drop_column("pupils"), "required column is missing", "demand.csv", 1,
        "pupils", None),
    "unknown column": Case(
        "zones", replace("min_local_share", "min_local_share,colour"), "unknown column",
        "zones.csv", 1, "colour", None),
    "blank required value": Case(
        "demand", replace("Canterbury,ASD,secondary,2026,25", ",ASD,secondary,2026,25"),
        "required value is blank", "demand.csv", 3, "zone", ""),
    "not a number": Case(
        "demand", replace(DEMAND_ROW_2, "Canterbury,ASD,primary,2026,lots"), "not a number",
        "demand.csv", 2, "pupils", "lots"),
    "decimal comma is not a number": Case(
        "demand", replace(DEMAND_ROW_2, 'Canterbury,ASD,primary,2026,"1,5"'), "not a number",
        "demand.csv", 2, "pupils", "1,5"),
    "not a whole number": Case(
        "demand", replace(DEMAND_ROW_2, "Canterbury,ASD,primary,2026.5,30"),
        "not a whole number", "demand.csv", 2, "year", "2026.5"),
    "negative capacity": Case(
        "provisions", replace(",60,24252", ",-5,24252"), "out of range", "provisions.csv", 2,
        "capacity", "-5"),
    "negative pupils": Case(
        "demand", replace(DEMAND_ROW_2, "Canterbury,ASD,primary,2026,-1"), "out of range",
        "demand.csv", 2, "pupils", "-1"),
    "latitude outside the UK": Case(
        "zones", replace("51.354528", "40.5"), "out of range", "zones.csv", 3, "lat", "40.5"),
    "longitude outside the UK": Case(
        "zones", replace("0.813211", "5.0"), "out of range", "zones.csv", 4, "lon", "5.0"),
    "min_local_share above 1": Case(
        "zones", replace("Canterbury,East Kent,", "Canterbury,East Kent,1.5"), "out of range",
        "zones.csv", 2, "min_local_share", "1.5"),
    "demand year before 2000": Case(
        "demand", replace(DEMAND_ROW_2, "Canterbury,ASD,primary,1999,30"), "out of range",
        "demand.csv", 2, "year", "1999"),
    "capacity year after 2100": Case(
        "capacity", replace("HTJ,2027,,20", "HTJ,2101,,20"), "out of range", "capacity.csv", 2,
        "year", "2101"),
    "kind not in choices": Case(
        "provisions", replace("special,Canterbury,51.270701", "hospital,Canterbury,51.270701"),
        "value not allowed", "provisions.csv", 2, "kind", "hospital"),
    "duplicate provision id": Case(
        "provisions", replace("ORC,The Orchard", "SNS,The Orchard"), "duplicate row",
        "provisions.csv", 3, "provision", "SNS"),
    "duplicate demand row": Case(
        "demand", append("Canterbury,ASD,primary,2026,5"), "duplicate row", "demand.csv", 26,
        "zone", "Canterbury"),
    "provision zone unknown": Case(
        "provisions", replace("special,Canterbury,51.270701", "special,Dover,51.270701"),
        "unknown zone", "provisions.csv", 2, "zone", "Dover"),
    "demand zone unknown": Case(
        "demand", replace(DEMAND_ROW_2, "Dover,ASD,primary,2026,30"), "unknown zone",
        "demand.csv", 2, "zone", "Dover"),
    "demand need unknown": Case(
        "demand", replace(DEMAND_ROW_2, "Canterbury,XYZ,primary,2026,30"), "unknown need",
        "demand.csv", 2, "need", "XYZ"),
    "demand phase unknown": Case(
        "demand", replace(DEMAND_ROW_2, "Canterbury,ASD,nursery,2026,30"), "unknown phase",
        "demand.csv", 2, "phase", "nursery"),
    "capacity provision unknown": Case(
        "capacity", replace("HTJ,2027,,20", "XXX,2027,,20"), "unknown provision",
        "capacity.csv", 2, "provision", "XXX"),
    "capacity need unknown": Case(
        # An unknown need is not designated at FFS either: two errors on the same cell.
        "capacity", replace("FFS,2026,SLD,10", "FFS,2026,XYZ,10"), "unknown need",
        "capacity.csv", 3, "need", "XYZ", n_errors=2),
    "journeys zone unknown": Case(
        "journeys", whole(JOURNEYS_HEAD + "Dover,SNS,12,6\n"), "unknown zone", "journeys.csv",
        3, "zone", "Dover"),
    "journeys provision unknown": Case(
        "journeys", whole(JOURNEYS_HEAD + "Thanet,XXX,12,6\n"), "unknown provision",
        "journeys.csv", 3, "provision", "XXX"),
    "need in a provision's needs list unknown": Case(
        "provisions", replace("ASD;SLD;PMLD;SLCN,60", "ASD;XYZ;SLCN,60"), "unknown need",
        "provisions.csv", 2, "needs", "XYZ"),
    "phase in a provision's phases list unknown": Case(
        "provisions", replace("secondary,,,SEMH,", "secondary;nursery,,,SEMH,"),
        "unknown phase", "provisions.csv", 3, "phases", "nursery"),
    "provision with no designation": Case(
        "provisions", replace("secondary,,,SEMH,30", "secondary,,,,30"),
        "required value is blank", "provisions.csv", 3, "needs", ""),
    "provision with no phases and no age range": Case(
        "provisions", replace("secondary,,,SEMH,", ",,,SEMH,"), "no phases and no age range",
        "provisions.csv", 3, "phases", ""),
    "provision min_age not below max_age": Case(
        "provisions", replace(",4,19,ASD;SLD;PMLD;SLCN,60", ",19,4,ASD;SLD;PMLD;SLCN,60"),
        "max_age must be above min_age", "provisions.csv", 2, "max_age", "4"),
    "phase min_age not below max_age": Case(
        "phases", whole(PHASES_HEAD + "secondary,Secondary,16,11\npost16,Post-16,16,19\n"),
        "max_age must be above min_age", "phases.csv", 3, "max_age", "11"),
    "lat without lon": Case(
        "provisions", replace("51.270701,1.083022", "51.270701,"), "give both lat and lon",
        "provisions.csv", 2, "lon", ""),
    "lon without lat": Case(
        "provisions", replace("51.270701,1.083022", ",1.083022"), "give both lat and lon",
        "provisions.csv", 2, "lat", ""),
    "capacity need not designated at the provision": Case(
        "capacity", replace("FFS,2026,SLD,10", "FFS,2026,SEMH,10"),
        "need is not designated at this provision", "capacity.csv", 3, "need", "SEMH"),
    "missing capacity for a demand year": Case(
        # HTJ has a capacity row for 2027 only, so only 2026 is uncovered.
        "provisions", replace("ASD,16,16000", "ASD,,16000"), "no capacity for HTJ in 2026",
        "provisions.csv", 5, "capacity", ""),
    "zones table missing": Case(
        "zones", None, "the zones table is missing", "zones.csv", None, None, None, None),
    "provisions table missing": Case(
        "provisions", None, "the provisions table is missing", "provisions.csv", None, None,
        None, None),
    "demand table missing": Case(
        "demand", None, "the demand table is missing", "demand.csv", None, None, None),
    "demand table empty": Case(
        "demand", whole("zone,need,phase,year,pupils\n"), "the demand table has no rows",
        "demand.csv", None, None, None),
}


@pytest.mark.parametrize("case", list(RULES.values()), ids=list(RULES))
def test_rule_gives_a_located_issue(case: Case, tmp_path: Path, demo_path: Path,
                                    write_csv_instance: Callable[..., Path]) -> None:
    text = None if case.edit is None else case.edit(demo_text(demo_path, case.table))
    folder = write_csv_instance(tmp_path, **{case.table: text})
    issues = raised(folder)
    issue = the_issue(issues, case.message, case.column)
    assert issue.severity is Severity.ERROR
    assert issue.source.endswith(case.file)
    assert (issue.row, issue.column, issue.value) == (case.row, case.column, case.value)
    if case.n_errors is not None:
        assert len(errors(issues)) == case.n_errors, errors(issues)


SETTINGS_RULES: dict[str, tuple[Edit, str, str | None, str | None]] = {
    # edit of instance.toml, column, value, expected wording
    "unknown key": (replace("[policy]\n", "[policy]\ncolour = 1\n"), "policy.colour", "1",
                    "a key of [policy] (24 in all)"),
    "misspelt key": (replace("[policy]\n", "[policy]\ntransport_cost_per_kn = 1\n"),
                     "policy.transport_cost_per_kn", "1",
                     "did you mean 'transport_cost_per_km', 'transport_cost_per_pupil' or "
                     "'transfer_cost_per_min'? a key of [policy] (24 in all)"),
    "wrong type": (replace("unmet_penalty = 200000.0", 'unmet_penalty = "lots"'),
                   "policy.unmet_penalty", "'lots'", "a number"),
    "out of range": (replace("min_local_share = 0.0", "min_local_share = 1.5"),
                     "policy.min_local_share", "1.5", "a number within the documented range"),
    "unknown section": (append("[solver]\nthreads = 4"), "solver", None,
                        "a section: one of instance, policy, finance"),
    "misspelt section": (append("[polcy]\nthreads = 4"), "polcy", None,
                         "did you mean 'policy'? a section: one of instance, policy, finance"),
}


@pytest.mark.parametrize("rule", list(SETTINGS_RULES), ids=list(SETTINGS_RULES))
def test_settings_rule_gives_a_located_issue(rule: str, tmp_path: Path, demo_path: Path,
                                             write_csv_instance: Callable[..., Path]) -> None:
    edit, column, value, expected = SETTINGS_RULES[rule]
    folder = write_csv_instance(tmp_path, settings=edit(demo_text(demo_path, "settings")))
    [issue] = raised(folder)
    assert issue.source.endswith("instance.toml")
    assert (issue.column, issue.value, issue.expected) == (column, value, expected)


def test_settings_bad_toml_syntax_names_the_line(tmp_path: Path, demo_path: Path,
                                                 write_csv_instance: Callable[..., Path]) -> None:
    text = replace("speed_kmh = 30.0", "speed_kmh = = 30")(demo_text(demo_path, "settings"))
    [issue] = raised(write_csv_instance(tmp_path, settings=text))
    assert issue.source.endswith("instance.toml")
    assert issue.message.startswith("cannot read as TOML")
    assert issue.row == 12


def test_journey_limit_for_unknown_phase_is_a_warning(
        tmp_path: Path, demo_path: Path, write_csv_instance: Callable[..., Path]) -> None:
    text = replace("post16 = 75.0 }", "post16 = 75.0, nursery = 30.0 }")(
        demo_text(demo_path, "settings"))
    inst = Instance.from_path(write_csv_instance(tmp_path, settings=text))
    [warning] = inst.warnings
    assert warning.severity is Severity.WARNING
    assert warning.source.endswith("instance.toml")
    assert (warning.column, warning.value) == ("policy.max_journey_min.nursery", "nursery")
    assert inst.policy.max_journey_min["nursery"] == 30.0


def test_provision_without_coordinates_is_a_warning(
        tmp_path: Path, demo_path: Path, write_csv_instance: Callable[..., Path]) -> None:
    text = replace("Thanet,51.348722,1.410675", "Thanet,,")(demo_text(demo_path, "provisions"))
    inst = Instance.from_path(write_csv_instance(tmp_path, provisions=text))
    [warning] = inst.warnings
    assert warning.severity is Severity.WARNING
    assert warning.source.endswith("provisions.csv")
    assert (warning.row, warning.column) == (4, "lat")
    assert "zone centroid" in warning.message
    ffs = inst.provisions.set_index("provision").loc["FFS"]
    assert pd.isna(ffs["lat"]) and pd.isna(ffs["lon"])


def test_many_rows_of_one_error_are_summarised(
        tmp_path: Path, demo_path: Path, write_csv_instance: Callable[..., Path]) -> None:
    lines = demo_text(demo_path, "demand").splitlines()
    bad = [lines[0]] + [line.rsplit(",", 1)[0] + ",lots" for line in lines[1:]]
    issues = raised(write_csv_instance(tmp_path, demand="\n".join(bad) + "\n"))
    assert len(lines) - 1 == 24
    listed = [i for i in issues if i.message == "not a number"]
    assert [i.row for i in listed] == list(range(2, 2 + MAX_LISTED))
    summary = the_issue(issues, "more rows like this not listed")
    assert summary.message == "not a number: 4 more rows like this not listed"
    assert summary.source.endswith("demand.csv")
    assert (summary.row, summary.column) == (None, "pupils")
    assert len(issues) == MAX_LISTED + 1


def test_all_problems_are_collected_at_once(
        tmp_path: Path, demo_path: Path, write_csv_instance: Callable[..., Path]) -> None:
    text = demo_text(demo_path, "demand")
    for old, new in [
        ("Canterbury,ASD,primary,2026,30", "Canterbury,ASD,primary,2026,lots"),
        ("Thanet,ASD,primary,2026,28", "Dover,ASD,primary,2026,28"),
        ("Swale,ASD,primary,2026,24", "Swale,ASD,primary,1999,24"),
    ]:
        text = replace(old, new)(text)
    zones = replace("51.354528", "40.5")(demo_text(demo_path, "zones"))
    issues = raised(write_csv_instance(tmp_path, demand=text, zones=zones))
    found = {(Path(i.source).name, i.row, i.column, i.message) for i in issues}
    assert found == {
        ("demand.csv", 2, "pupils", "not a number"),
        ("demand.csv", 6, "zone", "unknown zone"),
        ("demand.csv", 10, "year", "out of range"),
        ("zones.csv", 3, "lat", "out of range"),
    }


def test_two_unreadable_files_are_both_reported(
        tmp_path: Path, write_csv_instance: Callable[..., Path]) -> None:
    folder = write_csv_instance(tmp_path, settings="[policy\n")
    (folder / "zones.csv").write_bytes(b"zone,name\nSt Albans\x81,x\n")  # not cp1252 either
    found = {(Path(i.source).name, i.row) for i in raised(folder)}
    assert found == {("instance.toml", 1), ("zones.csv", 2)}


# --- files that cannot be read ---------------------------------------------------------------


def test_path_does_not_exist(tmp_path: Path) -> None:
    [issue] = raised(tmp_path / "nowhere")
    assert issue.source == str(tmp_path / "nowhere")
    assert issue.message == "no such file or folder"


@pytest.mark.parametrize("name", ["demand.csv", "instance.toml", "kent.xls"])
def test_unsupported_suffix(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("zone,need\n", encoding="utf-8")
    [issue] = raised(path)
    assert (issue.source, issue.message, issue.value) == (
        str(path), "unsupported file type", path.suffix)


@pytest.mark.parametrize("content", [bytes(range(256)) * 4, b"", b"PK\x03\x04 not a zip"],
                         ids=["random bytes", "empty", "zip header only"])
def test_corrupt_xlsx(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "kent.xlsx"
    path.write_bytes(content)
    [issue] = raised(path)
    assert issue.source == str(path)
    assert issue.message.startswith("cannot open as a workbook")


def test_xlsx_with_a_damaged_sheet(demo_xlsx: Path) -> None:
    bad = demo_xlsx.with_name("bad.xlsx")
    with zipfile.ZipFile(demo_xlsx) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet7.xml":  # the demand sheet
                data = data[: len(data) // 2]
            dst.writestr(item, data)
    [issue] = raised(bad)
    assert issue.source == f"{bad} (sheet demand)"
    assert issue.message.startswith("cannot read the sheet")


def test_invalid_json(tmp_path: Path) -> None:
    path = tmp_path / "kent.json"
    path.write_text('{"settings": {},\n "tables": {,}}', encoding="utf-8")
    [issue] = raised(path)
    assert issue.source == str(path)
    assert issue.message.startswith("cannot read as JSON")
    assert issue.row == 2


@pytest.mark.parametrize(
    ("data", "source", "message", "row"),
    [
        ([], "", "wrong layout", None),
        ({"tables": []}, "", "wrong layout", None),
        ({"tables": {"demand": {"zone": "Thanet"}}}, " (tables.demand)",
         "a table must be a list of objects", None),
        ({"tables": {"demand": [{"zone": "Thanet"}, ["Thanet"]]}}, " (tables.demand)",
         "a table must be a list of objects", 2),
        ({"settings": "policy", "tables": {}}, " (settings)", "settings must be an object",
         None),
    ],
    ids=["top-level list", "tables a list", "table an object", "record a list",
         "settings a string"],
)
def test_json_with_wrong_layout(tmp_path: Path, data: object, source: str, message: str,
                                row: int | None) -> None:
    path = tmp_path / "kent.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    [issue] = raised(path)
    assert (issue.source, issue.message, issue.row) == (f"{path}{source}", message, row)


def test_windows_1252_csv_is_read_with_a_warning(tmp_path: Path, demo_path: Path,
                                                write_csv_instance: Callable[..., Path]) -> None:
    folder = write_csv_instance(tmp_path)
    text = demo_text(demo_path, "zones").replace("Swale,Swale", "Swale,Sw\xe5le \xa3")
    (folder / "zones.csv").write_bytes(text.encode("cp1252"))
    inst = Instance.from_path(folder)
    assert "Sw\xe5le \xa3" in set(inst.zones["name"])
    [note] = [w for w in inst.warnings if "Windows-1252" in w.message]
    assert (note.source, note.row) == (str(folder / "zones.csv"), 4)


def test_csv_neither_utf8_nor_windows_1252(tmp_path: Path, demo_path: Path,
                                           write_csv_instance: Callable[..., Path]) -> None:
    folder = write_csv_instance(tmp_path)
    text = demo_text(demo_path, "zones").replace("Swale,Swale", "Swale,Sw\x81le")
    (folder / "zones.csv").write_bytes(text.encode("latin-1"))
    [issue] = raised(folder)
    assert issue.source == str(folder / "zones.csv")
    assert issue.message.startswith("cannot read as CSV: not UTF-8 text nor Windows-1252")
    assert issue.row == 4


def test_empty_csv_file(tmp_path: Path, write_csv_instance: Callable[..., Path]) -> None:
    [issue] = raised(write_csv_instance(tmp_path, capacity=""))
    assert issue.source.endswith("capacity.csv")
    assert issue.message == "the file is empty"


def test_folder_without_instance_files(tmp_path: Path) -> None:
    [issue] = raised(tmp_path)
    assert (issue.source, issue.message) == (str(tmp_path), "no instance files in this folder")


# --- in-memory tables, workbooks and JSON locate their errors ----------------------------------


def test_from_tables_errors_name_the_in_memory_table(demo: Instance) -> None:
    tables = demo.tables()
    demand = tables["demand"].copy()
    demand.loc[3, "pupils"] = -1.0
    tables["demand"] = demand
    with pytest.raises(InstanceError) as info:
        Instance.from_tables(tables, demo.settings, source="kent")
    [issue] = info.value.issues
    assert issue.source == "kent: table demand"
    assert (issue.row, issue.column, issue.value, issue.message) == (
        5, "pupils", "-1.0", "out of range")


def test_from_tables_missing_table_and_bad_setting(demo: Instance) -> None:
    tables = demo.tables()
    del tables["zones"]
    with pytest.raises(InstanceError) as info:
        Instance.from_tables(tables, {"policy": {"speed_kmh": 0}})
    first, second = info.value.issues[:2]
    assert (first.source, first.column, first.value) == (
        "(in memory): settings", "policy.speed_kmh", "0")
    assert (second.source, second.message) == (
        "(in memory): table zones", "the zones table is missing")


def test_workbook_errors_name_file_sheet_and_row(demo_xlsx: Path) -> None:
    path = demo_xlsx
    book = load_workbook(path)
    sheet = book["demand"]
    assert sheet["E1"].value == "pupils"
    sheet["E5"] = "lots"
    sheet["A9"] = "Dover"
    book["provisions"]["C3"] = "hospital"
    book.save(path)
    found = {(i.source, i.row, i.column, i.value) for i in raised(path)}
    assert found == {
        (f"{path} (sheet demand)", 5, "pupils", "lots"),
        (f"{path} (sheet demand)", 9, "zone", "Dover"),
        (f"{path} (sheet provisions)", 3, "kind", "hospital"),
    }


def test_workbook_rows_count_blank_rows_above_the_header(demo_xlsx: Path) -> None:
    path = demo_xlsx
    book = load_workbook(path)
    sheet = book["demand"]
    sheet.insert_rows(1, amount=2)  # header now on row 3, first data row on row 4
    sheet["E6"] = "lots"  # the third data row
    book.save(path)
    [issue] = raised(path)
    assert (issue.source, issue.row, issue.column) == (f"{path} (sheet demand)", 6, "pupils")


def test_workbook_setting_key_without_section(demo_xlsx: Path) -> None:
    path = demo_xlsx
    book = load_workbook(path)
    book["settings"].append(["unmet_penalty", 5])
    row = book["settings"].max_row
    book.save(path)
    [issue] = raised(path)
    assert (issue.source, issue.row, issue.column, issue.value) == (
        f"{path} (sheet settings)", row, "key", "unmet_penalty")


def test_json_errors_name_the_record(demo_json: Path) -> None:
    path = demo_json
    data = json.loads(path.read_text(encoding="utf-8"))
    data["tables"]["demand"][2]["pupils"] = "lots"
    data["tables"]["demand"][6]["need"] = None
    del data["tables"]["zones"][0]["lat"]
    path.write_text(json.dumps(data), encoding="utf-8")
    found = {(i.source, i.row, i.column, i.value, i.message) for i in raised(path)}
    assert found == {
        (f"{path} (tables.demand)", 3, "pupils", "lots", "not a number"),
        (f"{path} (tables.demand)", 7, "need", "", "required value is blank"),
        (f"{path} (tables.zones)", 1, "lat", "", "required value is blank"),
    }


def test_json_missing_column_has_no_row(demo_json: Path) -> None:
    path = demo_json
    data = json.loads(path.read_text(encoding="utf-8"))
    for record in data["tables"]["demand"]:
        del record["pupils"]
    path.write_text(json.dumps(data), encoding="utf-8")
    [issue] = raised(path)
    assert (issue.row, issue.column, issue.message) == (
        None, "pupils", "required column is missing")


def test_json_empty_demand_table(demo_json: Path) -> None:
    path = demo_json
    data = json.loads(path.read_text(encoding="utf-8"))
    data["tables"]["demand"] = []
    path.write_text(json.dumps(data), encoding="utf-8")
    [issue] = raised(path)
    assert (issue.source, issue.message) == (
        f"{path} (tables.demand)", "the demand table has no rows")


# --- CSV row numbers are the rows a spreadsheet shows ------------------------------------------


def test_csv_rows_after_blank_and_multiline_rows(
        tmp_path: Path, demo_path: Path, write_csv_instance: Callable[..., Path]) -> None:
    lines = demo_text(demo_path, "demand").splitlines()
    # Row 3 blank, row 4 all-blank cells, row 5 a quoted zone name on two lines (unknown).
    lines[2:2] = ["", ",,,,", '"Thanet\nNorth",ASD,primary,2026,1']
    lines[8] = lines[8].rsplit(",", 1)[0] + ",lots"  # spreadsheet row 9
    issues = raised(write_csv_instance(tmp_path, demand="\n".join(lines) + "\n"))
    found = {(i.row, i.column, i.value) for i in issues}
    assert found == {(5, "zone", "Thanet\nNorth"), (9, "pupils", "lots")}


def test_csv_row_with_more_cells_than_the_header(
        tmp_path: Path, demo_path: Path, write_csv_instance: Callable[..., Path]) -> None:
    text = replace(DEMAND_ROW_2, DEMAND_ROW_2 + ",,7")(demo_text(demo_path, "demand"))
    text = replace("Swale,ASD,primary,2026,24", "Swale,ASD,primary,2026,x")(text)
    extra, other = raised(write_csv_instance(tmp_path, demand=text))
    assert extra.source.endswith("demand.csv")
    assert (extra.row, extra.column, extra.value) == (2, None, ",7")
    assert extra.message == "more cells in this row than columns in the header"
    assert (other.row, other.column, other.value) == (10, "pupils", "x")  # reported together


def test_workbook_value_in_a_column_without_header(demo_xlsx: Path) -> None:
    path = demo_xlsx
    book = load_workbook(path)
    book["zones"]["I3"] = "stray note"
    book.save(path)
    [issue] = raised(path)
    assert (issue.source, issue.row, issue.value) == (f"{path} (sheet zones)", 3, "stray note")
    assert issue.message == "a value in a column without a header"


def test_csv_duplicate_column(tmp_path: Path, demo_path: Path,
                              write_csv_instance: Callable[..., Path]) -> None:
    text = demo_text(demo_path, "zones").replace("\n", ",x\n").replace(
        "min_local_share,x", "min_local_share,lat", 1)
    [issue] = raised(write_csv_instance(tmp_path, zones=text))
    assert (issue.row, issue.column, issue.message) == (
        1, "lat", "column appears more than once (the first is used)")


def test_csv_thousands_separator_is_a_number(
        tmp_path: Path, demo_path: Path, write_csv_instance: Callable[..., Path]) -> None:
    text = replace(",49259", ',"49,259"')(demo_text(demo_path, "provisions"))
    inst = Instance.from_path(write_csv_instance(tmp_path, provisions=text))
    assert inst.provisions.set_index("provision").loc["FGL", "cost_per_place"] == 49259.0


def test_hand_written_workbook_settings_sheet_without_header(tmp_path: Path,
                                                             demo: Instance) -> None:
    book = Workbook()
    book.active.title = "settings"
    book.active.append(["policy.unmet_penalty", 5000])
    for name in ("zones", "provisions", "demand"):
        sheet = book.create_sheet(name)
        frame = demo.tables()[name].astype("object")
        sheet.append(list(frame.columns))
        for row in frame.where(frame.notna(), None).to_numpy().tolist():
            sheet.append(row)
    path = tmp_path / "hand.xlsx"
    book.save(path)
    assert Instance.from_path(path).policy.unmet_penalty == 5000.0


def test_from_tables_refuses_a_table_that_is_not_a_frame() -> None:
    from placement_opt import Instance, InstanceError

    with pytest.raises(InstanceError) as info:
        Instance.from_tables({"zones": [{"zone": "A"}]})  # type: ignore[dict-item]
    issue = info.value.issues[0]
    assert issue.source.endswith("table zones")
    assert issue.value == "list"
