"""The app's HTTP side (Starlette): the page, its static files, and a small JSON API that
starts, lists, cancels and compares runs and serves their workbook and report.

Every handler returns at once: a solve runs in a process of its own (:mod:`.jobs`), instance
facts are read in Starlette's thread pool (sync handlers) and cached.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from placement_opt._version import __version__
from placement_opt.app.compare import compare_runs
from placement_opt.app.jobs import BusyError, Jobs
from placement_opt.app.levers import Levers, instance_facts, to_scenario
from placement_opt.app.map import MAX_FLOWS, kind_legend, legend
from placement_opt.errors import PlacementOptError

__all__ = ["create_app"]


def _error(status: int, message: str, details: list[str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "details": details or []}, status_code=status)


#: The form's names of the levers, for messages.
_NAMES = {"name": "Name of this run", "growth_by_need": "Demand growth",
          "cost_factor_by_kind": "Change in cost per place", "transport_cost_per_km": "Transport",
          "min_local_share": "Share placed in its own district",
          "max_independent_share": "Independent placements cap",
          "revenue_factor": "Revenue budget", "capital_total": "Capital", "close": "Close site",
          "add_places": "Add places", "new_sites": "New site", "time_limit": "Time limit"}
_TOO_SHORT = "choose at least one"


def _pydantic_details(exc: ValidationError) -> list[str]:
    """Each problem as ``where: what``, in the form's words (``New site 1, phases: ...``)."""
    out = []
    for e in exc.errors():
        loc = list(e["loc"])
        where = _NAMES.get(str(loc[0]), str(loc[0])) if loc else "levers"
        if len(loc) > 1 and isinstance(loc[1], int):
            where += f" {loc[1] + 1}"
        where += "".join(f", {p}" for p in loc[2:] if not isinstance(p, int))
        out.append(f"{where}: {_TOO_SHORT if e['type'] == 'too_short' else e['msg']}")
    return out


def create_app(runs_dir: Path, instances: list[str], default: str,
               max_running: int = 2) -> Starlette:
    """The app: ``instances`` are the names or paths offered (``default`` first chosen); runs
    are written under ``runs_dir``."""
    jobs = Jobs(runs_dir, max_running)
    env = Environment(loader=PackageLoader("placement_opt.app", "templates"),
                      autoescape=select_autoescape(["html", "j2"]))

    @lru_cache(maxsize=8)
    def facts(name: str) -> dict[str, Any]:
        from placement_opt.instance import Instance
        from placement_opt.io.bundled import resolve_instance_path

        return instance_facts(Instance.from_path(resolve_instance_path(name)))

    def page(request: Request) -> HTMLResponse:
        html = env.get_template("index.html.j2").render(
            instances=instances, default=default, version=__version__, legend=legend(),
            kinds=kind_legend(), max_flows=MAX_FLOWS)
        return HTMLResponse(html)

    def instance(request: Request) -> Response:
        name = request.query_params.get("name", default)
        if name not in instances:
            return _error(404, f"{name!r} is not one of this app's instances")
        try:
            return JSONResponse(facts(name))
        except PlacementOptError as exc:
            return _error(422, f"cannot read the instance {name}",
                          [str(i) for i in getattr(exc, "issues", [])] or [str(exc)])

    async def start(request: Request) -> Response:
        try:
            body = await request.json()
            levers = Levers.model_validate(body)
        except ValidationError as exc:
            return _error(400, "Some levers are not valid", _pydantic_details(exc))
        except ValueError:
            return _error(400, "The request is not JSON")
        if levers.instance not in instances:
            return _error(400, f"{levers.instance!r} is not one of this app's instances")
        try:
            to_scenario(levers)  # the scenario schema's own checks, before a process starts
            job = jobs.start(levers)
        except BusyError as exc:
            return _error(429, str(exc))
        except PlacementOptError as exc:
            return _error(400, "The levers do not make a valid scenario",
                          [str(i) for i in getattr(exc, "issues", [])] or [str(exc)])
        return JSONResponse(job.summary(), status_code=201)

    def runs(request: Request) -> JSONResponse:
        return JSONResponse([j.summary() for j in jobs.all()])

    def run(request: Request) -> Response:
        job = jobs.get(request.path_params["run_id"])
        if job is None:
            return _error(404, "no such run")
        return JSONResponse({**job.summary(), "view": job.view()})

    def cancel(request: Request) -> Response:
        run_id = request.path_params["run_id"]
        if jobs.get(run_id) is None:
            return _error(404, "no such run")
        if not jobs.cancel(run_id):
            return _error(409, "the run is not running")
        return JSONResponse(jobs.get(run_id).summary())  # type: ignore[union-attr]

    def download(request: Request) -> Response:
        job = jobs.get(request.path_params["run_id"])
        what = request.path_params["what"]
        files = {"workbook": ("result.xlsx", f"{job.id if job else ''}-result.xlsx"),
                 "report": ("report.html", f"{job.id if job else ''}-report.html")}
        if job is None or what not in files:
            return _error(404, "no such run or file")
        name, shown = files[what]
        path = job.run_folder / name
        if job.status() != "done" or not path.is_file():
            return _error(404, "the run has no such file (not finished, or no plan)")
        inline = what == "report" and request.query_params.get("download") != "1"
        return FileResponse(path, filename=shown,
                            content_disposition_type="inline" if inline else "attachment")

    def compare(request: Request) -> Response:
        ids = [request.query_params.get("a", ""), request.query_params.get("b", "")]
        chosen = [jobs.get(i) for i in ids]
        if any(j is None for j in chosen):
            return _error(404, "choose two runs to compare")
        views = [j.view() for j in chosen if j is not None]
        if any(v is None for v in views):
            return _error(409, "both runs must be finished")
        a, b = (j for j in chosen if j is not None)
        return JSONResponse(compare_runs(a.summary(), views[0] or {}, b.summary(), views[1] or {}))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        jobs.shutdown()

    routes = [
        Route("/", page),
        Route("/api/instance", instance),
        Route("/api/runs", runs, methods=["GET"]),
        Route("/api/runs", start, methods=["POST"]),
        Route("/api/runs/{run_id}", run),
        Route("/api/runs/{run_id}/cancel", cancel, methods=["POST"]),
        Route("/api/runs/{run_id}/{what}", download),
        Route("/api/compare", compare),
        Mount("/static", StaticFiles(packages=[("placement_opt.app", "static")]), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.jobs = jobs
    return app
