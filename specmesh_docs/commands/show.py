"""`specmesh show SPEC`: the normalized model of one spec."""

from __future__ import annotations

import argparse

from ._common import spec_argument

HELP = "print the normalized model of one spec"


def register(sub) -> None:
    p = sub.add_parser("show", help=HELP, description=HELP)
    spec_argument(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json
    import sys

    from ..exitcodes import OK, USAGE
    from ._common import print_problems, spec_with_policy

    product = spec_with_policy(args)
    if args.json:
        json.dump(product.to_dict(), sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        print(render_product(product))
    print_problems(product)
    return USAGE if product.problems else OK


def render_product(product) -> str:
    """A terminal summary of the model (one line per item: values' line breaks are shown, not obeyed)."""
    from ..output import one_line

    reading = {"specmesh": "; v2 operations read as SpecMesh: publish = produces",
               "asyncapi": "; v2 operations read as AsyncAPI: subscribe = produces"}.get(product.operations_reading, "")
    lines = [f"{product.domain}  ({product.spec_file}, AsyncAPI {product.asyncapi or '?'}{reading})",
             f"  owner: {product.owner_principal}   title: {product.info.title}   version: {product.info.version}"]
    for t in product.topics:
        sizing = f"partitions={t.partitions} replicas={t.replicas}"
        lines.append(f"  owns     {t.name}  [{t.access or 'untiered'}] {sizing}{'  PII' if t.pii else ''}"
                     f"{'' if t.kafka else '  (not a Kafka channel: listed, not provisioned)'}")
        if t.grants:
            lines.append(f"           grants: {', '.join(t.grants)}")
        for label, schema in (("key", t.key), ("value", t.value)):
            if schema:
                lines.append(f"           {label}: {schema.format} {schema.full_name or schema.type} ({len(schema.fields)} fields)")
    for c in product.consumed:
        lines.append(f"  consumes {c.name}  [{c.access or 'untiered'}]")
    for name in product.idle_channels:
        lines.append(f"  channel  {name}  (no operation sends or receives on it)")
    return "\n".join(one_line(line) for line in lines)
