"""Bundled instances (``placement_opt/io/bundled.py``): shipped inside the package, a bare name
means one only when no path of that name exists, the command line says which it used, and a
wheel built from the repository finds them without the source tree."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from importlib.resources import files
from pathlib import Path

import pytest
from typer.testing import CliRunner

from placement_opt import Instance
from placement_opt.cli import app
from placement_opt.errors import InstanceError
from placement_opt.io.bundled import bundled_names, bundled_root, find_instance, resolve_instance_path

ROOT = Path(__file__).resolve().parents[1]
NAMES = ["demo", "kent", "kent_growth"]
runner = CliRunner()


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory outside the repository."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_names_and_root() -> None:
    assert bundled_names() == NAMES
    assert bundled_root() == Path(str(files("placement_opt"))) / "instances"
    assert (bundled_root() / "kent" / "instance.toml").samefile(ROOT / "instances" / "kent" / "instance.toml")


def test_bare_name_is_the_bundled_instance(elsewhere: Path) -> None:
    found = find_instance("kent")
    assert found.bundled and not found.shadows
    assert found.path == bundled_root() / "kent"
    assert found.note() == "Using the bundled instance 'kent'"
    assert Instance.from_path("demo").name == Instance.from_path(ROOT / "instances" / "demo").name


def test_existing_folder_of_that_name_wins(elsewhere: Path) -> None:
    shutil.copytree(ROOT / "instances" / "demo", elsewhere / "kent")
    found = find_instance("kent")
    assert found.shadows and not found.bundled
    assert found.path == Path("kent")
    assert found.note() == "Using ./kent (a folder of that name here, not the bundled instance)"
    assert len(Instance.from_path("kent").zones) == len(Instance.from_path("demo").zones)


def test_existing_file_of_that_name_wins(elsewhere: Path) -> None:
    (elsewhere / "demo").write_text("not an instance", encoding="utf-8")
    found = find_instance("demo")
    assert found.shadows and found.path == Path("demo")
    assert found.note() == "Using ./demo (a file of that name here, not the bundled instance)"


def test_plain_path_has_no_note(elsewhere: Path) -> None:
    for given in ("mine.xlsx", "data/kent", str(ROOT / "instances" / "demo")):
        found = find_instance(given)
        assert not found.bundled and not found.shadows and found.note() is None
        assert resolve_instance_path(given) == Path(given)


def test_unknown_name_lists_the_bundled_ones(elsewhere: Path) -> None:
    with pytest.raises(InstanceError) as caught:
        Instance.from_path("kant")
    [issue] = caught.value.issues
    assert issue.source == "kant"
    assert "no bundled instance of that name" in issue.message
    assert issue.expected is not None and issue.expected.endswith("demo, kent, kent_growth")


def test_missing_path_is_not_called_a_name(elsewhere: Path) -> None:
    with pytest.raises(InstanceError) as caught:
        Instance.from_path(elsewhere / "nope.xlsx")
    [issue] = caught.value.issues
    assert issue.message == "no such file or folder"
    assert issue.expected is not None and "bundled" not in issue.expected


def test_cli_says_bundled(elsewhere: Path) -> None:
    res = runner.invoke(app, ["validate", "demo"])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("Using the bundled instance 'demo'\n")


def test_cli_says_local_folder(elsewhere: Path) -> None:
    shutil.copytree(ROOT / "instances" / "demo", elsewhere / "kent")
    res = runner.invoke(app, ["validate", "kent"])
    assert res.exit_code == 0, res.output
    assert "Using ./kent (a folder of that name here, not the bundled instance)" in res.output
    assert "3 zones" in res.output  # the demo copy, not Kent


def test_cli_unknown_name(elsewhere: Path) -> None:
    res = runner.invoke(app, ["validate", "kant"])
    assert res.exit_code == 2
    assert "kent_growth" in res.output and "Traceback" not in res.output


def test_cli_plain_path_says_nothing_extra(elsewhere: Path) -> None:
    res = runner.invoke(app, ["validate", str(ROOT / "instances" / "demo")])
    assert res.exit_code == 0 and "Using" not in res.output


#: Not part of a source copy for the wheel build (local state, not the project).
_NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "runs", "__pycache__",
                                     ".*_cache", ".hypothesis")

_CHECK = """
import sys
from pathlib import Path
import placement_opt
from placement_opt import Instance
from placement_opt.io.bundled import bundled_root
site = Path(sys.argv[1])
assert Path(placement_opt.__file__).is_relative_to(site), placement_opt.__file__
assert bundled_root().is_relative_to(site), bundled_root()
assert not bundled_root().is_symlink()
print(Instance.from_path("kent").name, len(Instance.from_path("kent").provisions))
"""

_SOLVE = """
import sys
from placement_opt.cli import main
sys.argv = ["placement-opt", "solve", "demo", "--time-limit", "60", "--out", sys.argv[1]]
main()
"""


@pytest.mark.slow
def test_wheel_ships_the_instances(tmp_path: Path) -> None:
    """Build the wheel from a copy of the source, unpack it, and use it from outside the repo."""
    source, wheels, site, cwd = (tmp_path / d for d in ("src", "wheels", "site", "cwd"))
    shutil.copytree(ROOT, source, symlinks=True, ignore=_NOT_SOURCE)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels),
                    str(source)], check=True, capture_output=True, timeout=300)
    [wheel] = wheels.glob("placement_opt-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(site)
    assert "placement_opt/instances/kent/demand.csv" in names
    assert "placement_opt/instances/kent/scenarios/asd-growth.toml" in names
    assert not [n for n in names if n.startswith("placement_opt/instances/") and n.endswith(".py")]
    cwd.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}  # the unpacked wheel, not the source tree
    check = subprocess.run([sys.executable, "-c", _CHECK, str(site)], cwd=cwd, env=env,
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stderr
    assert check.stdout.startswith("kent ")
    solved = subprocess.run([sys.executable, "-c", _SOLVE, str(tmp_path / "run")], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=300)
    assert solved.returncode == 0, solved.stdout + solved.stderr
    assert "Using the bundled instance 'demo'" in solved.stdout
    assert (tmp_path / "run" / "report.html").is_file()
