"""The app in a real browser: headless Chromium (Debian's ``chromium``) driven by Playwright,
against the app served by uvicorn on a free localhost port. Load the page, run the demo, change
a lever and run again, see the result change, compare the two, download the workbook and the
report; cancel a run; and nothing is fetched from anywhere but the app.

Skipped, with the reason, only where there is no browser (``.ci/run`` installs one)."""

from __future__ import annotations

import io
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from placement_opt.app import create_app

CHROMIUM = os.environ.get("PLACEMENT_OPT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(os.environ.get("PLACEMENT_OPT_SHOTS", "")) if os.environ.get("PLACEMENT_OPT_SHOTS") else None


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    """The app on 127.0.0.1:<free port> in a background thread: (base URL, app)."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(tmp_path_factory.mktemp("app") / "runs", ["demo", "kent"], "demo")
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    end = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < end and thread.is_alive(), "the app did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", app
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium (the system's; Playwright downloads none)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium browser at {CHROMIUM}: install Debian's chromium "
                    "(apt-get install chromium; .ci/run does)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, server: tuple[str, Any]) -> Iterator[Any]:
    """A fresh page on the app, recording every URL it asks for."""
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(90_000)
    pg.requested = []
    pg.on("request", lambda r: pg.requested.append(r.url))
    pg.goto(server[0] + "/")
    pg.wait_for_selector("#growth-ASD")
    yield pg
    context.close()


def run_now(page: Any, name: str) -> str:
    """Name the run, press Run and wait until its result is on the page; its id."""
    page.fill("#run-name", name)
    with page.expect_response(lambda r: r.url.endswith("/api/runs") and r.request.method == "POST") as rsp:
        page.click("#run-button")
    run_id: str = rsp.value.json()["id"]
    page.wait_for_selector(f'#run-view[data-run="{run_id}"]')
    return run_id


def kpi(page: Any, key: str) -> str:
    text: str = page.inner_text(f'#kpis .kpi[data-key="{key}"] .value')
    return text


def test_run_change_compare_and_download(page: Any, server: tuple[str, Any]) -> None:
    base_url = server[0]
    first = run_now(page, "base")
    assert page.locator("#map svg path.district").count() == 12
    assert page.locator("#map svg line.flow").count() > 0
    assert page.locator("#supply svg").count() == 2  # first and last year
    cost, placed = kpi(page, "objective"), kpi(page, "placed_whole")
    assert cost.startswith("£")

    page.fill("#growth-ASD", "20")  # ASD demand 20% a year on top of the projection
    second = run_now(page, "asd-plus-20")
    assert kpi(page, "objective") != cost
    assert int(kpi(page, "placed_whole").replace(",", "")) > int(placed.replace(",", ""))
    assert "ASD demand +20.0% a year" in page.inner_text("#view-levers")
    page.select_option("#map-year", "2027")
    assert page.locator("#map svg path.district").count() == 12

    page.select_option("#compare-a", first)
    page.select_option("#compare-b", second)
    page.click("#compare-button")
    row = page.locator("#compare-table tr", has_text="Total cost (objective)")
    assert row.locator("td.worse").inner_text().startswith("+£")
    assert "ASD demand +20.0% a year" in page.inner_text("#compare-table")
    if SHOTS:
        page.screenshot(path=str(SHOTS / "app-compare.png"), full_page=True)

    with page.expect_download() as got:
        page.click("#download-workbook")
    book = got.value
    assert book.suggested_filename.endswith(".xlsx")
    data = Path(book.path()).read_bytes()
    assert data[:2] == b"PK"  # a zip, as an xlsx is
    assert "allocations" in openpyxl.load_workbook(io.BytesIO(data), read_only=True).sheetnames
    with page.expect_download() as got:
        page.click("#download-report")
    report = got.value
    assert report.suggested_filename.endswith(".html")
    assert Path(report.path()).read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")

    outside = [u for u in page.requested if not u.startswith(base_url)]
    assert not outside, f"the page asked for outside resources: {outside}"


def test_cancel_a_run(page: Any, server: tuple[str, Any]) -> None:
    page.select_option("#instance", "kent")  # a solve long enough to cancel
    page.wait_for_function("document.getElementById('instance-description').textContent"
                           ".includes('Kent')")
    page.fill("#run-name", "to-cancel")
    with page.expect_response(lambda r: r.url.endswith("/api/runs") and r.request.method == "POST") as rsp:
        page.click("#run-button")
    run_id = rsp.value.json()["id"]
    row = f'tr[data-run="{run_id}"]'
    page.wait_for_selector(f'{row}[data-status="running"] progress')
    page.click(f"{row} button.cancel")
    page.wait_for_selector(f'{row}[data-status="cancelled"]')
    job = server[1].state.jobs.get(run_id)
    assert job.process is not None and not job.process.is_alive()
