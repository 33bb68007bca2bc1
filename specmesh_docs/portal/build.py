"""`specmesh portal build|serve`: a generated mkdocs.yml (INHERIT of the shared base) + the hook."""

from __future__ import annotations

import html
import json
import logging
import os
import tempfile
from pathlib import Path

from ..errors import SpecError

HERE = Path(__file__).resolve().parent


def write_config(folder: Path, settings: dict, site_dir: Path | None) -> Path:
    docs = folder / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    config = {
        "INHERIT": str(HERE / "mkdocs.base.yml"),
        "site_name": html.escape(" ".join(str(settings.get("title") or "Data products").split()), quote=True),
        "docs_dir": str(docs),
        "hooks": [str(HERE / "hook.py")],
        "extra": {"specmesh": {**settings, "cli": True}},
    }
    if settings.get("site_url"):
        config["site_url"] = settings["site_url"]  # checked by portal_settings: http(s) only
    if site_dir is not None:
        config["site_dir"] = str(site_dir.resolve())
    path = folder / "mkdocs.yml"
    path.write_text(json.dumps(config, indent=1, default=str), encoding="utf-8")  # JSON is YAML
    return path


def portal_settings(sources: list[str], config_file: str | None, metrics: list[str], title: str | None,
                    templates: str | None = None, verify: str | None = None, verify_max_age: float | None = None) -> dict:
    """portal.yaml (its relative paths count from the file) plus the command line's (from here)."""
    from .sources import load_config, normalize, templates_dir

    settings = load_config(Path(config_file)) if config_file else {}
    settings["sources"] = [*settings.get("sources", []), *[normalize(s, Path.cwd()) for s in sources]]
    settings["metrics"] = [*settings.get("metrics", []), *[str(Path(m).resolve()) for m in metrics]]
    if title:
        settings["title"] = title
    if templates:
        settings["templates"] = templates_dir(templates)
    if verify:
        settings["verify"] = str(Path(verify).resolve())
    if verify_max_age is not None:
        settings["verify_max_age_days"] = verify_max_age
    return settings


def quiet_mkdocs() -> None:
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    logging.getLogger("mkdocs").setLevel(logging.WARNING)
    # MkDocs warns that a "dirty" build may leave stale navigation: ours writes every page and sweeps the rest
    logging.getLogger("mkdocs.commands.build").addFilter(lambda record: "'dirty' build" not in record.getMessage())


MARKER = ".specmesh-portal"  # in a site this command built: the next build may write over it in place


def build(settings: dict, out: Path) -> None:
    """A site this command built before is rebuilt in place: every file is written again (unchanged
    pages from the page cache) and what this build did not write goes, which costs a fraction of
    emptying the folder and creating 2,000 directories again. Anything else is built clean."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    quiet_mkdocs()
    in_place = (out / MARKER).is_file()
    with tempfile.TemporaryDirectory(prefix="specmesh-portal-") as tmp:
        path = write_config(Path(tmp), {**settings, "in_place": in_place}, out)
        try:
            (out / MARKER).unlink(missing_ok=True)  # a build that stops half way leaves no marker: the next is clean
            mkdocs_build(load_config(str(path)), dirty=in_place)
        except MkDocsException as exc:
            raise SpecError(f"mkdocs: {exc}") from None
    (out / MARKER).write_text("built by specmesh portal build\n", encoding="utf-8")


def serve(settings: dict, address: str) -> None:
    import signal

    from mkdocs.commands.serve import serve as mkdocs_serve

    def stop(signum, frame):  # a service manager's stop: leave as Ctrl-C does (mkdocs removes its temp site)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    quiet_mkdocs()
    logging.getLogger("mkdocs").setLevel(logging.INFO)
    with tempfile.TemporaryDirectory(prefix="specmesh-portal-") as tmp:
        path = write_config(Path(tmp), settings, None)
        mkdocs_serve(config_file=str(path), dev_addr=address)
