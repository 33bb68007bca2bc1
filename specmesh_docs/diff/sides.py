"""The two sides of a diff as directories: a directory as given, or a git ref of the current
repository read through git itself (`git archive` into a private temporary directory: no
checkout, nothing written to the work tree). Refs are data, never options."""

from __future__ import annotations

import io
import os
import re
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import SpecError

KEEP = (".yaml", ".yml", ".json", ".avsc", ".proto")  # what a spec can read; nothing else is extracted
_REF = re.compile(r"^[A-Za-z0-9._/@{}~^-]+$")


@dataclass
class Side:
    label: str  # what the user gave: a ref, a directory, or "working tree"
    root: Path  # a directory holding the specs (and their schema files)
    commit: str | None = None


def scratch_parent() -> str | None:
    """Where refs are extracted: $TMPDIR when set; else the shared-memory tmpfs when it has room
    (writing a few hundred small files there takes milliseconds, on a disk it can take a second);
    else the system default."""
    if os.environ.get("TMPDIR"):
        return None
    shm = "/dev/shm"
    try:
        stat = os.statvfs(shm)
        if os.access(shm, os.W_OK) and stat.f_bavail * stat.f_frsize > 512 * 1024 * 1024:
            return shm
    except OSError:
        pass
    return None


def repo_root(cwd: Path) -> Path | None:
    out = _git(["rev-parse", "--show-toplevel"], cwd, check=False)
    return Path(out.strip()) if out else None


def relative(path, root: Path) -> str | None:
    """`path` relative to `root`, as git names it; None when it is not below `root`."""
    try:
        return Path(os.path.abspath(path)).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None


class Snapshots:
    """Specs as they were at earlier commits of a repository: each commit extracted once (into
    `scratch`), a spec loaded once per commit. What the diff's transitive levels and the portal's
    history both read."""

    def __init__(self, root: Path, scratch: Path, policies):
        self.root, self.scratch, self.policies = root, scratch, policies
        self.trees: dict[str, Path | None] = {}
        self.loaded: dict[tuple[str, str], object] = {}

    def product(self, ref: str, rel: str, domain: str):
        """The product `domain` from the spec at `rel` as of `ref`; None when absent or unreadable."""
        key = (ref, rel)
        if key not in self.loaded:
            self.loaded[key] = self._load(ref, rel, domain)
        return self.loaded[key]

    def _load(self, ref: str, rel: str, domain: str):
        from ..lint.runner import load_all

        tree = self.tree(ref)
        if tree is None or not (tree / rel).is_file():
            return None
        errors: list[SpecError] = []
        found = [p for p in load_all([tree / rel], self.policies, errors, confine=tree) if p.domain == domain]
        return found[0] if found else None

    def tree(self, ref: str) -> Path | None:
        if ref not in self.trees:
            commit = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], self.root,
                          check=False).strip()
            target = self.scratch / commit[:12] if commit else None
            if target is not None and not target.exists():
                try:
                    _extract(self.root, commit, target)
                except SpecError:
                    target = None
            self.trees[ref] = target
        return self.trees[ref]


def resolve(spec: str, cwd: Path, scratch: Path) -> Side:
    """A directory, or a commit-ish of the repository around `cwd`, extracted under `scratch`."""
    path = Path(spec)
    if path.is_dir():
        return Side(spec, path)
    root = repo_root(cwd)
    if root is None:
        raise SpecError(f"{spec!r} is not a directory, and {cwd} is not inside a git repository to read refs from")
    if spec.startswith("-") or not _REF.match(spec):
        raise SpecError(f"{spec!r} is not a git ref (branch, tag or commit) nor a directory")
    commit = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{spec}^{{commit}}"], root, check=False).strip()
    if not commit:
        raise SpecError(f"{spec!r}: no such branch, tag or commit in {root} (fetch it first?), and no such directory")
    target = scratch / commit[:12]
    if not target.exists():
        _extract(root, commit, target)
    return Side(spec, target, commit)


def git_log(root: Path | None, ref: str, path: str, limit: int) -> list[str]:
    """Commits reachable from `ref` that touched `path`, newest first (none when `ref` does not exist)."""
    if root is None:
        return []
    out = _git(["log", f"-n{limit}", "--format=%H", "--end-of-options", ref, "--", path], root, check=False)
    return out.split()


def _extract(root: Path, commit: str, target: Path) -> None:
    data = subprocess.run(["git", "archive", "--format=tar", commit], cwd=root, capture_output=True, timeout=120)
    if data.returncode != 0:
        raise SpecError(f"git archive {commit[:12]} failed: {data.stderr.decode(errors='replace').strip()[:200]}")
    target.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(data.stdout)) as tar:
        for member in tar:
            parts = Path(member.name).parts
            # regular files only, inside target (git writes none other, but the archive is data, not trusted)
            if not member.isfile() or not member.name.lower().endswith(KEEP) or member.name.startswith("/") \
                    or ".." in parts or member.size > 64 * 1024 * 1024:
                continue
            path = target.joinpath(*parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(tar.extractfile(member).read())


def git_output(cwd: Path, *args: str) -> str:
    """What a git command prints, "" when it fails (not a repository, unknown ref)."""
    try:
        return _git(list(args), cwd, check=False)
    except SpecError:
        return ""


def _git(args: list[str], cwd: Path, check: bool = True) -> str:
    try:
        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SpecError(f"git {args[0]}: {exc}") from None
    if out.returncode != 0:
        if check:
            raise SpecError(f"git {args[0]}: {out.stderr.strip()[:200]}")
        return ""
    return out.stdout
