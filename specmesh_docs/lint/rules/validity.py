"""AsyncAPI validity."""

from ..engine import rule
from ..validity import blank_foreign_schemas, schema_version, short, validator
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
    instance = blank_foreign_schemas(product.document)  # also a plain copy: no position data
    v = validator(version)
    if v.is_valid(instance):
        return
    for error in v.iter_errors(instance):
        path = list(error.instance_path)
        where = locate(product.document, *path)
        yield where, short(f"{'/'.join(map(str, path)) or '(root)'}: {error.message}")
