"""Adoption speed on the wild corpus (165 public AsyncAPI documents beside the clone).

python benchmarks/wild_bench.py [CORPUS_DIR]   (targets: lint all <= 2 s, portal of all <= 10 s)
The corpus is third-party data read in place: ../shared/conformance/wild, or $SPECMESH_CONFORMANCE/../wild.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import wall  # noqa: E402


def corpus() -> Path:
    if len(sys.argv) > 1:
        return Path(sys.argv[1])
    configured = os.environ.get("SPECMESH_CONFORMANCE")
    base = Path(configured).parent if configured else Path(__file__).resolve().parents[2] / "shared" / "conformance"
    return base / "wild"


def main() -> None:
    wild = corpus()
    if not (wild / "RESULTS.tsv").is_file():
        sys.exit(f"wild corpus not found at {wild}")
    files = sum(1 for _ in open(wild / "RESULTS.tsv", encoding="utf-8")) - 1
    cli = [sys.executable, "-m", "specmesh_docs"]
    took, out = wall([*cli, "lint", str(wild), "--root", str(wild), "--format", "json:" + os.devnull], 5)
    print(f"lint the wild corpus ({files} documents), process start to exit: {took:.2f} s wall (median of 5), "
          f"exit {out.returncode}")
    with tempfile.TemporaryDirectory() as tmp:
        took, out = wall([*cli, "portal", "build", str(wild), "--out", str(Path(tmp) / "site")], 3)
        pages = sum(1 for _ in (Path(tmp) / "site").rglob("*.html"))
    print(f"portal of the wild corpus: {took:.2f} s wall (median of 3), exit {out.returncode}, {pages} pages")


if __name__ == "__main__":
    main()
