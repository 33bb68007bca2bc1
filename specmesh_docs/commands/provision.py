"""`specmesh provision SPEC ...`: plan and apply topics, ACLs and schemas (the release pipeline)."""

from __future__ import annotations

import argparse

from ._common import connect_timeout_argument, connection_arguments

HELP = "plan and apply topics and ACLs to Kafka"


def register(sub) -> None:
    p = sub.add_parser("provision", help=HELP, description="plan and apply topics, ACLs and schemas (exit 0 only "
                       "when the cluster and the registry serve every change)")
    p.add_argument("specs", nargs="*", metavar="SPEC")
    connection_arguments(p)
    p.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    p.add_argument("--plan-out", metavar="FILE", help="save the plan (JSON) and change nothing")
    p.add_argument("--plan", metavar="FILE", help="apply exactly this saved plan")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--owner-principal", metavar="P", help="owner principal (default User:<domain id>)")
    p.add_argument("--partition-count-factor", type=float, default=1.0, metavar="F", help="in (0, 1]")
    p.add_argument("--clean-unspecified", action="store_true",
                   help="delete topics and schema subjects the spec no longer has (with --allow-delete)")
    p.add_argument("--allow-delete", metavar="KINDS", help="what clean-up may delete: topics,schemas "
                   "(acls is implied: bindings the spec does not imply are always revoked)")
    p.add_argument("--keep-undeclared-acls", action="store_true",
                   help="keep bindings in the domain's scope that the spec does not imply (listed as drift)")
    p.add_argument("--detailed-exitcode", action="store_true",
                   help="with --dry-run or --plan-out: exit 3 when changes are pending, 0 when none")
    p.add_argument("--wait", type=float, metavar="SECONDS",
                   help="how long to wait for the cluster to serve every change (default: scaled to the plan)")
    p.add_argument("--config", metavar="FILE",
                   help="the organisation's policy file (default: $SPECMESH_POLICY); a team specmesh.yaml may only tighten it")
    p.add_argument("--policy-from-repo", action="store_true",
                   help="without an organisation policy, trust the specmesh.yaml found upwards from the specs")
    p.add_argument("--catalog", action="append", metavar="DIR|catalog.json|URL",
                   help="other repos' specs, for cross-spec lint rules (a checkout or a portal's catalog.json)")
    p.add_argument("--baseline", metavar="FILE",
                   help="lint findings recorded in this baseline (`specmesh lint --write-baseline`) do not block; "
                        "new ones still do (adopting an estate with known debt)")
    p.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS", help="per admin request")
    connect_timeout_argument(p)
    p.add_argument("--schema-registry", metavar="URL",
                   help="register key and value schemas there (Confluent REST API; default: schema.registry.url in "
                        "--command-config or $SPECMESH_SCHEMA_REGISTRY_URL); credentials from schema.registry.* "
                        "in --command-config or SPECMESH_SCHEMA_REGISTRY_*")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..errors import SpecError
    from ..provision.run import Options, parse_allow_delete, provision
    from ._common import connect_timeout

    if args.plan and args.specs:
        raise SpecError("give either SPEC files or --plan FILE, not both")
    if not args.plan and not args.specs:
        raise SpecError("give SPEC files to provision, or --plan FILE")
    opts = Options(specs=args.specs, bootstrap=args.bootstrap_server, command_config=args.command_config,
                   dry_run=args.dry_run, plan_out=args.plan_out, plan_in=args.plan, fmt=args.format,
                   owner_principal=args.owner_principal, factor=args.partition_count_factor,
                   clean=args.clean_unspecified, allow_delete=parse_allow_delete(args.allow_delete),
                   config=args.config, policy_from_repo=args.policy_from_repo, timeout=args.timeout,
                   schema_registry=args.schema_registry, catalog=args.catalog or [], keep_acls=args.keep_undeclared_acls,
                   detailed_exitcode=args.detailed_exitcode, wait=args.wait, connect_timeout=connect_timeout(args),
                   baseline=args.baseline)
    return provision(opts)
