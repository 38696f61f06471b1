"""The app's map: every Kent district outline, flows only between districts (the largest
first, at most MAX_FLOWS), names escaped, and the shipped outlines small."""

from __future__ import annotations

from importlib.resources import files

from placement_opt.app.map import MAX_FLOWS, District, Flow, Site, boundaries, map_svg


def test_outlines_ship_small_with_twelve_districts() -> None:
    geo = files("placement_opt.app") / "geo" / "kent_districts.geojson"
    assert len(geo.read_bytes()) < 300_000
    assert len(boundaries()) == 12 and "Folkestone and Hythe" in boundaries()


def test_map_shades_flows_and_escapes() -> None:
    districts = [District("Canterbury", 100, 60, 51.28, 1.08), District("Thanet", 50, 80, 51.35, 1.34)]
    sites = [Site("A&B", "<School>", "special", "Canterbury", 51.27, 1.08, 40, 60),
             Site("T1", "Thanet school", "srp", "Thanet", 51.35, 1.38, 10, 10)]
    flows = [Flow("Canterbury", "A&B", 30), Flow("Canterbury", "T1", 8), Flow("Thanet", "T1", 2)]
    svg = map_svg(districts, sites, flows, 2026)
    assert svg.count('class="district"') == 12
    assert svg.count('class="flow"') == 1  # Canterbury -> T1; the flows within a district are not drawn
    assert "&lt;School&gt;" in svg and "<School>" not in svg and 'data-provision="A&amp;B"' in svg
    assert 'fill="#ee8a6a"' in svg  # Canterbury: 60 places for 100 pupils, under 75%


def test_at_most_max_flows() -> None:
    districts = [District("Canterbury", 100, 60, 51.28, 1.08)]
    sites = [Site(f"S{i}", f"S{i}", "special", "Thanet", 51.35, 1.38, 1, 1) for i in range(MAX_FLOWS + 5)]
    flows = [Flow("Canterbury", f"S{i}", 1 + i) for i in range(MAX_FLOWS + 5)]
    svg = map_svg(districts, sites, flows, 2026)
    assert svg.count('class="flow"') == MAX_FLOWS
    assert "→ S0:" not in svg and f"→ S{MAX_FLOWS + 4}:" in svg  # the smallest left out


def test_every_app_file_is_package_data() -> None:
    import tomllib
    from fnmatch import fnmatch
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    app = root / "placement_opt" / "app"
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["placement_opt.app"]
    data = sorted(p.relative_to(app).as_posix() for p in app.rglob("*")
                  if p.is_file() and p.suffix not in {".py", ".pyc"})
    assert "geo/kent_districts.geojson" in data and "static/app.js" in data
    unshipped = [f for f in data if not any(fnmatch(f, pat) for pat in patterns)]
    assert not unshipped, unshipped
    deps = " ".join(config["project"]["dependencies"])
    assert "starlette" in deps and "uvicorn" in deps
