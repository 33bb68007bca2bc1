"""The portal's page cache: the finished HTML of each generated page, addressed by the hash of
everything that page is made of (its content, the navigation, the site configuration, the
versions of specmesh, MkDocs and Material). An unchanged page is copied, not rendered again.
The folder holds the pages of the last build only; deleting it costs one cold build."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

FORMAT = "1"  # bump when what a key covers changes
PENDING = 256  # pages queued for the writer thread
MAX_PAGE_BYTES = 64 * 1024 * 1024


def default_folder(settings: dict) -> Path:
    """Per estate (its sources, templates and title), under $SPECMESH_PORTAL_CACHE (a CI cache,
    say), else the user's cache directory."""
    root = os.environ.get("SPECMESH_PORTAL_CACHE")
    base = Path(root) if root else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "specmesh_docs" / "portal"
    identity = "\n".join([*map(str, settings.get("sources") or []), str(settings.get("templates") or ""),
                          str(settings.get("title") or "")])
    return base / hashlib.sha256(identity.encode()).hexdigest()[:16]


def digest(*parts: str) -> str:
    h = hashlib.sha256(FORMAT.encode())
    for part in parts:
        data = part.encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


class PageCache:
    def __init__(self, folder: Path | None):
        self.folder = folder / "pages" if folder else None
        self.used: set[str] = set()
        self.hits = self.misses = 0
        self._writer = None  # one thread: writing (I/O, no GIL) overlaps rendering the next page
        self._pending = threading.BoundedSemaphore(PENDING)

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / key

    def get(self, key: str) -> str | None:
        if self.folder is None:
            return None
        self.used.add(key)
        path = self._path(key)
        try:
            if path.stat().st_size > MAX_PAGE_BYTES:  # not a page this tool wrote: render it again
                raise OSError
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            self.misses += 1
            return None
        self.hits += 1
        return text

    def put(self, key: str, html: str) -> None:
        if self.folder is None:
            return
        if self._writer is None:  # made late: the history worker forks earlier, from a single-threaded process
            from concurrent.futures import ThreadPoolExecutor

            self._writer = ThreadPoolExecutor(1, thread_name_prefix="specmesh-page-cache")
        self._pending.acquire()  # at most PENDING pages wait in memory, however large the estate
        self._writer.submit(self._write, key, html)

    def close(self) -> None:
        """Waits for the pages being written."""
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None

    def _write(self, key: str, html: str) -> None:
        """Atomic (a concurrent build reads a whole page or none); a cache that cannot be written
        only costs speed."""
        path = self._path(key)
        try:
            self._store(path, html)
        finally:
            self._pending.release()

    @staticmethod
    def _store(path: Path, html: str) -> None:
        from ..writing import write_whole

        try:
            write_whole(path, html)
        except OSError:
            return

    def keep_only_used(self) -> None:
        """Pages of earlier builds that this one did not use go: the cache stays the size of one site."""
        self.close()
        if self.folder is None or not self.folder.is_dir():
            return
        for sub in self.folder.iterdir():
            for entry in sub.iterdir() if sub.is_dir() else ():
                if entry.name not in self.used:
                    entry.unlink(missing_ok=True)
