"""A local browser app for scenario runs (``placement-opt app``): levers, background runs with
progress and cancel, KPIs, a map, the plan, comparisons and downloads. See ``README.md`` here."""

from placement_opt.app.server import create_app

__all__ = ["create_app"]
