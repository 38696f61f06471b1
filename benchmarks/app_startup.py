"""How long ``placement-opt app`` takes to start: from launching the command to the page
answering (HTTP 200 on ``/``), each time in a fresh process; the median of ``--repeats``.

```bash
.venv/bin/python benchmarks/app_startup.py --repeats 7   # prints each and the median, and
                                                        # writes results/app_startup.json
```

The target (issue 18) is under 5 s.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from machine import machine  # noqa: E402

ROOT = BENCH.parent
TARGET_SECONDS = 5.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def start_once(instance: str, timeout: float = 60.0) -> float:
    """Seconds from launching the app to its page answering."""
    port = _free_port()
    with tempfile.TemporaryDirectory() as runs:
        command = [sys.executable, "-c", "from placement_opt.cli import main; main()", "app",
                   instance, "--port", str(port), "--runs-dir", runs]
        began = time.perf_counter()
        proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        try:
            while True:
                if proc.poll() is not None:
                    said = proc.stderr.read().decode() if proc.stderr else ""
                    raise RuntimeError(f"the app exited: {said}")
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as r:
                        if r.status == 200:
                            return time.perf_counter() - began
                except (urllib.error.URLError, ConnectionError):
                    pass
                if time.perf_counter() - began > timeout:
                    raise RuntimeError(f"no answer after {timeout} s")
                time.sleep(0.02)
        finally:
            proc.terminate()
            proc.wait(10)


def main() -> None:
    """Measure and report."""
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--instance", default="kent")
    p.add_argument("--out", type=Path, default=BENCH / "results" / "app_startup.json")
    args = p.parse_args()
    times = []
    for i in range(args.repeats):
        seconds = start_once(args.instance)
        times.append(seconds)
        print(f"start {i + 1}: {seconds:.2f} s", flush=True)
    median = statistics.median(times)
    verdict = "within" if median < TARGET_SECONDS else "OVER"
    print(f"median {median:.2f} s over {len(times)} starts ({verdict} the {TARGET_SECONDS:g} s target)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"instance": args.instance, "seconds": [round(t, 3) for t in times],
                                    "median_s": round(median, 3), "target_s": TARGET_SECONDS,
                                    "machine": machine()}, indent=2) + "\n")


if __name__ == "__main__":
    main()
