"""What every benchmark measures: a command's wall time, process start to exit, median of N runs."""

from __future__ import annotations

import statistics
import subprocess
import time
from pathlib import Path


def wall(cmd: list[str], runs: int, cwd: Path | None = None) -> tuple[float, subprocess.CompletedProcess]:
    """(median seconds, the last run's result: its exit code and output)."""
    times, out = [], None
    for _ in range(runs):
        start = time.perf_counter()
        out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def specmesh(*args: str, cwd: Path) -> tuple[float, subprocess.CompletedProcess]:
    """One timed `specmesh` run that must succeed (a benchmark of a failure measures nothing)."""
    import sys

    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "specmesh_docs", *args], capture_output=True, text=True, cwd=cwd)
    took = time.perf_counter() - start
    if out.returncode != 0:
        sys.exit(f"specmesh {args[0]} failed ({out.returncode}):\n{out.stderr[-2000:]}\n{out.stdout[-3000:]}")
    return took, out
