"""Catalogue export speed on the generated estate (N specs x 10 channels), each format.

python benchmarks/catalog_bench.py [N]   (target for 200: <= 3 s wall per format)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from gen_estate import generate  # noqa: E402
from timing import wall  # noqa: E402


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / ".git").mkdir()
        generate(root / "estate", count)
        for fmt in ("backstage", "datahub", "json"):
            out = root / f"out-{fmt}"
            took, run = wall([sys.executable, "-m", "specmesh_docs", "catalog", "export", str(root / "estate"),
                              "--format", fmt, "--out", str(out)], 3, HERE.parent)
            if run.returncode != 0:
                sys.exit(run.stderr[-2000:])
            size = sum(p.stat().st_size for p in out.iterdir())
            print(f"catalog export --format {fmt} of {count} specs: {took:.2f} s wall (median of 3), {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
