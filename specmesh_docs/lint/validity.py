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


class _TooBig(Exception):
    pass


RESOLVE_BUDGET = 200_000  # nodes; past it, validation falls back to blanking every file $ref


def resolved_document(document: object, resolve) -> object:
    """A plain copy of the spec with its `$ref`s to other files replaced by what they name (as the
    official parser bundles a multi-file document before validating it). Local `$ref`s stay: the
    AsyncAPI schema expects Reference objects in places (a v3 operation's `channel`). Payloads in
    another schema format become a placeholder; a file `$ref` that cannot be followed (missing,
    outside the root: other rules say why) becomes one too; a reference cycle stays a `$ref`."""
    active: set[int] = set()
    budget = [RESOLVE_BUDGET]

    def walk(node: object) -> object:
        budget[0] -= 1
        if budget[0] < 0:
            raise _TooBig()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                return follow(node, ref)
            fmt = node.get("schemaFormat")
            foreign = isinstance(fmt, str) and not fmt.startswith(ASYNCAPI_FORMATS)
            return {k: (placeholder() if foreign and k in ("payload", "schema") else walk(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    def follow(node: dict, ref: str) -> object:
        if ref.partition("#")[0].lower().endswith((".avsc", ".proto")):
            return placeholder()  # another schema language: checked by its own parser (SpecMesh writes these
            # without schemaFormat, which the official parser rejects; we keep SpecMesh's reading)
        try:
            target = resolve(node)
        except Exception:  # SpecError: missing, outside the root, cyclic; reported by the loader and SCHEMA-REF
            return {"$ref": ref} if ref.startswith("#") else placeholder()
        if id(target) in active or target is node:
            return {"$ref": ref} if ref.startswith("#") else placeholder()
        active.add(id(target))
        try:
            return walk(target)
        finally:
            active.discard(id(target))

    try:
        return walk(document)
    except _TooBig:
        return blank_foreign_schemas(document)


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
