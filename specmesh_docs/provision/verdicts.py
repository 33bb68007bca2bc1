"""The offline checker's verdict beside the registry's, for every schema a plan would add a
version to (or refuses): the plan and `specmesh diff` must agree, and the saved plan shows both."""

from __future__ import annotations

import json

from ..errors import SpecError
from ..model.schemas import Schema, inline_refs, local_deref

FORMATS = {"AVRO": "avro", "JSON": "json", "PROTOBUF": "protobuf"}


def as_schema(kind: str, text: str, named: dict[str, str]) -> Schema | None:
    fmt = FORMATS.get((kind or "AVRO").upper())
    if fmt is None:
        return None
    try:
        document = text if fmt == "protobuf" else json.loads(text)
        refs = {n: json.loads(t) for n, t in named.items()} if fmt == "avro" else {}
        resolved = inline_refs(document, local_deref(document), None) if fmt == "json" else None
    except (ValueError, RecursionError, SpecError):
        return None
    return Schema(fmt, [], document=document, named=refs, resolved=resolved)


def schema_verdicts(regs: list, states: dict, level: str, registry) -> list[dict]:
    from ..compat import problems

    texts = {r.subject: r.text for r in regs}
    out = []
    default = level
    for reg in regs:
        level = reg.compatibility or default
        state = states.get(reg.subject)
        if state is None or not reg.owned or state.latest is None or state.same is not None or state.compatible is None:
            continue
        new = as_schema(reg.schema_type, reg.text, {name: texts.get(subject, "") for name, subject in reg.references})
        olds = [as_schema(*v) for v in registry.versions_of(reg.subject, level.endswith("_TRANSITIVE"))]
        found = [str(p) for p in problems(level, [o for o in olds if o is not None], new)] if new is not None \
            else ["UNCHECKED: unreadable"]
        out.append({"subject": reg.subject, "level": level,
                    "registry": "compatible" if state.compatible else "incompatible",
                    "offline": "incompatible" if found else "compatible", "offline_problems": found})
    return out
