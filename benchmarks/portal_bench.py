"""Portal build speed on a generated estate in a git repository with 20 commits (so every product
page gets its history): N specs x 10 channels (about 10 N topic pages).

python benchmarks/portal_bench.py [--no-history] [N ...]
    (targets: 200 specs <= 15 s with history, <= 7 s without; one spec's description changed and
    rebuilt with the page cache <= 3 s; 1,000 specs <= 5 x the 200 time)
Prints wall time (cold: an empty page cache), pages, site size, the largest page, the search
index, the build's peak memory (max RSS), and the rebuild after one change.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from gen_estate import generate  # noqa: E402

COMMITS = 20


def git(cwd: Path, *args: str) -> None:
    env = {"GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@acme.example", "GIT_COMMITTER_NAME": "b",
           "GIT_COMMITTER_EMAIL": "b@acme.example", "PATH": "/usr/bin:/bin"}
    subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=True, env=env)


def estate_with_history(root: Path, count: int, history: bool = True) -> Path:
    """The estate, then 19 more commits, each changing a few specs (a partition count, a version);
    without `history`, the estate alone in a plain folder."""
    root.mkdir(parents=True)
    if not history:
        generate(root / "estate", count)
        return root / "estate"
    git(root, "init", "-q", "-b", "main")
    paths = generate(root / "estate", count)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "estate")
    for n in range(1, COMMITS):
        for path in paths[n % len(paths)::max(1, len(paths) // 5)][:5]:
            text = path.read_text()
            path.write_text(text.replace("partitions: 1\n", f"partitions: {1 + n}\n", 1)
                            .replace("version: '1.0.", f"version: '1.{n}.", 1))
        git(root, "commit", "-qam", f"change {n}")
    return root / "estate"


def build(source: Path, out: Path, cache: Path) -> float:
    start = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "specmesh_docs", "portal", "build", str(source), "--out", str(out),
                          "--cache", str(cache)], capture_output=True, text=True, cwd=HERE.parent)
    if run.returncode != 0:
        sys.exit(run.stderr[-3000:])
    return time.perf_counter() - start


def change_one_description(source: Path, history: bool) -> None:
    spec = sorted(source.rglob("*-api.yaml"))[len(list(source.rglob("*-api.yaml"))) // 2]
    spec.write_text(spec.read_text().replace("  description: Generated", "  description: Changed, generated", 1))
    if history:
        git(source.parent, "commit", "-qam", "one description")


def main() -> None:
    history = "--no-history" not in sys.argv
    counts = [int(a) for a in sys.argv[1:] if a != "--no-history"] or [200, 1000]
    times = {}
    for count in counts:
        runs = 3 if count <= 500 else 1  # the median of three where a run is short: this machine's noise is +-10 %
        with tempfile.TemporaryDirectory() as tmp:
            source = estate_with_history(Path(tmp) / "repo", count, history)
            walls = []
            for n in range(runs):
                out = Path(tmp) / f"site{n}"
                walls.append(build(source, out, Path(tmp) / f"cache{n}"))  # cold: an empty cache each time
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
            pages = sum(1 for _ in out.rglob("index.html"))
            sizes = [p.stat().st_size for p in out.rglob("*") if p.is_file()]
            largest = max(out.rglob("index.html"), key=lambda p: p.stat().st_size)
            index = out / "search" / "search_index.json"
            times[count] = statistics.median(walls)
            spread = f" (median of {runs}: {', '.join(f'{w:.1f}' for w in walls)})" if runs > 1 else ""
            kind = f"history of {COMMITS} commits" if history else "no history"
            print(f"portal for {count} specs x 10 channels, {kind}: {times[count]:.1f} s wall{spread}, "
                  f"{pages} pages, {sum(sizes) / 1e6:.0f} MB, largest page {largest.stat().st_size / 1e6:.2f} MB "
                  f"({largest.parent.relative_to(out)}), search index {index.stat().st_size / 1e6:.1f} MB, "
                  f"peak memory {peak:.0f} MiB")
            change_one_description(source, history)
            rebuilds = [build(source, Path(tmp) / f"site{n}", Path(tmp) / f"cache{n}") for n in range(runs)]
            fresh = build(source, Path(tmp) / "fresh", Path(tmp) / "cache0")
            print(f"  one spec's description changed, rebuilt in place with the page cache: "
                  f"{statistics.median(rebuilds):.1f} s (into an empty folder: {fresh:.1f} s)"
                  + (f" (median of {runs}: {', '.join(f'{w:.1f}' for w in rebuilds)})" if runs > 1 else ""))
    if 200 in times and 1000 in times:
        print(f"1,000 specs / 200 specs: {times[1000] / times[200]:.2f} x (target <= 5)")


if __name__ == "__main__":
    main()
