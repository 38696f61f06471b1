"""``placement-opt app``: the local browser app for scenario runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from placement_opt.cli.common import RUNS, SCENARIOS, app, console, err_console
from placement_opt.io.bundled import DEFAULT_INSTANCE

__all__ = ["app_command"]


@app.command("app", rich_help_panel=SCENARIOS)
def app_command(
    instance: Annotated[str, typer.Argument(help="Instance chosen first: a bundled name or a "
                                                 "path (CSV folder, .xlsx, .json).")] = DEFAULT_INSTANCE,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port on 127.0.0.1.")] = 8765,
    runs_dir: Annotated[Path, typer.Option(help="Where the app's run folders go.")] = RUNS / "app",
    max_running: Annotated[int, typer.Option(min=1, help="Runs solving at once.")] = 2,
) -> None:
    """Start the scenario app in your browser (local only: http://127.0.0.1:PORT). Stop it with
    Ctrl+C."""
    import uvicorn

    from placement_opt.app import create_app
    from placement_opt.io.bundled import bundled_names, find_instance

    found = find_instance(instance)
    if not found.path.exists():
        err_console.print(f"[red]{instance}: no such file or folder, and no bundled instance of "
                          f"that name[/] (bundled: {', '.join(bundled_names())})")
        raise typer.Exit(2)
    chosen = instance if found.bundled else str(found.path.resolve())
    names = bundled_names()
    instances = names if chosen in names else [chosen, *names]
    web = create_app(runs_dir.resolve(), instances, chosen, max_running)
    console.print(f"placement-opt app: open [bold]http://127.0.0.1:{port}/[/] in your browser "
                  f"(runs in {runs_dir}); Ctrl+C stops it.")
    uvicorn.run(web, host="127.0.0.1", port=port, log_level="warning")
