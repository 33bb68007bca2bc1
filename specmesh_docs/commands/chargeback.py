"""`specmesh storage` and `specmesh consumption`: chargeback per data product. Two commands, one
module: they differ only in the report they ask for."""

from __future__ import annotations

import argparse

from ._common import connect_timeout_argument, connection_arguments

REPORTS = {"storage": "bytes on disk and records per owned topic and data product (JSON)",
           "consumption": "consumer groups, committed offsets and lag per owned topic (JSON)"}


def register(sub) -> None:
    for name, text in REPORTS.items():
        p = sub.add_parser(name, help=text, description=text)
        p.add_argument("specs", nargs="+", metavar="SPEC")
        connection_arguments(p)
        p.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS")
        connect_timeout_argument(p)
        p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json
    import sys

    from ..exitcodes import OK
    from ..model import load_spec
    from ..provision.chargeback import consumption_report, storage_report
    from ..provision.client import client_settings
    from ..provision.kafka import Cluster
    from ._common import connect_timeout

    products = [load_spec(s) for s in args.specs]
    settings = client_settings(args.bootstrap_server, args.command_config)
    cluster = Cluster(settings, args.timeout, connect_timeout(args))
    report = storage_report(products, cluster, settings) if args.command == "storage" else consumption_report(products, cluster)
    json.dump(report, sys.stdout, indent=2)
    print()
    return OK
