"""`specmesh catalog export`: the data products for the catalogue an organisation has."""

from __future__ import annotations

import argparse

HELP = "publish the data products to a catalogue: Backstage, DataHub or catalog.json"


def register(sub) -> None:
    p = sub.add_parser("catalog", help=HELP, description="publish the data products to the catalogue an organisation has")
    actions = p.add_subparsers(dest="catalog_command", required=True, metavar="export")
    exp = actions.add_parser("export", help="write Backstage entities, DataHub change proposals or catalog.json",
                             description="write Backstage entities (catalog-info.yaml), DataHub metadata change "
                                         "proposals (datahub-mcps.json) or catalog.json into DIR")
    exp.add_argument("sources", nargs="*", metavar="SOURCE", help="directories or git URLs (URL#ref), as portal build")
    exp.add_argument("--format", required=True, choices=("backstage", "datahub", "json"))
    exp.add_argument("--out", required=True, metavar="DIR")
    exp.add_argument("--config", metavar="FILE", help="portal.yaml: sources")
    exp.add_argument("--env", default="PROD", metavar="ENV", help="DataHub environment of the datasets (default PROD)")
    exp.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..publish.run import catalog_export

    return catalog_export(args.sources, args.config, args.format, args.out, args.env)
