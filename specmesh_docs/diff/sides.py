"""The two sides of a diff as directories: a directory as given, or a git ref of the current
repository read through git itself (`git archive` into a private temporary directory: no
checkout, nothing written to the work tree). Refs are data, never options."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..errors import SpecError
from ..model import load_spec

KEEP = (".yaml", ".yml", ".json", ".avsc", ".proto")  # what a spec can read; nothing else is extracted
_REF = re.compile(r"^[A-Za-z0-9._/@{}~^-]+$")


@dataclass
class Side:
    label: str  # what the user gave: a ref, a directory, or "working tree"
    root: Path  # a directory holding the specs (and their schema files)
    commit: str | None = None

    def shown(self) -> str:
        """What was compared: the ref and its commit, or the directory, or the working tree."""
        if self.commit:
            return f"{self.label} (commit {self.commit[:12]})"
        return self.label if self.label == "working tree" else f"{self.label} (directory)"


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
    """Specs as they were at earlier commits of a repository: what the diff's transitive levels
    and the portal's history both read. A spec is loaded again only when a file it read (the spec,
    its schema files) has another git blob id at that commit, so twenty commits that each touch a
    few specs load each of the others once; a commit is extracted only when something must load."""

    def __init__(self, root: Path, scratch: Path, policies):
        self.root, self.scratch, self.policies = root, scratch, policies
        self.commits: dict[str, str] = {}  # ref as given -> commit ("" when none)
        self.trees: dict[str, Path | None] = {}  # commit -> extracted directory
        self.blobs: dict[str, dict[str, str]] = {}  # commit -> path -> git blob id
        self.loaded: dict[tuple[str, str], object] = {}  # (commit, spec path) -> product or None
        self.versions: dict[tuple[str, str], list] = {}  # (spec path, domain) -> [(commit, tree, Files, product)]

    def product(self, ref: str, rel: str, domain: str):
        """The product `domain` from the spec at `rel` as of `ref`; None when absent or unreadable."""
        commit = self.commit(ref)
        if not commit or rel not in self.blob_ids(commit):
            return None
        if (commit, rel) in self.loaded:
            return self.loaded[(commit, rel)]
        blobs = self.blob_ids(commit)
        for seen, tree, files, product in self.versions.get((rel, domain), []):
            before = self.blob_ids(seen)
            if all(blobs.get(dep) == before.get(dep) for dep in _in_tree(tree, files.read_paths)):
                return product
        product, files = self._load(commit, rel, domain)
        if product is not None and not product.problems:  # a failed read records no dependency: not reused
            self.versions.setdefault((rel, domain), []).append((commit, self.trees[commit], files, product))
        self.loaded[(commit, rel)] = product
        return product

    def commit(self, ref: str) -> str:
        if ref not in self.commits:
            self.commits[ref] = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"],
                                     self.root, check=False).strip()
        return self.commits[ref]

    def blob_ids(self, commit: str) -> dict[str, str]:
        if commit not in self.blobs:
            listing = _git(["ls-tree", "-r", "-z", "--full-tree", commit], self.root, check=False)
            entries = (line.split("\t", 1) for line in listing.split("\0") if "\t" in line)
            self.blobs[commit] = {path: meta.split()[2] for meta, path in entries if meta.split()[1] == "blob"}
        return self.blobs[commit]

    def _load(self, commit: str, rel: str, domain: str):
        from ..model import Files

        tree = self.tree(commit)
        if tree is None or not (tree / rel).is_file():
            return None, None
        files = Files(tree)
        policy = self.policies.for_spec(tree / rel)
        try:
            product = load_spec(tree / rel, files=files, principal_format=policy.principal_format,
                                domain_from=policy.domain_from, v2_operations=policy.v2_operations)
        except SpecError:
            return None, None
        return (product if product.domain == domain else None), files

    def tree(self, commit: str) -> Path | None:
        if commit not in self.trees:
            target = self.scratch / commit[:12]
            if not target.exists():
                try:
                    _extract(self.root, commit, target)
                except SpecError:
                    target = None
            self.trees[commit] = target
        return self.trees[commit]


def _in_tree(tree: Path, paths) -> list[str]:
    """Real paths read from an extracted commit, as git names them."""
    base = tree.resolve()
    return [p.relative_to(base).as_posix() for p in paths if p.is_relative_to(base)]


def resolve(spec: str, cwd: Path, scratch: Path, directory: bool = False) -> Side:
    """A commit-ish of the repository around `cwd`, extracted under `scratch`; a directory only when
    `spec` is not a ref there (or `directory` says so). Refs come first: a pull request that adds a
    folder named like the base branch (`origin/main/`) must not become its own base."""
    path = Path(spec)
    if directory:
        if not _is_dir(path):
            raise SpecError(f"{spec!r} is not a directory")
        return Side(spec, path)
    root = repo_root(cwd)
    commit = ""
    if root is not None and not spec.startswith("-") and _REF.match(spec):
        commit = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{spec}^{{commit}}"], root,
                      check=False).strip()
    if commit:
        target = scratch / commit[:12]
        if not target.exists():
            _extract(root, commit, target)
        return Side(spec, target, commit)
    if _is_dir(path):
        return Side(spec, path)
    if root is None:
        raise SpecError(f"{spec!r} is not a directory, and {cwd} is not inside a git repository to read refs from")
    if spec.startswith("-") or not _REF.match(spec):
        raise SpecError(f"{spec!r} is not a git ref (branch, tag or commit) nor a directory")
    raise SpecError(f"{spec!r}: no such branch, tag or commit in {root} (fetch it first?), and no such directory")


def _is_dir(path: Path) -> bool:
    """A name too long or otherwise unusable as a path is not a directory (is_dir raises on some)."""
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


def git_log(root: Path | None, ref: str, path: str, limit: int) -> list[str]:
    """Commits reachable from `ref` that touched `path`, newest first (none when `ref` does not exist)."""
    if root is None:
        return []
    out = _git(["log", f"-n{limit}", "--format=%H", "--end-of-options", ref, "--", path], root, check=False)
    return out.split()


MAX_BLOB = 64 * 1024 * 1024  # a schema or spec file larger than this is not read from history
MAX_TREE = 512 * 1024 * 1024  # what one commit's extraction may write in all


def _extract(root: Path, commit: str, target: Path) -> None:
    """The files a spec can read at `commit`, written under `target`. Sizes are read first (`git
    ls-tree -l`) and only regular files of the kept kinds within MAX_BLOB are read, one blob at a
    time through `git cat-file --batch`: a repository holding a huge blob costs its name, not its
    bytes (`git archive` would stream all of it)."""
    listing = subprocess.run(["git", "ls-tree", "-r", "-l", "-z", "--full-tree", commit], cwd=root,
                             capture_output=True, timeout=120)
    if listing.returncode != 0:
        raise SpecError(f"git ls-tree {commit[:12]} failed: {listing.stderr.decode(errors='replace').strip()[:200]}")
    wanted: list[tuple[str, str, int]] = []  # (blob id, path, size)
    for entry in listing.stdout.split(b"\0"):
        meta, _, name = entry.partition(b"\t")
        fields = meta.split()
        path = name.decode("utf-8", errors="replace")
        if len(fields) != 4 or fields[1] != b"blob" or fields[0] not in (b"100644", b"100755"):
            continue  # trees, symlinks, submodules: nothing a spec reads
        parts = Path(path).parts
        size = int(fields[3]) if fields[3].isdigit() else MAX_BLOB + 1
        if path.lower().endswith(KEEP) and not path.startswith("/") and ".." not in parts and size <= MAX_BLOB:
            wanted.append((fields[2].decode(), path, size))
    if sum(size for _, _, size in wanted) > MAX_TREE:
        raise SpecError(f"commit {commit[:12]}: its spec and schema files add up to more than {MAX_TREE} bytes")
    target.mkdir(parents=True)
    if not wanted:
        return
    with subprocess.Popen(["git", "cat-file", "--batch"], cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL) as batch:
        for oid, path, size in wanted:  # one at a time: neither pipe can fill while the other waits
            batch.stdin.write(f"{oid}\n".encode())
            batch.stdin.flush()
            header = batch.stdout.readline().split()
            if len(header) != 3 or header[1] != b"blob" or int(header[2]) != size:
                raise SpecError(f"git cat-file: unexpected answer for {path} at {commit[:12]}")
            data = batch.stdout.read(size)
            batch.stdout.read(1)  # the newline after each object
            out = target.joinpath(*Path(path).parts)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(data)
        batch.stdin.close()


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
