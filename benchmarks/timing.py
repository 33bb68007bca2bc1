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
