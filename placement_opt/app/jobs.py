"""The runs of an app session: each a process of its own (``multiprocessing``, spawned), so a
solve never blocks the page and a cancel is the process terminated. A run's state lives in its
folder under the runs folder (``levers.json`` and the worker's files), so runs of an earlier
session are listed again when the app starts."""

from __future__ import annotations

import json
import multiprocessing
import re
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from placement_opt.app.levers import Levers, lever_notes
from placement_opt.app.worker import ERROR_FILE, PROGRESS_FILE, RUN_DIR, STEPS, VIEW_FILE, run_job
from placement_opt.io.atomic import write_text_atomic

__all__ = ["BusyError", "Job", "Jobs"]

LEVERS_FILE = "levers.json"
CANCELLED_FILE = "cancelled"


class BusyError(RuntimeError):
    """As many runs are going as the app allows at once."""


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


@dataclass
class Job:
    """One run: its id, levers and state folder, and its process while it runs."""

    id: str
    levers: Levers
    folder: Path
    started: float
    process: BaseProcess | None = None
    ended: float | None = None
    _view: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def run_folder(self) -> Path:
        """The run folder ``write_run`` wrote (workbook, report, manifest)."""
        return self.folder / RUN_DIR

    def status(self) -> str:
        """running, done, failed or cancelled."""
        if (self.folder / CANCELLED_FILE).exists():
            return "cancelled"
        if self.process is not None and self.process.is_alive():
            return "running"
        view = self.folder / VIEW_FILE
        if self.ended is None:  # when the worker wrote its outcome, else now
            outcome = [f for f in (view, self.folder / ERROR_FILE) if f.exists()]
            self.ended = max((f.stat().st_mtime for f in outcome), default=time.time())
        return "done" if view.exists() else "failed"

    def view(self) -> dict[str, Any] | None:
        """The finished run's view (read once)."""
        if self._view is None and self.status() == "done":
            self._view = _read(self.folder / VIEW_FILE)
        return self._view

    def summary(self) -> dict[str, Any]:
        """What the run list shows: status, progress, the levers in words, the outcome."""
        status = self.status()
        out: dict[str, Any] = {"id": self.id, "name": self.levers.name,
                               "instance": self.levers.instance, "status": status,
                               "levers": lever_notes(self.levers), "started": self.started,
                               "elapsed": round((self.ended or time.time()) - self.started, 1)}
        if status == "running":
            progress = _read(self.folder / PROGRESS_FILE) or {"step": 0, "steps": len(STEPS),
                                                             "label": "Starting"}
            out["progress"] = progress
        elif status == "failed":
            error = _read(self.folder / ERROR_FILE)
            code = self.process.exitcode if self.process is not None else None
            out["error"] = (error or {}).get("message") or (
                "The run did not finish (the app stopped before it did)." if code is None
                else f"The run stopped unexpectedly (exit code {code}).")
        elif status == "done":
            view = self.view() or {}
            out["result"] = {"status": view.get("status"), "solved": view.get("solved"),
                             "objective": view.get("objective")}
            out["downloads"] = {"workbook": (self.run_folder / "result.xlsx").is_file(),
                                "report": (self.run_folder / "report.html").is_file()}
        return out


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")[:40] or "run"


class Jobs:
    """Starts, lists and cancels runs; ``max_running`` at once."""

    def __init__(self, root: Path, max_running: int = 2) -> None:
        self.root = root
        self.max_running = max_running
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._context = multiprocessing.get_context("spawn")
        self._load()

    def _load(self) -> None:
        """Runs left by an earlier session: finished ones come back, unfinished ones as failed."""
        if not self.root.is_dir():
            return
        for folder in sorted(p for p in self.root.iterdir() if p.is_dir()):
            raw = _read(folder / LEVERS_FILE)
            if raw is None:
                continue
            try:
                levers = Levers.model_validate(raw["levers"])
            except (KeyError, ValueError):
                continue
            self._jobs[folder.name] = Job(folder.name, levers, folder, float(raw.get("started", 0)))

    def start(self, levers: Levers) -> Job:
        """Start a run of ``levers`` in a new process (:class:`BusyError` when too many run)."""
        with self._lock:
            running = sum(j.status() == "running" for j in self._jobs.values())
            if running >= self.max_running:
                raise BusyError(f"{running} runs are going already: wait for one to finish or "
                                "cancel it.")
            number = 1 + max((int(k.split("-", 1)[0]) for k in self._jobs
                              if k.split("-", 1)[0].isdigit()), default=0)
            run_id = f"{number:03d}-{_slug(levers.name)}"
            folder = self.root / run_id
            folder.mkdir(parents=True)
            started = time.time()
            write_text_atomic(folder / LEVERS_FILE, json.dumps(
                {"levers": levers.model_dump(mode="json"), "started": started}) + "\n")
            process = self._context.Process(target=run_job, daemon=True, name=f"run {run_id}",
                                            args=(levers.model_dump(mode="json"), str(folder)))
            process.start()
            job = Job(run_id, levers, folder, started, process)
            self._jobs[run_id] = job
            return job

    def get(self, run_id: str) -> Job | None:
        """The run of that id, or None."""
        return self._jobs.get(run_id)

    def all(self) -> list[Job]:
        """Every run, newest first."""
        return sorted(self._jobs.values(), key=lambda j: j.id, reverse=True)

    def cancel(self, run_id: str) -> bool:
        """Terminate a running run; False when it was not running."""
        job = self._jobs.get(run_id)
        if job is None or job.status() != "running" or job.process is None:
            return False
        (job.folder / CANCELLED_FILE).touch()
        job.process.terminate()
        job.process.join(5)
        job.ended = time.time()
        return True

    def shutdown(self) -> None:
        """Terminate every run still going (when the app stops)."""
        for job in self._jobs.values():
            if job.process is not None and job.process.is_alive():
                (job.folder / CANCELLED_FILE).touch()
                job.process.terminate()
                job.process.join(5)
