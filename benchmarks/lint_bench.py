"""Lint speed: a generated estate of 200 specs x 10 channels, and a one-file hook run.

python benchmarks/lint_bench.py [N]   (prints figures; targets: 200 specs <= 0.5 s, one file <= 0.15 s)
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_estate import generate  # noqa: E402


def wall(cmd: list[str], runs: int) -> tuple[float, int]:
    times, rc = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        rc = subprocess.run(cmd, capture_output=True).returncode
        times.append(time.perf_counter() - start)
    return statistics.median(times), rc


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / ".git").mkdir()
        paths = generate(root / "estate", count)
        size = sum(p.stat().st_size for p in paths)
        whole, rc = wall([sys.executable, "-m", "specmesh_docs", "lint", str(root / "estate")], 5)
        print(f"lint {count} specs x 10 channels ({size / 1e6:.2f} MB): {whole:.3f} s wall (median of 5), exit {rc}")
        one, rc = wall([sys.executable, "-m", "specmesh_docs", "lint", str(paths[0])], 10)
        print(f"lint one file, process start to exit: {one:.3f} s wall (median of 10), exit {rc}")
        start = time.perf_counter()
        from specmesh_docs.lint.runner import lint
        result = lint([str(root / "estate")])
        print(f"in-process lint of {count} specs: {time.perf_counter() - start:.3f} s, {len(result.findings)} findings")


if __name__ == "__main__":
    main()
