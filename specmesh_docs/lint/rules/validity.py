"""AsyncAPI validity."""

from ..engine import rule
from ..validity import most_specific, resolution, schema_version, short, validator
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
    resolved = resolution(product)
    instance = resolved.instance  # a plain copy: no positions
    yield from resolved.invalid
    if version.startswith("3"):
        yield from _v3_operation_messages(product.document)
    else:
        yield from _v2_undefined_security(product.document)
    v = validator(version)
    if v.is_valid(instance):
        return
    for error in v.iter_errors(instance):
        if _reference_ambiguity(error, instance, list(error.instance_path)):
            continue
        error = most_specific(error)
        path = list(error.instance_path)
        yield locate(product.document, *path), short(f"{'/'.join(map(str, path)) or '(root)'}: {error.message}")


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


def _v2_undefined_security(doc) -> object:
    """AsyncAPI 2: a server's or operation's `security` names schemes of components.securitySchemes
    (the official parser's semantic check)."""
    components = doc.get("components") if hasattr(doc, "get") else None
    schemes = components.get("securitySchemes") if hasattr(components, "get") else None
    defined = set(schemes) if hasattr(schemes, "keys") else set()
    for path, requirements in _security_lists(doc):
        for i, requirement in enumerate(requirements):
            for name in requirement if hasattr(requirement, "keys") else ():
                if name not in defined:
                    yield (locate(doc, *path, i, name),
                           f"{'/'.join(map(str, path))}/{i}: security scheme {name!r} is not defined in "
                           "components/securitySchemes")


def _security_lists(doc):
    servers = doc.get("servers") if hasattr(doc, "get") else None
    for name, server in servers.items() if hasattr(servers, "items") else ():
        if hasattr(server, "get") and isinstance(server.get("security"), list):
            yield ("servers", name, "security"), server["security"]
    channels = doc.get("channels") if hasattr(doc, "get") else None
    for name, channel in channels.items() if hasattr(channels, "items") else ():
        for verb in ("publish", "subscribe"):
            op = channel.get(verb) if hasattr(channel, "get") else None
            if hasattr(op, "get") and isinstance(op.get("security"), list):
                yield ("channels", name, verb, "security"), op["security"]
