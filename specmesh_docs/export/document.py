"""One domain's AsyncAPI document and schema files from what the cluster holds (pure).

AsyncAPI 2 (SpecMesh's dialect, the default): a channel per topic named relative to the domain,
`publish` = owned and produced, Kafka settings in `bindings.kafka` (`partitions`, `replicas`,
`configs`). AsyncAPI 3: the same in `channels` (with `address`) + `operations` (`action: send`).
Schemas found in the registry (TopicNameStrategy: `<topic>-key`, `<topic>-value`) are written
as files under `schema/` and `$ref`'d; referenced Avro types go beside them as
`<full.name>.avsc`, where the loader and `provision` look for them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from .domains import DomainExport

SCHEMA_FORMATS = {"AVRO": ("application/vnd.apache.avro+json;version=1.9.0", ".avsc"),
                  "JSON": ("application/schema+json;version=draft-07", ".json"),
                  "PROTOBUF": ("application/vnd.google.protobuf;version=3", ".proto")}
KEY_UNKNOWN = "Not in the registry at export (a primitive key is not registered): check it."
NUMERIC = re.compile(r"^-?\d+$")


@dataclass
class RegistrySchema:
    subject: str
    schema_type: str  # AVRO | JSON | PROTOBUF
    text: str
    references: list[tuple[str, "RegistrySchema"]] = field(default_factory=list)  # (name, schema)


@dataclass
class Written:
    spec: dict
    files: dict[str, str] = field(default_factory=dict)  # path relative to the spec -> text
    notes: list[str] = field(default_factory=list)


def document(export: DomainExport, schemas: dict[str, RegistrySchema], fmt: str, source: str,
             delimiter: str = ".") -> Written:
    """`schemas`: subject -> its latest registered schema (only the topics' own subjects are read)."""
    out = Written({})
    channels, operations, messages = {}, {}, {}
    for topic in sorted(export.topics, key=lambda t: t.name):
        relative = topic.name[len(export.domain) + len(delimiter):]
        kafka: dict = {"partitions": topic.partitions}
        if topic.replicas:
            kafka["replicas"] = topic.replicas
        configs = {k: _value(v) for k, v in sorted(topic.configs.items()) if k in export.dynamic.get(topic.name, ())}
        if configs and fmt == "asyncapi-3":  # the standard binding's field; cleanup.policy is a list there
            kafka["topicConfiguration"] = {k: v.split(",") if k == "cleanup.policy" else v for k, v in configs.items()}
        elif configs:
            kafka["configs"] = configs
        message = _message(topic.name, relative, schemas, out, fmt)
        tags = [{"name": f"grant-access:{g}"} for g in export.grants.get(topic.name, [])]
        tags += [{"name": f"grant-write:{g}"} for g in export.write_grants.get(topic.name, [])]
        op_id = "publish" + "".join(w[:1].upper() + w[1:] for w in re.split(r"[^A-Za-z0-9]+", relative) if w)
        operation = {"operationId": op_id, "summary": f"{relative} (exported: describe what it carries)."}
        if tags:
            operation["tags"] = tags
        if fmt == "asyncapi-3":
            key = re.sub(r"[^A-Za-z0-9._-]", "-", relative)
            name = message["name"]
            unique = next(f"{name}{n or ''}" for n in range(len(messages) + 1) if f"{name}{n or ''}" not in messages)
            messages[unique] = message
            channels[key] = {"address": relative, "bindings": {"kafka": kafka},
                             "messages": {name: {"$ref": f"#/components/messages/{unique}"}}}
            operations[op_id] = {"action": "send", "channel": {"$ref": f"#/channels/{key}"},
                                 **{k: v for k, v in operation.items() if k != "operationId"}}
        else:
            channels[relative] = {"bindings": {"kafka": kafka}, "publish": {**operation, "message": message}}
    info = {"title": export.domain, "version": "1.0.0",
            "description": f"Exported from {source} by `specmesh export`: review the descriptions, add a contact."}
    if fmt == "asyncapi-3":
        out.spec = {"asyncapi": "3.0.0", "id": f"urn:{export.domain}", "info": info, "channels": channels,
                    "operations": operations}
        if messages:
            out.spec["components"] = {"messages": messages}
    else:
        out.spec = {"asyncapi": "2.6.0", "id": f"urn:{export.domain}", "info": info, "channels": channels}
    return out


def _value(text: str) -> object:
    """Config values as a person writes them: numbers as numbers, the rest as text."""
    return int(text) if NUMERIC.match(text) and len(text) < 19 else text


def _message(topic: str, relative: str, schemas: dict[str, RegistrySchema], out: Written, fmt: str) -> dict:
    name = "".join(w[:1].upper() + w[1:] for w in re.split(r"[^A-Za-z0-9]+", relative.split(".")[-1]) if w) or "Message"
    message: dict = {"name": name}
    value, key = schemas.get(f"{topic}-value"), schemas.get(f"{topic}-key")
    def schema_of(found: RegistrySchema) -> dict:
        ref = {"$ref": _schema_file(found, out)}
        if fmt == "asyncapi-3":  # a multi-format schema object: the format travels with each schema
            return {"schemaFormat": SCHEMA_FORMATS[found.schema_type][0], "schema": ref}
        return ref

    if value is not None:
        if fmt != "asyncapi-3":
            message["schemaFormat"] = SCHEMA_FORMATS[value.schema_type][0]
        message["payload"] = schema_of(value)
    if key is None and value is not None:
        # a primitive key is never registered (provision does not either): the common one, said so
        message["bindings"] = {"kafka": {"key": {"type": "string", "description": KEY_UNKNOWN}}}
        out.notes.append(f"{topic}: no key schema in the registry: written as a string key; check it")
    elif key is not None:
        if value is not None and key.schema_type != value.schema_type:
            out.notes.append(f"{topic}: the key schema is {key.schema_type} and the value {value.schema_type}; "
                             "a message has one schemaFormat, so the key is left out")
        elif value is None:
            out.notes.append(f"{topic}: a key schema without a value schema is left out")
        else:
            message["bindings"] = {"kafka": {"key": schema_of(key)}}
    return message


def _schema_file(schema: RegistrySchema, out: Written) -> str:
    """Writes the schema (and the Avro types it references) under schema/, returns the ref."""
    _, suffix = SCHEMA_FORMATS[schema.schema_type]
    path = f"schema/{schema.subject}{suffix}"
    out.files[path] = _pretty(schema)
    for name, referenced in schema.references:
        if schema.schema_type == "AVRO":
            out.files[f"schema/{name}.avsc"] = _pretty(referenced)
        else:
            out.notes.append(f"{schema.subject}: references {name} ({schema.schema_type}): written as "
                             f"{path} only; add the referenced schema beside it")
    return path


def _pretty(schema: RegistrySchema) -> str:
    if schema.schema_type == "PROTOBUF":
        return schema.text if schema.text.endswith("\n") else schema.text + "\n"
    from ..errors import SpecError
    from ..jsondoc import parse_json

    try:
        return json.dumps(parse_json(schema.text, f"schema {schema.subject}", schema.subject), indent=2,
                          ensure_ascii=False) + "\n"
    except SpecError:  # not JSON, or nested past the limit: written as the registry holds it, and lint says why
        return schema.text
