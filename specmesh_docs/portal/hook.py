"""MkDocs hooks: the thin glue that makes plain `mkdocs build` / `mkdocs serve` generate the
portal. Settings live under `extra.specmesh` in mkdocs.yml (title, sources, metrics)."""

from __future__ import annotations

import html
import json
from pathlib import Path

_GENERATED: dict[int, object] = {}


def on_config(config):
    from specmesh_docs.portal.generate import generate

    settings = dict(config.extra.get("specmesh") or {})
    base = Path(config.config_file_path).resolve().parent if config.config_file_path else Path.cwd()
    generated = generate(settings, base)
    config.nav = generated.nav
    config.copyright = html.escape(generated.stamp)  # Material prints it as HTML
    for path in generated.watch:
        if path not in config.watch:
            config.watch.append(path)
    _GENERATED[id(config)] = generated
    return config


def on_files(files, config):
    from mkdocs.structure.files import File

    generated = _GENERATED[id(config)]
    for path, markdown in generated.pages.items():
        files.append(File.generated(config, path, content=markdown))
    for path, source in generated.files.items():
        if files.get_file_from_path(path) is None:
            files.append(File.generated(config, path, abs_src_path=str(source)))
    return files


def on_page_content(html_text, page, config, files):
    generated = _GENERATED.get(id(config))
    return generated.blocks.put_back(html_text) if generated is not None and generated.blocks else html_text


def on_post_build(config):
    generated = _GENERATED.pop(id(config), None)
    if generated is not None:
        out = Path(config.site_dir) / "catalog.json"
        out.write_text(json.dumps(generated.catalog, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
