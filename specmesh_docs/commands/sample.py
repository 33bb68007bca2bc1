"""`specmesh sample SPEC`: valid test records for each owned topic's key and value schemas."""

from __future__ import annotations

import argparse

HELP = "valid test records for a topic's key and value schemas (JSON lines)"


def register(sub) -> None:
    p = sub.add_parser("sample", help=HELP, description="valid test records for each owned topic's key and value "
                       "schemas, one JSON line {topic, key, value} per record (Avro, JSON Schema, Protobuf in its "
                       "JSON mapping)")
    p.add_argument("spec", metavar="SPEC")
    p.add_argument("--topic", metavar="T", help="one topic (full name or channel); default every owned topic")
    p.add_argument("-n", type=int, default=1, metavar="N", help="records per topic (default 1)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="the same seed gives the same records")
    p.add_argument("--boundary", action="store_true",
                   help="edge values: empty strings, min/max numbers, longest enum symbol, null branches, empty lists")
    p.add_argument("--root", metavar="DIR", help="where /-refs start (as for show)")
    p.add_argument("--max-length", type=int, default=4096, metavar="N",
                   help="longest string (characters) or bytes value a record may hold (default 4096)")
    p.add_argument("--max-items", type=int, default=100, metavar="N",
                   help="most elements of one array or map (default 100)")
    p.add_argument("--max-nodes", type=int, default=100_000, metavar="N",
                   help="most values in one record (default 100000); a schema needing more is refused, said why")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json

    from ..errors import SpecError
    from ..exitcodes import OK, USAGE
    from ..sample import Caps, records
    from ._common import spec_with_policy

    product = spec_with_policy(args)
    if product.problems:  # a schema that could not be read has no records: say why, exit 2
        from ._common import print_problems

        print_problems(product)
        return USAGE
    topics = [t for t in product.topics if args.topic in (None, t.name, t.channel)]
    if not topics:
        raise SpecError(f"{args.spec}: no owned topic {args.topic!r} (owned: {', '.join(t.name for t in product.topics) or 'none'})")
    if not 1 <= args.n <= 100_000:
        raise SpecError(f"-n is a count of records in [1, 100000], not {args.n}")
    for name, value, top in (("--max-length", args.max_length, 16 * 1024 * 1024), ("--max-items", args.max_items, 100_000),
                             ("--max-nodes", args.max_nodes, 10_000_000)):
        if not 1 <= value <= top:
            raise SpecError(f"{name} is in [1, {top}], not {value}")
    caps = Caps(args.max_length, args.max_items, args.max_nodes)
    for t in topics:
        keys = records(t.key, args.n, args.seed, args.boundary, caps)
        values = records(t.value, args.n, args.seed + 1, args.boundary, caps)
        for key, value in zip(keys, values):
            print(json.dumps({"topic": t.name, "key": key, "value": value}, ensure_ascii=False,
                             default=lambda b: b.decode("latin-1")))  # Avro's JSON encoding of bytes
    return OK
