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
                    templates: str | None = None) -> dict:
    """portal.yaml (its relative paths count from the file) plus the command line's (from here)."""
    from .sources import load_config, normalize, templates_dir

    settings = load_config(Path(config_file)) if config_file else {}
    settings["sources"] = [*settings.get("sources", []), *[normalize(s, Path.cwd()) for s in sources]]
    settings["metrics"] = [*settings.get("metrics", []), *[str(Path(m).resolve()) for m in metrics]]
    if title:
        settings["title"] = title
    if templates:
        settings["templates"] = templates_dir(templates)
    return settings


def quiet_mkdocs() -> None:
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    logging.getLogger("mkdocs").setLevel(logging.WARNING)


def build(settings: dict, out: Path) -> None:
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    quiet_mkdocs()
    with tempfile.TemporaryDirectory(prefix="specmesh-portal-") as tmp:
        path = write_config(Path(tmp), settings, out)
        try:
            mkdocs_build(load_config(str(path)))
        except MkDocsException as exc:
            raise SpecError(f"mkdocs: {exc}") from None


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
