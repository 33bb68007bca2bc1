"""AsyncAPI validity against the official JSON Schema of the declared version.

Payloads written in another schema format (Avro, Protobuf) and `$ref`s to schema files are
checked by their own parsers (SCHEMA-REF), so they are blanked before validation: the
official schema would otherwise reject real SpecMesh specs. Validators are compiled once
per version with jsonschema-rs (the Rust validator; ~400x faster than jsonschema here).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from ..errors import Position

SUPPORTED = ("2.0.0", "2.1.0", "2.2.0", "2.3.0", "2.4.0", "2.5.0", "2.6.0", "3.0.0", "3.1.0")
ASYNCAPI_FORMATS = ("application/vnd.aai.asyncapi", "application/schema+json", "application/json")


@lru_cache(maxsize=None)
def validator(version: str):
    import jsonschema_rs

    text = resources.files("specmesh_docs.spec.asyncapi_schemas").joinpath(f"{version}.json").read_text()
    return jsonschema_rs.validator_for(json.loads(text))


def schema_version(declared: str) -> str | None:
    """The vendored schema for a declared version: exact, else the newest of the same minor."""
    if declared in SUPPORTED:
        return declared
    major_minor = ".".join(declared.split(".")[:2])
    same = [v for v in SUPPORTED if v.startswith(major_minor + ".")]
    return same[-1] if same else None


def placeholder() -> dict:
    """Valid as a JSON Schema and as an Avro schema (the AsyncAPI schema checks Avro payloads)."""
    return {"type": "string"}


def blank_foreign_schemas(node: object) -> object:
    """Plain copy with file `$ref`s and non-JSON-Schema payloads replaced by a placeholder."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            return placeholder()
        fmt = node.get("schemaFormat")
        foreign = isinstance(fmt, str) and not fmt.startswith(ASYNCAPI_FORMATS)
        return {k: (placeholder() if foreign and k in ("payload", "schema") else blank_foreign_schemas(v))
                for k, v in node.items()}
    if isinstance(node, list):
        return [blank_foreign_schemas(v) for v in node]
    return node


def short(message: str, limit: int = 160) -> str:
    message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 3] + "..."


def json_schema_errors(schema: dict, instance: object, shown: str | None, at: Position) -> list[str]:
    """Messages for an instance that does not match a JSON Schema (examples)."""
    import jsonschema_rs

    from ..spec.flatten import plain

    try:
        v = jsonschema_rs.validator_for(blank_foreign_schemas(schema))
    except Exception as exc:  # an invalid schema is reported, not raised
        return [f"schema {shown or ''} cannot be compiled: {short(str(exc))}"]
    return [short(f"{'/'.join(map(str, e.instance_path)) or '(root)'}: {e.message}") for e in v.iter_errors(plain(instance))]
