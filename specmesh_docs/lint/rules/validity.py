"""AsyncAPI validity."""

from ..engine import rule
from ..validity import blank_foreign_schemas, resolved_document, schema_version, short, validator
from ._util import locate


@rule("ASYNCAPI-SCHEMA", "error", "The spec is valid against the official AsyncAPI JSON Schema of its version (2.0-2.6, 3.0, 3.1).",
      "fix the structure the message names; see the AsyncAPI specification of the declared version",
      bad="asyncapi: '2.6.0'\nchannels: {x: {publish: {message: {payload: 3}}}}",
      good="asyncapi: '2.6.0'\ninfo: {title: X, version: '1'}\nchannels: {x: {publish: {message: {payload: {type: object}}}}}")
def asyncapi_schema(product, policy):
    declared = product.asyncapi
    version = schema_version(declared) if declared else None
    if version is None:
        where = product.document.pos("asyncapi") if "asyncapi" in product.document else product.document.pos()
        yield where, f"asyncapi version {declared or '(missing)'} is not one of 2.0-2.6, 3.0, 3.1"
        return
    instance = (resolved_document(product.document, product.resolve) if product.resolve  # a plain copy: no positions
                else blank_foreign_schemas(product.document))
    if version.startswith("3"):
        yield from _v3_operation_messages(product.document)
    v = validator(version)
    if v.is_valid(instance):
        return
    for error in v.iter_errors(instance):
        path = list(error.instance_path)
        if _reference_ambiguity(error, instance, path):
            continue
        where = locate(product.document, *path)
        yield where, short(f"{'/'.join(map(str, path)) or '(root)'}: {error.message}")


def _reference_ambiguity(error, instance: object, path: list) -> bool:
    """AsyncAPI 2.0's schema lets a bare `{$ref: ...}` match both a Reference and a Parameter
    (whose own `$ref` field is legal), so `oneOf` reports it valid twice; the official parser
    accepts it, and so do we."""
    if "valid under more than one of the schemas listed in the 'oneOf'" not in error.message:
        return False
    node = instance
    for key in path:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return False
    return isinstance(node, dict) and set(node) == {"$ref"}


def _v3_operation_messages(doc) -> object:
    """AsyncAPI 3: an operation's messages are messages of its channel (the official parser's
    semantic check; the JSON Schema alone cannot say it)."""
    operations = doc.get("operations") if hasattr(doc, "get") else None
    if not hasattr(operations, "items"):
        return
    for name, op in operations.items():
        channel = op.get("channel") if hasattr(op, "get") else None
        channel_ref = channel.get("$ref") if hasattr(channel, "get") else None
        messages = op.get("messages") if hasattr(op, "get") else None
        if not (isinstance(channel_ref, str) and channel_ref.startswith("#/channels/") and isinstance(messages, list)):
            continue
        for i, message in enumerate(messages):
            ref = message.get("$ref") if hasattr(message, "get") else None
            if isinstance(ref, str) and not ref.startswith(channel_ref + "/messages/"):
                yield (locate(doc, "operations", name, "messages", i),
                       f"operations/{name}/messages/{i}: {ref} is not a message of the operation's channel "
                       f"({channel_ref}/messages/...)")
