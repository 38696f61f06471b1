"""The HTML pages from templates: escaped, strict, deterministic, offline and packaged; and the
one place numbers are formatted."""

from __future__ import annotations

import math
import os
import pickle
import re
import subprocess
import sys
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest
from jinja2 import UndefinedError
from test_scenarios import base_instance

from placement_opt import Instance, solve
from placement_opt.analysis.scenarios import scenario_from_text
from placement_opt.analysis.scenarios.run import run_scenario
from placement_opt.reports.compare import compare_runs
from placement_opt.reports.format import (
    DASH,
    fmt_gbp,
    fmt_gbp_short,
    fmt_minutes,
    fmt_number,
    fmt_share,
    fmt_signed,
    fmt_unit,
)
from placement_opt.reports.html.compare_page import render_comparison
from placement_opt.reports.html.run_page import render_html_report
from placement_opt.reports.html.templating import render

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "placement_opt" / "reports" / "html" / "templates"
#: Text with every character HTML gives a meaning to.
NASTY = "<script>alert('x')</script> & \"Co\""
NASTY_ESCAPED = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &#34;Co&#34;"
#: Anything that would make a page fetch from elsewhere (or point there).
OUTSIDE = re.compile(r"https?:|//[\w.-]+\.\w|@import|url\(|<script|<link|<iframe|<img", re.I)


def _nasty_instance() -> Instance:
    """The scenario tests' base instance with markup in a zone's and a provision's name."""
    inst = base_instance()
    zones = inst.zones.assign(name=[NASTY, "B & <b>"])
    prov = inst.provisions.copy()
    prov["name"] = [NASTY, "SRP 'two'", None]
    return inst.replace(zones=zones, provisions=prov)


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A run page and a comparison page whose names are full of markup."""
    root = tmp_path_factory.mktemp("nasty")
    inst = _nasty_instance()
    inst.to_path(root / "base")
    runs = []
    for i, extra in enumerate(("", '[[provisions.close]]\nprovision = "P2"\nfrom_year = 2027\n')):
        text = f'[scenario]\nname = "run {i} <&>"\nbase = "{root / "base"}"\n{extra}'
        run_scenario(scenario_from_text(text, f"{i}.toml"), root / f"run-{i}")
        runs.append(root / f"run-{i}")
    return {"run": render_html_report(solve(inst), inst),
            "compare": render_comparison(compare_runs(runs))}


def test_names_with_markup_are_escaped_in_every_page(pages: dict[str, str]) -> None:
    run, compare = pages["run"], pages["compare"]
    assert "<script" not in run and "<script" not in compare
    assert NASTY_ESCAPED in run
    assert "B &amp; &lt;b&gt;" in run and "SRP &#39;two&#39;" in run
    assert "run 1 &lt;&amp;&gt;" in compare
    assert "<title>placement_opt comparison: run 0 &lt;&amp;&gt;" in compare
    for page in (run, compare):  # every & in the page starts an entity
        assert not re.search(r"&(?!(?:[a-z]+|#\d+|#x[0-9a-f]+);)", page, re.I)


_RENDER = """
import pickle, sys
from placement_opt.reports.html.run_page import render_html_report
result, inst = pickle.loads(open(sys.argv[1], "rb").read())
sys.stdout.buffer.write(render_html_report(result, inst).encode("utf-8"))
"""


def test_pages_are_byte_identical_across_processes(tmp_path: Path) -> None:
    """The same result and instance give the same bytes, whatever the hash seed of the process."""
    inst = _nasty_instance()
    result = solve(inst)
    (tmp_path / "run.pkl").write_bytes(pickle.dumps((result, inst)))
    pages = [subprocess.run([sys.executable, "-c", _RENDER, str(tmp_path / "run.pkl")], check=True,
                            capture_output=True, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
             for seed in ("1", "2")]
    assert pages[0] == pages[1] == render_html_report(result, inst).encode("utf-8")


def test_pages_and_templates_use_nothing_from_outside(pages: dict[str, str]) -> None:
    for page in pages.values():
        assert not OUTSIDE.search(page), OUTSIDE.search(page)
    for template in TEMPLATES.iterdir():
        assert not OUTSIDE.search(template.read_text(encoding="utf-8")), template.name


def test_a_missing_value_is_an_error_not_a_blank() -> None:
    context = {"names": ("a",), "colors": ["#000000"], "runs": [], "kpis": [], "figures": [],
               "diff": {"rows": []}, "high_needs": {"rows": [], "accounts": False}}
    assert "Written by placement_opt 9.9." in render("compare.html.j2", version="9.9", **context)
    with pytest.raises(UndefinedError, match="version"):
        render("compare.html.j2", **context)


def test_every_template_is_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["placement_opt.reports.html"]
    files = sorted(p.relative_to(TEMPLATES.parent).as_posix() for p in TEMPLATES.iterdir())
    assert files and all(any(fnmatch(f, pat) for pat in patterns) for f in files)
    deps = config["project"]["dependencies"]
    assert any(d.startswith("jinja2") for d in deps) and any(d.startswith("markupsafe") for d in deps)


def test_numbers_money_shares_and_minutes() -> None:
    assert (fmt_number(1234.0), fmt_number(12.04), fmt_number(12.25)) == ("1,234", "12", "12.2")
    assert (fmt_gbp(-1234.4), fmt_gbp(0.4), fmt_gbp(2e6)) == ("−£1,234", "£0", "£2,000,000")
    assert (fmt_gbp_short(1.25e6), fmt_gbp_short(2e8), fmt_gbp_short(-350e3)) == ("£1.2m", "£200m", "−£350k")
    assert (fmt_share(0.1234), fmt_share(0.5, 0), fmt_minutes(7.25, unit=True)) == ("12.3%", "50%", "7.2 min")
    assert [fmt_unit(v, u) for v, u in ((1500, "GBP"), (0.25, "share"), (3.0, "min"), (2.5, "pupils"))] \
        == ["£1,500", "25.0%", "3.0", "2.5"]
    signed = (fmt_signed(-1500, "GBP"), fmt_signed(2, "pupils"), fmt_signed(1e-12, "GBP"))
    assert signed == ("−£1,500", "+2", "0")
    for fmt in (fmt_number, fmt_gbp, fmt_share, fmt_minutes):
        assert fmt(math.nan) == DASH and fmt(math.inf) == DASH
    assert fmt_unit(math.nan, "GBP") == DASH
