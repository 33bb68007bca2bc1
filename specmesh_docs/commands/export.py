"""`specmesh export`: one AsyncAPI spec per domain from what a live cluster (and registry) holds."""

from __future__ import annotations

import argparse

from ._common import connect_timeout_argument, connection_arguments

HELP = "write one AsyncAPI spec per domain from what a live cluster holds"


def register(sub) -> None:
    p = sub.add_parser("export", help=HELP, description="write one AsyncAPI spec per domain from what a live cluster "
                       "(and registry) holds (exit 1 when a --domain has no topic)")
    p.add_argument("--out", required=True, metavar="DIR", help="DIR/<domain>/<domain>-api.yaml and its schema/ files")
    p.add_argument("--domain", action="append", metavar="D", help="export this domain (repeatable)")
    p.add_argument("--all", action="store_true",
                   help="every domain found: owners of PREFIXED WRITE bindings D., and names D.<access>.<name>")
    p.add_argument("--format", choices=("asyncapi-2", "asyncapi-3"), default="asyncapi-2")
    connection_arguments(p, java_files=True)
    p.add_argument("--schema-registry", metavar="URL", help="read key and value schemas (<topic>-key, <topic>-value) "
                   "from there (default: schema.registry.url in --command-config or $SPECMESH_SCHEMA_REGISTRY_URL)")
    p.add_argument("--config", metavar="FILE", help="the organisation's policy: delimiter, access words, principal format")
    p.add_argument("--report", metavar="FILE", help="also write the report as JSON")
    p.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS", help="per admin request")
    connect_timeout_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..errors import SpecError
    from ..export.run import ExportOptions, export
    from ._common import connect_timeout

    if bool(args.all) == bool(args.domain):
        raise SpecError("give --domain D (repeatable) or --all")
    return export(ExportOptions(bootstrap=args.bootstrap_server, command_config=args.command_config, out=args.out,
                                domains=None if args.all else args.domain, fmt=args.format,
                                schema_registry=args.schema_registry, config=args.config, report=args.report,
                                timeout=args.timeout, connect_timeout=connect_timeout(args)))
