"""One module per rule family; importing this package registers them all."""

from . import access, bindings, crossspec, docs, identity, meta, naming, pii, schemas, validity  # noqa: F401
