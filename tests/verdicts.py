"""The verdict table: schema changes and whether each is compatible BACKWARD (new reads old) and
FORWARD (old reads new). Not this project's opinion: every Avro and JSON Schema row is what a real
Confluent-compatible registry (Apicurio, scripts/registry-dev) answered, and tests/e2e/test_verdicts.py
asks it again on every run; every Protobuf row is what `buf breaking --against` run directly
(WIRE rules, new against old) answers, asked again by tests/unit/test_verdicts.py. Those unit tests
then hold the offline checker (specmesh_docs.compat) to the same table."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Row:
    name: str
    format: str  # avro | json | protobuf
    old: object
    new: object
    backward: bool
    forward: bool
    old_refs: dict = field(default_factory=dict)  # referenced schemas: name -> document (registered first)
    new_refs: dict = field(default_factory=dict)


def record(*fields, name="Order", **extra) -> dict:
    return {"type": "record", "name": name, "namespace": "acme.orders", "fields": list(fields), **extra}


ID = {"name": "id", "type": "string"}
LINE = record({"name": "sku", "type": "string"}, {"name": "price", "type": "acme.orders.Money"}, name="Line")
MONEY = record({"name": "amount", "type": "long"}, name="Money")
MONEY_CURRENCY = record({"name": "amount", "type": "long"}, {"name": "currency", "type": "string"}, name="Money")
MONEY_CURRENCY_DEFAULT = record({"name": "amount", "type": "long"},
                                {"name": "currency", "type": "string", "default": "EUR"}, name="Money")
ENUM = {"type": "enum", "name": "State", "symbols": ["NEW", "PAID"]}

AVRO = [
    Row("field added with a default", "avro", record(ID), record(ID, {"name": "n", "type": "int", "default": 0}), True, True),
    Row("field added without a default", "avro", record(ID), record(ID, {"name": "n", "type": "int"}), False, True),
    Row("field removed that had a default", "avro", record(ID, {"name": "n", "type": "int", "default": 0}), record(ID),
        True, True),
    Row("field removed without a default", "avro", record(ID, {"name": "n", "type": "int"}), record(ID), True, False),
    Row("int promoted to long", "avro", record({"name": "n", "type": "int"}), record({"name": "n", "type": "long"}),
        True, False),
    Row("long narrowed to int", "avro", record({"name": "n", "type": "long"}), record({"name": "n", "type": "int"}),
        False, True),
    Row("float promoted to double", "avro", record({"name": "n", "type": "float"}),
        record({"name": "n", "type": "double"}), True, False),
    Row("string to bytes", "avro", record({"name": "s", "type": "string"}), record({"name": "s", "type": "bytes"}),
        True, True),
    Row("string to long", "avro", record({"name": "s", "type": "string"}), record({"name": "s", "type": "long"}),
        False, False),
    Row("enum symbol added", "avro", record({"name": "e", "type": ENUM}),
        record({"name": "e", "type": {**ENUM, "symbols": ["NEW", "PAID", "SHIPPED"]}}), True, False),
    Row("enum symbol removed", "avro", record({"name": "e", "type": ENUM}),
        record({"name": "e", "type": {**ENUM, "symbols": ["NEW"]}}), False, True),
    Row("enum symbol added, reader default", "avro", record({"name": "e", "type": {**ENUM, "default": "NEW"}}),
        record({"name": "e", "type": {**ENUM, "symbols": ["NEW", "PAID", "SHIPPED"], "default": "NEW"}}), True, True),
    Row("union branch added", "avro", record({"name": "u", "type": ["null", "string"]}),
        record({"name": "u", "type": ["null", "string", "long"]}), True, False),
    Row("union branch removed", "avro", record({"name": "u", "type": ["null", "string", "long"]}),
        record({"name": "u", "type": ["null", "string"]}), False, True),
    Row("made optional (union with null)", "avro", record({"name": "s", "type": "string"}),
        record({"name": "s", "type": ["null", "string"], "default": None}), True, False),
    Row("nested record: field added without a default", "avro",
        record({"name": "c", "type": record({"name": "x", "type": "string"}, name="C")}),
        record({"name": "c", "type": record({"name": "x", "type": "string"}, {"name": "y", "type": "string"}, name="C")}),
        False, True),
    Row("array items promoted", "avro", record({"name": "l", "type": {"type": "array", "items": "int"}}),
        record({"name": "l", "type": {"type": "array", "items": "long"}}), True, False),
    Row("map values changed", "avro", record({"name": "m", "type": {"type": "map", "values": "string"}}),
        record({"name": "m", "type": {"type": "map", "values": "long"}}), False, False),
    Row("record renamed with an alias", "avro", record(ID, name="Order"), record(ID, name="Purchase", aliases=["acme.orders.Order"]),
        True, False),
    Row("record renamed without an alias", "avro", record(ID, name="Order"), record(ID, name="Purchase"), False, False),
    Row("field renamed with an alias", "avro", record({"name": "n", "type": "int"}),
        record({"name": "m", "type": "int", "aliases": ["n"]}), True, False),
    Row("fixed size changed", "avro", record({"name": "f", "type": {"type": "fixed", "name": "F", "size": 4}}),
        record({"name": "f", "type": {"type": "fixed", "name": "F", "size": 8}}), False, False),
    Row("reference one level deep: field added without a default", "avro",
        record(ID, {"name": "total", "type": "acme.orders.Money"}), record(ID, {"name": "total", "type": "acme.orders.Money"}),
        False, True, {"acme.orders.Money": MONEY}, {"acme.orders.Money": MONEY_CURRENCY}),
    Row("references two levels deep: field added with a default", "avro",
        record(ID, {"name": "line", "type": "acme.orders.Line"}), record(ID, {"name": "line", "type": "acme.orders.Line"}),
        True, True, {"acme.orders.Money": MONEY, "acme.orders.Line": LINE},
        {"acme.orders.Money": MONEY_CURRENCY_DEFAULT, "acme.orders.Line": LINE}),
    Row("references two levels deep: field added without a default", "avro",
        record(ID, {"name": "line", "type": "acme.orders.Line"}), record(ID, {"name": "line", "type": "acme.orders.Line"}),
        False, True, {"acme.orders.Money": MONEY, "acme.orders.Line": LINE},
        {"acme.orders.Money": MONEY_CURRENCY, "acme.orders.Line": LINE}),
]


def obj(props: dict, **extra) -> dict:
    return {"type": "object", "properties": props, **extra}


S, N, I = {"type": "string"}, {"type": "number"}, {"type": "integer"}

JSON = [
    Row("optional property added, open model", "json", obj({"a": S}), obj({"a": S, "b": S}), False, True),
    Row("untyped property added, open model", "json", obj({"a": S}), obj({"a": S, "b": {}}), False, True),
    Row("optional property removed, open model", "json", obj({"a": S, "b": S}), obj({"a": S}), True, False),
    Row("required property added", "json", obj({"a": S}), obj({"a": S, "b": S}, required=["b"]), False, True),
    Row("required dropped", "json", obj({"a": S}, required=["a"]), obj({"a": S}), True, False),
    Row("enum value removed", "json", obj({"s": {"enum": ["A", "B"]}}), obj({"s": {"enum": ["A"]}}), False, True),
    Row("enum value added", "json", obj({"s": {"enum": ["A"]}}), obj({"s": {"enum": ["A", "B"]}}), True, False),
    Row("integer widened to number", "json", obj({"n": I}), obj({"n": N}), True, False),
    Row("number narrowed to integer", "json", obj({"n": N}), obj({"n": I}), False, True),
    Row("string to integer", "json", obj({"n": S}), obj({"n": I}), False, False),
    Row("model closed", "json", obj({"a": S}), obj({"a": S}, additionalProperties=False), False, True),
    Row("model opened", "json", obj({"a": S}, additionalProperties=False), obj({"a": S}), True, False),
    Row("property added to a closed model", "json", obj({"a": S}, additionalProperties=False),
        obj({"a": S, "b": S}, additionalProperties=False), True, False),
    Row("property added to a partially open model it fits", "json", obj({"a": S}, additionalProperties=S),
        obj({"a": S, "b": S}, additionalProperties=S), True, False),
    Row("maxLength added", "json", obj({"a": S}), obj({"a": {**S, "maxLength": 5}}), False, True),
    Row("nested required property added", "json", obj({"c": obj({"x": S})}), obj({"c": obj({"x": S}, required=["x"])}),
        False, True),
    Row("array items changed", "json", obj({"l": {"type": "array", "items": S}}), obj({"l": {"type": "array", "items": I}}),
        False, False),
    Row("untyped object typed", "json", {"properties": {"a": S}}, obj({"a": S}), True, True),
    Row("map value type changed", "json", obj({"m": obj({}, additionalProperties=I)}),
        obj({"m": obj({}, additionalProperties=S)}), False, False),
    Row("map value type widened", "json", obj({"m": obj({}, additionalProperties=I)}),
        obj({"m": obj({}, additionalProperties=N)}), True, False),
    Row("enum behind a $ref to definitions: value removed", "json",
        {**obj({"s": {"$ref": "#/definitions/S"}}), "definitions": {"S": {"enum": ["A", "B"]}}},
        {**obj({"s": {"$ref": "#/definitions/S"}}), "definitions": {"S": {"enum": ["A"]}}}, False, True),
    Row("required property added behind two $ref levels", "json",
        {**obj({"c": {"$ref": "#/definitions/C"}}), "definitions": {
            "C": obj({"a": {"$ref": "#/definitions/A"}}), "A": obj({"zip": S})}},
        {**obj({"c": {"$ref": "#/definitions/C"}}), "definitions": {
            "C": obj({"a": {"$ref": "#/definitions/A"}}), "A": obj({"zip": S}, required=["zip"])}}, False, True),
]

P = 'syntax = "proto3";\npackage acme.orders;\nmessage Order {\n%s\n}\n'
PROTO_V1 = P % "  string id = 1;\n  int64 total = 2;"
PROTOBUF = [
    Row("field added", "protobuf", PROTO_V1, P % "  string id = 1;\n  int64 total = 2;\n  string note = 3;", True, True),
    Row("field removed without reserving its number", "protobuf", PROTO_V1, P % "  string id = 1;", False, False),
    Row("field removed, number reserved", "protobuf", PROTO_V1, P % "  string id = 1;\n  reserved 2;", True, True),
    Row("number reused with another wire type", "protobuf", PROTO_V1, P % "  string id = 1;\n  string total = 2;",
        False, False),
    Row("int32 to int64 (same varint)", "protobuf", P % "  int32 n = 1;", P % "  int64 n = 1;", True, True),
    Row("field renamed, same number and type", "protobuf", PROTO_V1, P % "  string id = 1;\n  int64 amount = 2;",
        True, True),
    Row("enum value removed without reserving", "protobuf",
        'syntax = "proto3";\npackage acme.orders;\nenum S {\n  S_UNKNOWN = 0;\n  S_PAID = 1;\n}\nmessage Order {\n  S s = 1;\n}\n',
        'syntax = "proto3";\npackage acme.orders;\nenum S {\n  S_UNKNOWN = 0;\n}\nmessage Order {\n  S s = 1;\n}\n',
        False, False),
]

ROWS = AVRO + JSON + PROTOBUF


def schemas(row: Row):
    """(old, new) as the offline checker reads them."""
    from specmesh_docs.model.schemas import Schema, inline_refs, local_deref

    def one(doc, refs):
        if row.format == "json":
            return Schema("json", [], document=doc, resolved=inline_refs(doc, local_deref(doc, refs), None))
        return Schema(row.format, [], document=doc, named=dict(refs))

    return one(row.old, row.old_refs), one(row.new, row.new_refs)
