"""Lint speed: a generated estate of 200 specs x 10 channels, and a one-file hook run.

python benchmarks/lint_bench.py [N]   (prints figures; targets: 200 specs <= 0.5 s, one file <= 0.15 s)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_estate import generate  # noqa: E402
from timing import wall  # noqa: E402


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / ".git").mkdir()
        paths = generate(root / "estate", count)
        size = sum(p.stat().st_size for p in paths)
        whole, out = wall([sys.executable, "-m", "specmesh_docs", "lint", str(root / "estate")], 5)
        print(f"lint {count} specs x 10 channels ({size / 1e6:.2f} MB): {whole:.3f} s wall (median of 5), exit {out.returncode}")
        one, out = wall([sys.executable, "-m", "specmesh_docs", "lint", str(paths[0])], 10)
        print(f"lint one file, process start to exit: {one:.3f} s wall (median of 10), exit {out.returncode}")
        start = time.perf_counter()
        from specmesh_docs.lint.runner import lint
        result = lint([str(root / "estate")])
        print(f"in-process lint of {count} specs: {time.perf_counter() - start:.3f} s, {len(result.findings)} findings")


if __name__ == "__main__":
    main()
