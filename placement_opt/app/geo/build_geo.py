"""Build ``kent_districts.geojson`` (the app's map outlines) from the data pack's district
boundaries: the 12 Kent districts (Medway, a unitary authority, left out), coordinates rounded
to 3 decimals (about 100 m, the source's own simplification) and repeated points dropped.

Run from the repository root: ``python placement_opt/app/geo/build_geo.py [RAW_GEOJSON]``
(default ``../shared/data/kent/raw/kent_medway_districts_2011_boundaries.geojson``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

SOURCE = Path("../shared/data/kent/raw/kent_medway_districts_2011_boundaries.geojson")
TARGET = Path(__file__).with_name("kent_districts.geojson")
DIGITS = 3
LEFT_OUT = {"Medway"}


def _ring(ring: list[list[float]]) -> list[list[float]]:
    """A ring rounded, without consecutive repeats; closed (first point == last)."""
    out: list[list[float]] = []
    for lon, lat in ring:
        point = [round(lon, DIGITS), round(lat, DIGITS)]
        if not out or point != out[-1]:
            out.append(point)
    if out[0] != out[-1]:
        out.append(out[0])
    return out


def _polygons(geometry: dict[str, Any]) -> list[list[list[list[float]]]]:
    """Every polygon of a Polygon or MultiPolygon, rings simplified, slivers (< 4 points) out."""
    polys = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    out: list[list[list[list[float]]]] = []
    for poly in polys:
        rings = [r for r in (_ring(ring) for ring in poly) if len(r) >= 4]
        if rings:
            out.append(rings)
    return out


def build(source: Path) -> dict[str, Any]:
    """The simplified FeatureCollection: one MultiPolygon per Kent district, property ``district``."""
    raw = json.loads(source.read_text(encoding="utf-8"))
    features: list[dict[str, Any]] = []
    for f in raw["features"]:
        name = f["properties"]["district"]
        if name not in LEFT_OUT:
            geometry = {"type": "MultiPolygon", "coordinates": _polygons(f["geometry"])}
            features.append({"type": "Feature", "properties": {"district": name},
                             "geometry": geometry})
    features.sort(key=lambda f: f["properties"]["district"])
    return {"type": "FeatureCollection", "features": features}


def main(argv: list[str]) -> None:
    """Write :data:`TARGET` from the source given (or :data:`SOURCE`)."""
    source = Path(argv[0]) if argv else SOURCE
    collection = build(source)
    TARGET.write_text(json.dumps(collection, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{TARGET}: {len(collection['features'])} districts, {TARGET.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(sys.argv[1:])
