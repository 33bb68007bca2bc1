"""Portal build speed on a generated estate: N specs x 10 channels (about 10 N topic pages).

python benchmarks/portal_bench.py [N ...]   (targets: 200 specs <= 30 s; 1,000 specs <= 5.5 x the 200 time)
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from gen_estate import generate  # noqa: E402


def main() -> None:
    counts = [int(a) for a in sys.argv[1:]] or [200, 1000]
    times = {}
    for count in counts:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            (root / ".git").mkdir()
            generate(root / "estate", count)
            out = root / "site"
            start = time.perf_counter()
            run = subprocess.run([sys.executable, "-m", "specmesh_docs", "portal", "build", str(root / "estate"),
                                  "--out", str(out)], capture_output=True, text=True, cwd=HERE.parent)
            took = time.perf_counter() - start
            if run.returncode != 0:
                sys.exit(run.stderr[-3000:])
            pages = sum(1 for _ in out.rglob("index.html"))
            size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
            times[count] = took
            print(f"portal for {count} specs x 10 channels: {took:.1f} s wall, {pages} pages, {size / 1e6:.0f} MB")
    if 200 in times and 1000 in times:
        print(f"1,000 specs / 200 specs: {times[1000] / times[200]:.2f} x (target <= 5.5)")


if __name__ == "__main__":
    main()
