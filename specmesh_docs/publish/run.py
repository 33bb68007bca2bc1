"""The edge of `specmesh catalog export`: read the sources as `portal build` does, write one file."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..errors import SpecError
from ..writing import write_whole

FORMATS = {"backstage": "catalog-info.yaml", "datahub": "datahub-mcps.json", "json": "catalog.json"}
SCHEMA = Path(__file__).resolve().parent / "catalog.schema.json"


def catalog_export(sources: list[str], config: str | None, fmt: str, out: str, env: str = "PROD") -> int:
    from ..catalog import catalog_document
    from ..portal.build import portal_settings
    from ..portal.generate import load_sources

    if fmt not in FORMATS:
        raise SpecError(f"--format is one of {', '.join(FORMATS)}, not {fmt!r}")
    settings = portal_settings(sources, config, [], None)
    loaded = load_sources(settings, Path.cwd(), command="catalog export")
    estate = loaded.estate
    if fmt == "backstage":
        from .backstage import entities, to_yaml

        links = {}
        for p in loaded.products:
            source = loaded.source_of[p.spec_file]
            if source.link:
                links[p.spec_file] = source.link + Path(p.spec_file).resolve().relative_to(source.path.resolve()).as_posix()
        notes: list[str] = []
        text = to_yaml(entities(estate, links, notes))
        for note in notes:
            print(f"specmesh: catalog export: {note}", file=sys.stderr)
    elif fmt == "datahub":
        from .datahub import proposals, to_json

        skipped: list[str] = []
        text = to_json(proposals(estate, env, skipped))
        for name in skipped:
            print(f"specmesh: catalog export: topic {name!r} left out: not a Kafka topic name "
                  "(letters, digits, '.', '_', '-'; at most 249)", file=sys.stderr)
    else:
        from ..portal.sources import shown_document

        text = json.dumps(stable(shown_document(catalog_document(estate))), indent=1, ensure_ascii=False, default=str, sort_keys=True) + "\n"
    target = Path(out) / FORMATS[fmt]
    before = target.read_text(encoding="utf-8") if target.is_file() else None
    if before != text:  # an unchanged file is left alone (its mtime too): CI publishes on change only
        write_whole(target, text)
    state = "unchanged" if before == text else "written"
    print(f"specmesh: catalog export: {target} {state} ({len(estate.products)} data products, "
          f"{len(estate.topics)} topics)", file=sys.stderr)
    return 0


def stable(document: dict) -> dict:
    """catalog.json with products and topics in a fixed order (the file is published only when it changes)."""
    document = dict(document)
    document["products"] = sorted(document["products"], key=lambda p: (p["domain"], p["spec"]))
    document["topics"] = sorted(document["topics"], key=lambda t: t["name"])
    return document
