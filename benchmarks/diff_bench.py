"""Breaking-change gate speed: `specmesh diff` between two commits of the generated 200-spec
estate where 20 specs change (a required property added, partitions grown, a grant removed),
and between two commits of a one-spec repository.

python benchmarks/diff_bench.py [N]   (targets: 200 specs <= 1.5 s wall, with every consumer declaring its
reads too; one spec <= 0.3 s)
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_estate import generate  # noqa: E402
from timing import wall  # noqa: E402


def git(cwd: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@acme.example", "GIT_COMMITTER_NAME": "b",
           "GIT_COMMITTER_EMAIL": "b@acme.example", "PATH": "/usr/bin:/bin"}
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True, env=env).stdout


def change(path: Path) -> None:
    text = path.read_text()
    text = text.replace("required: [id]", "required: [id, note]", 1)
    text = text.replace("partitions: 2\n", "partitions: 4\n", 1)
    text = text.replace("        - name: grant-access:", "        - name: grant-access:x", 1)
    path.write_text(text)


def repo_with_change(root: Path, count: int, changed: int, reads: bool = False) -> tuple[Path, str, str]:
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    paths = generate(root / "estate", count, reads=reads)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    base = git(root, "rev-parse", "HEAD").strip()
    for path in paths[:changed]:
        change(path)
    git(root, "commit", "-qam", "change")
    return root, base, git(root, "rev-parse", "HEAD").strip()


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    cli = [sys.executable, "-m", "specmesh_docs", "diff"]
    with tempfile.TemporaryDirectory() as tmp:
        root, base, head = repo_with_change(Path(tmp) / "estate-repo", count, 20)
        took, out = wall([*cli, base, head], 5, root)
        print(f"diff {count} specs, 20 changed, between two commits: {took:.2f} s wall (median of 5), "
              f"exit {out.returncode}: {out.stdout.strip().splitlines()[-1]}")
        root, base, head = repo_with_change(Path(tmp) / "reads-repo", count, 20, reads=True)
        took, out = wall([*cli, base, head, "--format", "json"], 5, root)
        import json

        found = json.loads(out.stdout)["summary"]
        print(f"diff {count} specs, every consumer declaring what it reads, 20 changed: {took:.2f} s wall (median of "
              f"5), exit {out.returncode}: {found}")
        root, base, head = repo_with_change(Path(tmp) / "one-repo", 1, 1)
        took, out = wall([*cli, base, head], 10, root)
        print(f"diff one spec between two commits: {took:.2f} s wall (median of 10), exit {out.returncode}: "
              f"{out.stdout.strip().splitlines()[-1]}")


if __name__ == "__main__":
    main()
