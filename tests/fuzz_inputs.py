"""A seeded fuzz of malformed inputs: instance folders, workbooks and JSON files, scenario and
sweep files, each a small mutation of the demo instance (issue "Reliability").

Each case says what it breaks and how precisely the error must be located:

* ``cell``: a table cell — the error names the file or sheet, the row, the column and the value;
* ``key``: a setting or a scenario key — the file, the key and the value (a line for TOML);
* ``file``: the file as a whole (empty, not UTF-8, not TOML) — the file.

``must_reject`` cases must give a located error; the others may be accepted. No case may end in
any exception but the project's own input errors. Used by ``tests/test_fuzz_inputs.py`` (a quick
subset) and ``benchmarks/fuzz_inputs.py`` (every case).
"""

from __future__ import annotations

import csv
import io
import json
import random
import shutil
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from placement_opt import Instance
from placement_opt.analysis.scenarios import ScenarioError, apply_scenario, load_scenario
from placement_opt.analysis.sweep.grid import load_sweep
from placement_opt.errors import InstanceError, Issue, Severity
from placement_opt.schema.tables import TABLES, Column

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "instances" / "demo"
Level = Literal["cell", "key", "file"]
Kind = Literal["accepted", "located", "unlocated", "crash", "accepted_wrongly"]


@dataclass(frozen=True)
class Case:
    """One malformed input: ``make(folder)`` writes it and returns the path to read."""

    name: str
    fmt: str
    level: Level
    must_reject: bool
    make: Callable[[Path], Path]
    value: str | None = None


@dataclass(frozen=True)
class Outcome:
    case: str
    kind: Kind
    detail: str


# --- the base files -------------------------------------------------------------------------

def _base_folder(folder: Path) -> Path:
    out = folder / "demo"
    Instance.from_path(DEMO).to_path(out)
    return out


def _read_rows(file: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(file.read_text(encoding="utf-8"), newline="")))


def _write_rows(file: Path, rows: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    file.write_text(buf.getvalue(), encoding="utf-8")


def _cell_case(fmt: str, table: str, column: str, row: int, value: str, must: bool) -> Case:
    """The cell (``row`` 1-based below the header) of ``table.column`` set to ``value``."""

    def make(folder: Path) -> Path:
        base = _base_folder(folder)
        file = base / f"{table}.csv"
        rows = _read_rows(file)
        rows[row][rows[0].index(column)] = value
        _write_rows(file, rows)
        if fmt == "folder":
            return base
        inst_path = folder / f"demo.{fmt}"
        if fmt == "xlsx":
            _csv_to_workbook(base, inst_path)
        else:
            _csv_to_json(base, inst_path)
        return inst_path

    return Case(f"{fmt}: {table}.{column} row {row + 1} = {value!r}", fmt, "cell", must, make,
                value)


def _csv_to_workbook(base: Path, target: Path) -> None:
    """The folder as a workbook with every cell as text (as a user may type it)."""
    from openpyxl import Workbook

    book = Workbook()
    settings = book.active
    assert settings is not None
    settings.title = "settings"
    settings.append(["key", "value"])
    settings.append(["instance.name", "demo"])
    for file in sorted(base.glob("*.csv")):
        sheet = book.create_sheet(file.stem)
        for row in _read_rows(file):
            sheet.append([_typed(c) for c in row])
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # text as typed, not a formula
    book.save(target)


def _typed(cell: str) -> Any:
    """A number cell as a number (a finite one; anything else stays text)."""
    try:
        number = float(cell)
    except ValueError:
        return cell
    return number if abs(number) < 1e300 else cell


def _csv_to_json(base: Path, target: Path) -> None:
    tables = {}
    for file in sorted(base.glob("*.csv")):
        rows = _read_rows(file)
        tables[file.stem] = [dict(zip(rows[0], (_typed(c) for c in r), strict=False))
                             for r in rows[1:]]
    target.write_text(json.dumps({"settings": {"instance": {"name": "demo"}},
                                  "tables": tables}), encoding="utf-8")


# --- what to put in a cell ------------------------------------------------------------------

def _bad_values(col: Column) -> Iterator[tuple[str, bool]]:
    """(value, must be rejected) for a column of the spec."""
    if col.kind in ("float", "int"):
        yield "abc", True
        yield "inf", True
        yield "nan", True
        yield "1" + "0" * 320, True
        yield "24.000,5", True  # a decimal comma
        yield "£1.5m", True
        yield "£1,000", False  # read as 1000 (out of range in some columns)
        if col.low is not None:
            yield str(col.low - 1 if col.kind == "int" else col.low - 0.5), True
        if col.high is not None:
            yield repr(col.high * 10 + 1), True
        if col.kind == "int":
            yield "2.5", True
    if col.kind == "bool":
        yield "perhaps", True
    if col.kind in ("str", "list"):
        yield "bell\x07", True
        yield "=HYPERLINK(\"x\")", col.ref is not None or bool(col.choices)
        if col.ref is not None or col.choices:
            yield "NO-SUCH-ID", True
    yield "", col.required


def cell_cases(rng: random.Random, formats: tuple[str, ...] = ("folder", "xlsx", "json"),
               rows_per_column: int = 1) -> list[Case]:
    """Every bad value of every column of the demo's tables, in each format, at a row drawn by
    ``rng``."""
    base = Instance.from_path(DEMO)
    cases = []
    for table, frame in base.tables().items():
        if frame.empty or table not in TABLES:
            continue
        for col in TABLES[table].columns:
            if col.name not in frame.columns:
                continue
            for value, must in _bad_values(col):
                for _ in range(rows_per_column):
                    row = rng.randrange(1, len(frame) + 1)
                    cases += [_cell_case(fmt, table, col.name, row, value, must)
                              for fmt in formats
                              if not (fmt == "xlsx" and "\x07" in value)]  # xlsx can't hold it
    return cases


# --- whole files, settings and scenarios ------------------------------------------------------

def _file_case(name: str, level: Level, must: bool,
               change: Callable[[Path], Path]) -> Case:
    def make(folder: Path) -> Path:
        return change(_base_folder(folder))

    return Case(name, "folder", level, must, make)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path.parent


def _policy(line: str) -> Callable[[Path], Path]:
    def change(base: Path) -> Path:
        toml = base / "instance.toml"
        key = line.split("=")[0].strip()
        kept = [x for x in toml.read_text().splitlines() if not x.startswith(key + " ")]
        text = "\n".join(kept).replace("[policy]", f"[policy]\n{line}", 1)
        toml.write_text(text + "\n")
        return base
    return change


def file_cases() -> list[Case]:
    """Whole-file and settings mutations of the CSV folder."""
    cases = [
        _file_case("empty demand.csv", "file", True,
                   lambda b: _write(b / "demand.csv", b"")),
        _file_case("demand.csv not UTF-8", "file", True,
                   lambda b: _write(b / "demand.csv", b"zone,need\n\xff\xfe,x\n")),
        _file_case("instance.toml not TOML", "file", True,
                   lambda b: _write(b / "instance.toml", b"[policy\nx = 1\n")),
        _file_case("misnamed Instance.toml", "file", True,
                   lambda b: (b / "instance.toml").rename(b / "Instance.toml") or b),
        _file_case("demand.csv with a BOM", "file", False,
                   lambda b: _write(b / "demand.csv",
                                    b"\xef\xbb\xbf" + (b / "demand.csv").read_bytes())),
        _file_case("demand.csv without its pupils column", "file", True,
                   lambda b: _drop_column(b / "demand.csv", "pupils")),
        _file_case("demand.csv with a duplicated row", "cell", True,
                   lambda b: _duplicate_row(b / "demand.csv")),
        _file_case("demand.csv with semicolons", "file", False,
                   lambda b: _write(b / "demand.csv", (b / "demand.csv").read_bytes()
                                    .replace(b",", b";"))),
        _file_case("demand.csv with tabs", "file", False,
                   lambda b: _write(b / "demand.csv", (b / "demand.csv").read_bytes()
                                    .replace(b",", b"\t"))),
        _file_case("zones.csv in Windows-1252", "file", False,
                   lambda b: _write(b / "zones.csv", (b / "zones.csv").read_text(
                       encoding="utf-8").replace("Thanet", "Th\xe2net \xa3").encode("cp1252"))),
        _file_case("demand.csv header quoted as one cell", "file", True,
                   lambda b: _write(b / "demand.csv", b'"zone;need;phase;year;pupils"\n'
                                    b'"Thanet;ASD;primary;2026;1"\n')),
        _file_case("demand.csv with a year past a gap", "cell", True,
                   lambda b: _year_gap(b / "demand.csv")),
    ]
    for line, must in [("unmet_penalty = inf", True), ("speed_kmh = nan", True),
                       ("transport_cost_per_km = -1.0", True), ('road_factor = "x"', True),
                       ("unmet_penaltyy = 1.0", True), ("min_local_share = 1.5", True),
                       ("max_journey_min = { primary = inf }", False)]:
        cases.append(_file_case(f"policy: {line}", "key", must, _policy(line)))
    return cases


def _drop_column(file: Path, column: str) -> Path:
    rows = _read_rows(file)
    i = rows[0].index(column)
    _write_rows(file, [r[:i] + r[i + 1:] for r in rows])
    return file.parent


def _year_gap(file: Path) -> Path:
    """One demand row moved two years past the last (a mistyped year leaving a gap)."""
    rows = _read_rows(file)
    at = rows[0].index("year")
    rows[1][at] = str(max(int(r[at]) for r in rows[1:]) + 2)
    _write_rows(file, rows)
    return file.parent


def _duplicate_row(file: Path) -> Path:
    rows = _read_rows(file)
    _write_rows(file, [*rows, rows[1]])
    return file.parent


SCENARIO = '[scenario]\nname = "s"\nbase = "{base}"\n'


def scenario_cases() -> list[Case]:
    """Scenario and sweep files that are wrong (or odd but right)."""
    bodies = [
        ("[demand]\ngrowth = inf", True), ("[demand]\ngrowth = \"lots\"", True),
        ("[demand]\ngrowht = 0.1", True), ("[policy]\nunmet_penalty = inf", True),
        ('[[provisions.close]]\nprovision = "NOPE"\nfrom_year = 2027', True),
        ("[solve]\nthreads = 0", True), ('[solve]\nlog_file = "/tmp/x.log"', True),
        ("[finance]\nbalance_target = 0", True), ("[costs]\ncost_per_place_factor = "
                                                  "{ special = -1 }", True),
        ("[demand]\ngrowth = 0.05", False),
    ]
    cases = []
    for body, must in bodies:
        def make(folder: Path, body: str = body) -> Path:
            base = _base_folder(folder)
            file = folder / "s.toml"
            file.write_text(SCENARIO.format(base=base) + body + "\n", encoding="utf-8")
            return file
        cases.append(Case(f"scenario: {body!r}", "scenario", "key", must, make))

    def bom(folder: Path) -> Path:
        base = _base_folder(folder)
        file = folder / "s.toml"
        file.write_bytes(b"\xef\xbb\xbf" + SCENARIO.format(base=base).encode())
        return file
    cases.append(Case("scenario with a BOM", "scenario", "file", False, bom))
    for body, must in [('name = "x/../../out"', True), ('name = "ok"\n[solve]\nthreads = 0', True),
                       ('name = "ok"\n[solve]\ntime_limit = "x"', True),
                       ('name = "ok"\n[grid]\n"demand.growth" = []', True)]:
        def sweep(folder: Path, body: str = body) -> Path:
            base = _base_folder(folder)
            file = folder / "g.toml"
            head, _, rest = body.partition("\n")
            file.write_text(f'[sweep]\n{head}\nbase = "{base}"\n{rest}\n', encoding="utf-8")
            return file
        cases.append(Case(f"sweep: {body!r}", "sweep", "key", must, sweep))
    return cases


def all_cases(seed: int, rows_per_column: int = 1) -> list[Case]:
    rng = random.Random(seed)
    return cell_cases(rng, rows_per_column=rows_per_column) + file_cases() + scenario_cases()


# --- running a case ---------------------------------------------------------------------------

def _read(case: Case, path: Path) -> None:
    if case.fmt == "scenario":
        loaded = load_scenario(path)
        apply_scenario(loaded, Instance.from_path(loaded.base_path()))
    elif case.fmt == "sweep":
        load_sweep(path)
    else:
        Instance.from_path(path)


def _unlocated(case: Case, issues: list[Issue]) -> list[Issue]:
    """The errors that do not say where the problem is, at the case's level."""
    def located(issue: Issue) -> bool:
        if not issue.source:
            return False
        if case.level == "cell":
            return issue.row is not None and issue.column is not None
        if case.level == "key":
            return issue.column is not None or issue.row is not None
        return True

    bad = [i for i in issues if i.severity is Severity.ERROR and not located(i)]
    return bad


def run_case(case: Case, folder: Path) -> Outcome:
    """Write the case under ``folder`` (emptied first) and read it."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    path = case.make(folder)
    try:
        _read(case, path)
    except (InstanceError, ScenarioError) as exc:
        missing = _unlocated(case, list(exc.issues))
        if missing:
            return Outcome(case.name, "unlocated", "; ".join(str(i) for i in missing)[:300])
        return Outcome(case.name, "located", str(exc.issues[0])[:200])
    except Exception:  # the point of the fuzz: anything else is a crash
        return Outcome(case.name, "crash", traceback.format_exc(limit=3)[-600:])
    if case.must_reject:
        return Outcome(case.name, "accepted_wrongly", "no error")
    return Outcome(case.name, "accepted", "")
