"""DataHub metadata change proposals from the estate (pure): a JSON list that DataHub's `file`
ingestion source reads (`datahub ingest -c recipe.yml` with `source.type: file`).

- a dataset per owned topic, `urn:li:dataset:(urn:li:dataPlatform:kafka,<topic>,<ENV>)`, with
  `datasetProperties` (partitions, replicas, retention, cleanup policy, access level, owning
  product), `schemaMetadata` (every field, nested paths as `a.b`, key fields as `key.<name>` with
  `isPartOfKey`), `subTypes` (Topic), `globalTags` (the topic's tags; `PII` when it carries
  personal data), `ownership` (the owner as `corpGroup`, the contact's e-mail as `corpuser`)
  and `domains`;
- PII fields carry the `urn:li:tag:PII` tag;
- a `domain` per SpecMesh domain id (`finance.campaign`);
- lineage: each data product is a data job (`urn:li:dataJob:(urn:li:dataFlow:(specmesh,<domain>,<ENV>),service)`)
  whose inputs are the topics it consumes and outputs the topics it owns, so a consumer product
  is downstream of every topic it reads; a consumer that declares the fields it reads
  (`x-specmesh-reads`) gets fine-grained lineage: `inputDatasetFields` and `fineGrainedLineages`.
Deterministic: sorted, no timestamps (time 0), so a CI job publishes only when the file changed.
"""

from __future__ import annotations

import json
import re

ENVIRONMENTS = ("PROD", "PRD", "DEV", "TEST", "TST", "QA", "UAT", "EI", "PRE", "STG", "NON_PROD", "CORP", "RVW",
                "SANDBOX", "SBX", "SIT", "CERT")
EPOCH = {"time": 0, "actor": "urn:li:corpuser:datahub"}
EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
PII_TAG = "urn:li:tag:PII"


def dataset_urn(topic: str, env: str) -> str:
    return f"urn:li:dataset:(urn:li:dataPlatform:kafka,{topic},{env})"


def job_urn(domain: str, env: str) -> str:
    return f"urn:li:dataJob:(urn:li:dataFlow:(specmesh,{domain},{env}),service)"


def field_urn(topic: str, read: str, env: str) -> str:
    """A declared read (`lines[].sku`, `key:id`) as the schema field DataHub knows (`key.id` for keys)."""
    from ..model.reads import KEY

    path = "key." + read[len(KEY):] if read.startswith(KEY) else read
    return f"urn:li:schemaField:({dataset_urn(topic, env)},{path})"


def safe_id(text: str) -> str:
    """An id for an URN: no `,()` and no spaces (they would split it)."""
    return re.sub(r"[^A-Za-z0-9._@+-]+", "-", text).strip("-") or "unknown"


KAFKA_TOPIC = re.compile(r"^[A-Za-z0-9._-]{1,249}$")


def proposals(estate, env: str, skipped: list[str] | None = None) -> list[dict]:
    """`skipped` collects topics whose names Kafka would refuse (they cannot be URNs either)."""
    if env not in ENVIRONMENTS:
        from ..errors import SpecError

        raise SpecError(f"--env is one of DataHub's environments ({', '.join(ENVIRONMENTS)}), not {env!r}")
    out: list[dict] = []
    products = sorted(estate.products, key=lambda p: (p.domain, p.spec_file))
    for domain in sorted({p.domain for p in products}):
        out.append(_mcp("domain", f"urn:li:domain:{safe_id(domain)}", "domainProperties",
                        {"name": domain, "description": f"SpecMesh data product domain {domain}."}))
    out.append(_mcp("tag", PII_TAG, "tagProperties", {"name": "PII", "description": "Personal data (SpecMesh PII policy)."}))
    from ..catalog import owners_of

    identity = owners_of(products)
    # a topic several specs claim is the estate's owner's only (the longest domain, as provisioning decides)
    topics_of = {p.spec_file: [t for t in sorted(p.topics, key=lambda t: t.name) if KAFKA_TOPIC.match(t.name)
                               and t.name in estate.topics and estate.topics[t.name].product is p] for p in products}
    if skipped is not None:
        skipped += sorted({t.name for p in products for t in p.topics if not KAFKA_TOPIC.match(t.name)})
    owned = {t.name for topics in topics_of.values() for t in topics}
    for p in products:
        owners = _owners(p, identity[p.spec_file].key)
        for t in topics_of[p.spec_file]:
            urn = dataset_urn(t.name, env)
            props = {"partitions": t.partitions, "replicas": t.replicas, "retention.ms": t.configs.get("retention.ms"),
                     "cleanup.policy": t.configs.get("cleanup.policy"), "access": (t.access or "untiered").lstrip("_"),
                     "data_product": p.domain, "pii": "true" if t.pii else "false",
                     "grants": ",".join(t.grants) or None, "write_grants": ",".join(t.write_grants) or None}
            out.append(_mcp("dataset", urn, "datasetProperties", {
                "name": t.name, "description": t.description or t.summary or f"Kafka topic of {p.domain}.",
                "customProperties": {k: str(v) for k, v in props.items() if v is not None}, "tags": []}))
            out.append(_mcp("dataset", urn, "subTypes", {"typeNames": ["Topic"]}))
            out.append(_mcp("dataset", urn, "schemaMetadata", _schema(t)))
            tags = sorted({f"urn:li:tag:{safe_id(x)}" for x in t.tags} | ({PII_TAG} if t.pii else set()))
            if tags:
                out.append(_mcp("dataset", urn, "globalTags", {"tags": [{"tag": x} for x in tags]}))
            out.append(_mcp("dataset", urn, "ownership", {"owners": owners, "lastModified": EPOCH}))
            out.append(_mcp("dataset", urn, "domains", {"domains": [f"urn:li:domain:{safe_id(p.domain)}"]}))
        flow = f"urn:li:dataFlow:(specmesh,{safe_id(p.domain)},{env})"
        out.append(_mcp("dataFlow", flow, "dataFlowInfo", {"name": p.domain, "description": p.info.title or p.domain,
                                                            "customProperties": {}}))
        job = job_urn(safe_id(p.domain), env)
        out.append(_mcp("dataJob", job, "dataJobInfo", {"name": f"{p.domain} service", "type": "COMMAND",
                                                         "customProperties": {}, "flowUrn": flow}))
        io = {"inputDatasets": sorted({dataset_urn(c.name, env) for c in p.consumed if c.name in owned}),
              "outputDatasets": sorted(dataset_urn(t.name, env) for t in topics_of[p.spec_file])}
        lineages = [sorted({field_urn(c.name, r, env) for r in c.reads}) for c in p.consumed
                    if c.name in owned and c.reads]
        if lineages:  # fine-grained: the fields each consumed topic's declaration names (x-specmesh-reads)
            io["inputDatasetFields"] = sorted({u for fields in lineages for u in fields})
            io["fineGrainedLineages"] = [{"upstreamType": "FIELD_SET", "upstreams": fields, "downstreamType": "FIELD_SET",
                                          "downstreams": [], "confidenceScore": 1.0} for fields in lineages]
        out.append(_mcp("dataJob", job, "dataJobInputOutput", io))
        out.append(_mcp("dataJob", job, "ownership", {"owners": owners, "lastModified": EPOCH}))
        out.append(_mcp("dataJob", job, "domains", {"domains": [f"urn:li:domain:{safe_id(p.domain)}"]}))
    return out


def _owners(product, owner_key: str) -> list[dict]:
    owners = [{"owner": f"urn:li:corpGroup:{safe_id(owner_key)}", "type": "DATAOWNER"}]
    email = product.info.contact.get("email") if isinstance(product.info.contact, dict) else None
    if isinstance(email, str) and EMAIL.match(email.strip()):
        owners.append({"owner": f"urn:li:corpuser:{email.strip()}", "type": "TECHNICAL_OWNER"})
    return owners


def _schema(topic) -> dict:
    fields = []
    for role, schema in (("key", topic.key), ("value", topic.value)):
        if schema is None:
            continue
        for f in schema.fields:
            field = {"fieldPath": f"key.{f.name}" if role == "key" else f.name, "nullable": not f.required,
                     "type": {"type": {_type_class(f.type): {}}}, "nativeDataType": str(f.type)[:200],
                     "recursive": False, "isPartOfKey": role == "key"}
            if f.doc:
                field["description"] = f.doc
            if f.pii:
                field["globalTags"] = {"tags": [{"tag": PII_TAG}]}
            fields.append(field)
    platform_schema = {"documentSchema": _source(topic.value)}
    if topic.key is not None:
        platform_schema["keySchema"] = _source(topic.key)
    return {"schemaName": topic.name, "platform": "urn:li:dataPlatform:kafka", "version": 0, "created": EPOCH,
            "lastModified": EPOCH, "hash": "", "platformSchema": {"com.linkedin.schema.KafkaSchema": platform_schema},
            "fields": fields}


def _source(schema) -> str:
    if schema is None:
        return ""
    from ..model.flatten import plain

    return schema.document if isinstance(schema.document, str) else json.dumps(plain(schema.document), sort_keys=True)


TYPES = (("array", "ArrayType"), ("map", "MapType"), ("enum", "EnumType"), ("record", "RecordType"),
         ("object", "RecordType"), ("bool", "BooleanType"), ("bytes", "BytesType"), ("fixed", "FixedType"),
         ("date", "DateType"), ("time", "TimeType"), ("int", "NumberType"), ("long", "NumberType"),
         ("float", "NumberType"), ("double", "NumberType"), ("number", "NumberType"), ("decimal", "NumberType"),
         ("string", "StringType"), ("null", "NullType"))


def _type_class(readable: str) -> str:
    """The portal's readable type (`array<GeoPoint>`, `timestamp (ms)`, `string (date-time)`) as DataHub's class."""
    text = str(readable).lower()
    for word, cls in TYPES:
        if text.startswith(word) or (word in ("date", "time") and word in text.split(" (")[0]):
            return f"com.linkedin.schema.{cls}"
    if "timestamp" in text:
        return "com.linkedin.schema.TimeType"
    if " | " in text or text.startswith("union") or text.startswith("one of"):
        return "com.linkedin.schema.UnionType"
    return "com.linkedin.schema.StringType"


def _mcp(entity: str, urn: str, aspect: str, value: dict) -> dict:
    return {"entityType": entity, "entityUrn": urn, "changeType": "UPSERT", "aspectName": aspect,
            "aspect": {"value": json.dumps(value, sort_keys=True, ensure_ascii=False), "contentType": "application/json"}}


def to_json(items: list[dict]) -> str:
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"
