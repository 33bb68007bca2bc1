"""`specmesh`: one subcommand per capability. Imports are lazy so `lint` starts fast."""

from __future__ import annotations

import argparse
import json
import os
import sys

from . import __version__
from .errors import SpecError

from .exitcodes import FINDINGS as EXIT_FINDINGS, OK as EXIT_OK, USAGE as EXIT_USAGE


def _print_problems(product) -> None:
    err = sys.stderr
    for problem in product.problems:
        print(problem, file=err)
    for note in product.notes:
        print(str(note).replace(": error: ", ": warning: ", 1), file=err)


def spec_with_policy(args: argparse.Namespace):
    """One spec read as lint reads it: with the policy found for it (principal, domain_from, v2 reading)."""
    from pathlib import Path

    from .policy import PolicyCache, org_policy_path
    from .model import load_spec

    policy = PolicyCache(org_policy_path(None)).for_spec(Path(args.spec))
    return load_spec(args.spec, root=args.root, principal_format=policy.principal_format,
                     domain_from=policy.domain_from, v2_operations=policy.v2_operations)


def cmd_show(args: argparse.Namespace) -> int:
    product = spec_with_policy(args)
    if args.json:
        json.dump(product.to_dict(), sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        print(render_product(product))
    _print_problems(product)
    return EXIT_USAGE if product.problems else EXIT_OK


def render_product(product) -> str:
    """A terminal summary of the model (one line per item: values' line breaks are shown, not obeyed)."""
    from .output import one_line

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


def cmd_flatten(args: argparse.Namespace) -> int:
    import yaml

    from .model.flatten import flatten

    product = spec_with_policy(args)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    sys.stdout.write(yaml.dump(flatten(product), Dumper=dumper, sort_keys=False, allow_unicode=True))
    _print_problems(product)
    return EXIT_USAGE if product.problems else EXIT_OK


def _parse_outputs(specs: list[str] | None) -> list[tuple[str, str | None]]:
    """`FMT` writes to stdout, `FMT:FILE` to a file; text is the default."""
    from .lint.report import FORMATS

    outputs = []
    for spec in specs or ["text"]:
        fmt, _, target = spec.partition(":")
        if fmt not in FORMATS:
            raise SpecError(f"--format {spec!r}: the format is one of {', '.join(FORMATS)} (optionally FMT:FILE)")
        outputs.append((fmt, target or None))
    if sum(1 for _, target in outputs if target is None) > 1:
        raise SpecError("--format: only one output can go to stdout; give the others a file (FMT:FILE)")
    return outputs


def cmd_lint(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .lint.engine import SEVERITY_RANK
    from .lint.report import RENDER, summary_line
    from .lint.runner import lint

    outputs = _parse_outputs(args.format)
    result = lint(args.paths, args.catalog or [], args.config, jobs=args.jobs, root=args.root)
    if args.write_baseline:
        from .lint.baseline import unreadable, write_baseline

        write_baseline(Path(args.write_baseline), result.findings + unreadable(result.errors))
        print(f"{summary_line(result)}; wrote {len(result.findings)} finding(s) and {len(result.errors)} unreadable "
              f"spec(s) to {args.write_baseline}", file=sys.stderr)
        return EXIT_OK
    if args.baseline:
        from .lint.baseline import apply_baseline, unreadable

        result.findings, result.baselined = apply_baseline(Path(args.baseline), result.findings)
        as_findings = unreadable(result.errors)  # a recorded unreadable spec is baselined like a finding
        new_errors, known_errors = apply_baseline(Path(args.baseline), as_findings)
        kept = {id(f) for f in new_errors}
        result.errors = [e for e, f in zip(result.errors, as_findings) if id(f) in kept]
        result.baselined += known_errors
    for fmt, target in outputs:
        text = RENDER[fmt](result)
        if target is None:
            sys.stdout.write(text)
        else:
            Path(target).write_text(text, encoding="utf-8")
    for error in result.errors:
        print(error, file=sys.stderr)
    if not result.files:
        print(f"specmesh: no spec files in {', '.join(args.paths)} (names matching {', '.join(result.patterns)}, "
              "or any file a spec references; the policy's spec_patterns changes the names)", file=sys.stderr)
    print(summary_line(result), file=sys.stderr)
    if result.errors or (not result.files and not args.allow_empty):
        return EXIT_USAGE
    threshold = SEVERITY_RANK[args.fail_on]
    return EXIT_FINDINGS if any(SEVERITY_RANK[f.severity] >= threshold for f in result.findings) else EXIT_OK


def cmd_provision(args: argparse.Namespace) -> int:
    from .provision.run import Options, parse_allow_delete, provision

    if args.plan and args.specs:
        raise SpecError("give either SPEC files or --plan FILE, not both")
    if not args.plan and not args.specs:
        raise SpecError("give SPEC files to provision, or --plan FILE")
    opts = Options(specs=args.specs, bootstrap=args.bootstrap_server, command_config=args.command_config,
                   dry_run=args.dry_run, plan_out=args.plan_out, plan_in=args.plan, fmt=args.format,
                   owner_principal=args.owner_principal, factor=args.partition_count_factor,
                   clean=args.clean_unspecified, allow_delete=parse_allow_delete(args.allow_delete),
                   config=args.config, policy_from_repo=args.policy_from_repo, timeout=args.timeout, schema_registry=args.schema_registry,
                   catalog=args.catalog or [], keep_acls=args.keep_undeclared_acls,
                   detailed_exitcode=args.detailed_exitcode, wait=args.wait, connect_timeout=_connect_timeout(args))
    return provision(opts)


def _connect_timeout(args: argparse.Namespace) -> float:
    from .errors import seconds_from_env

    if args.connect_timeout is not None:
        if not 0 < args.connect_timeout <= 600:
            raise SpecError(f"--connect-timeout is a number of seconds in (0, 600], not {args.connect_timeout:g}")
        return args.connect_timeout
    return seconds_from_env("SPECMESH_CONNECT_TIMEOUT", 10.0, 600.0)


def cmd_diff(args: argparse.Namespace) -> int:
    from .diff.report import RENDER, summary
    from .diff.run import run_diff

    result = run_diff(args.base, args.head, args.catalog or [], args.config, args.dirs)
    sys.stdout.write(RENDER[args.format](result))
    if args.format != "text":
        print(summary(result), file=sys.stderr)
    failing = ("breaking", "risky") if args.fail_on == "risky" else ("breaking",)
    return EXIT_FINDINGS if any(c.severity in failing for c in result.changes) else EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from .export.run import ExportOptions, export

    if bool(args.all) == bool(args.domain):
        raise SpecError("give --domain D (repeatable) or --all")
    return export(ExportOptions(bootstrap=args.bootstrap_server, command_config=args.command_config, out=args.out,
                                domains=None if args.all else args.domain, fmt=args.format,
                                schema_registry=args.schema_registry, config=args.config, report=args.report,
                                timeout=args.timeout, connect_timeout=_connect_timeout(args)))


def cmd_catalog(args: argparse.Namespace) -> int:
    from .publish.run import catalog_export

    return catalog_export(args.sources, args.config, args.format, args.out, args.env)


def cmd_sample(args: argparse.Namespace) -> int:
    from .sample import records

    product = spec_with_policy(args)
    topics = [t for t in product.topics if args.topic in (None, t.name, t.channel)]
    if not topics:
        raise SpecError(f"{args.spec}: no owned topic {args.topic!r} (owned: {', '.join(t.name for t in product.topics) or 'none'})")
    if not 1 <= args.n <= 100_000:
        raise SpecError(f"-n is a count of records in [1, 100000], not {args.n}")
    for t in topics:
        keys = records(t.key, args.n, args.seed, args.boundary)
        values = records(t.value, args.n, args.seed + 1, args.boundary)
        for key, value in zip(keys, values):
            print(json.dumps({"topic": t.name, "key": key, "value": value}, ensure_ascii=False,
                             default=lambda b: b.decode("latin-1")))  # Avro's JSON encoding of bytes
    return EXIT_OK


def cmd_chargeback(args: argparse.Namespace) -> int:
    from .provision.chargeback import consumption_report, storage_report
    from .provision.client import client_settings
    from .provision.kafka import Cluster
    from .model import load_spec

    products = [load_spec(s) for s in args.specs]
    settings = client_settings(args.bootstrap_server, args.command_config)
    cluster = Cluster(settings, args.timeout, _connect_timeout(args))
    report = storage_report(products, cluster, settings) if args.command == "storage" else consumption_report(products, cluster)
    json.dump(report, sys.stdout, indent=2)
    print()
    return EXIT_OK


def cmd_portal(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .portal.build import build, portal_settings, serve

    settings = portal_settings(args.sources, args.config, args.metrics or [], args.title, args.templates)
    if args.action == "serve":
        serve(settings, args.dev_addr)
        return EXIT_OK
    build(settings, Path(args.out))
    print(f"portal written to {args.out}", file=sys.stderr)
    return EXIT_OK


def cmd_rules(args: argparse.Namespace) -> int:
    from .lint.engine import all_rules

    rules = all_rules()
    if not args.rule:
        for r in sorted(rules.values(), key=lambda r: r.id):
            print(f"{r.id:<24} {r.severity:<8} {r.summary}")
        return EXIT_OK
    r = rules.get(args.rule)
    if r is None:
        print(f"specmesh: no rule {args.rule!r} (see `specmesh rules`)", file=sys.stderr)
        return EXIT_USAGE
    print(f"{r.id} ({r.severity}, {r.scope})\n\n{r.summary}\n\nFix: {r.hint}")
    if r.bad:
        print(f"\nBad:\n{r.bad}")
    if r.good:
        print(f"\nGood:\n{r.good}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="specmesh", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--version", action="version", version=f"specmesh {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    def spec_command(name: str, help_text: str, func) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("spec", metavar="SPEC", help="AsyncAPI spec file (YAML or JSON)")
        p.add_argument("--root", metavar="DIR",
                       help="where '/'-refs start and the boundary no $ref may cross "
                            "(default: '/'-refs from the spec's directory, boundary at its git work tree)")
        p.set_defaults(func=func)
        return p

    show = spec_command("show", "print the normalized model of one spec", cmd_show)
    show.add_argument("--json", action="store_true", help="machine-readable output")
    spec_command("flatten", "print the spec with canonical (full) topic names, as SpecMesh's flatten", cmd_flatten)

    lint = sub.add_parser("lint", help="check specs against the rules and the org policy",
                          description="check specs against the rules and the org policy")
    lint.add_argument("paths", nargs="*", default=["."], metavar="PATH", help="spec files or directories (default: .)")
    lint.add_argument("--catalog", action="append", metavar="DIR|catalog.json|URL",
                      help="other repos' specs, for cross-spec rules only: a checkout, or a portal's catalog.json "
                           "(a file or an https:// URL)")
    lint.add_argument("--config", metavar="FILE",
                      help="the organisation's policy (default: $SPECMESH_POLICY); a specmesh.yaml found upwards from "
                           "each spec may only tighten it, or is the policy when there is none")
    lint.add_argument("--format", action="append", metavar="FMT[:FILE]",
                      help="text (default), json, sarif, github or junit; repeat with :FILE for several outputs")
    lint.add_argument("--baseline", metavar="FILE", help="report only findings not recorded in this baseline")
    lint.add_argument("--write-baseline", metavar="FILE", help="record today's findings as accepted, exit 0")
    lint.add_argument("--jobs", type=int, metavar="N", help="processes for large sets (default: the usable cores)")
    lint.add_argument("--fail-on", choices=("error", "warning", "info"), default="error")
    lint.add_argument("--root", metavar="DIR", help="where /-refs start and the boundary no $ref may cross "
                                                   "(default: each spec's git work tree), as for show")
    lint.add_argument("--allow-empty", action="store_true",
                      help="exit 0 when the paths hold no spec (the pre-commit hook; otherwise a mistyped path is exit 2)")
    lint.set_defaults(func=cmd_lint)

    prov = sub.add_parser("provision", help="plan and apply topics and ACLs to Kafka",
                          description="plan and apply topics, ACLs and schemas (exit 0 only when the cluster and the "
                                      "registry serve every change)")
    prov.add_argument("specs", nargs="*", metavar="SPEC")
    prov.add_argument("--bootstrap-server", metavar="HOST:PORT")
    prov.add_argument("--command-config", metavar="FILE", help="librdkafka client properties (SASL, SSL)")
    prov.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    prov.add_argument("--plan-out", metavar="FILE", help="save the plan (JSON) and change nothing")
    prov.add_argument("--plan", metavar="FILE", help="apply exactly this saved plan")
    prov.add_argument("--format", choices=("text", "json"), default="text")
    prov.add_argument("--owner-principal", metavar="P", help="owner principal (default User:<domain id>)")
    prov.add_argument("--partition-count-factor", type=float, default=1.0, metavar="F", help="in (0, 1]")
    prov.add_argument("--clean-unspecified", action="store_true",
                      help="delete topics and schema subjects the spec no longer has (with --allow-delete)")
    prov.add_argument("--allow-delete", metavar="KINDS", help="what clean-up may delete: topics,schemas "
                      "(acls is implied: bindings the spec does not imply are always revoked)")
    prov.add_argument("--keep-undeclared-acls", action="store_true",
                      help="keep bindings in the domain's scope that the spec does not imply (listed as drift)")
    prov.add_argument("--detailed-exitcode", action="store_true",
                      help="with --dry-run or --plan-out: exit 3 when changes are pending, 0 when none")
    prov.add_argument("--wait", type=float, metavar="SECONDS",
                      help="how long to wait for the cluster to serve every change (default: scaled to the plan)")
    prov.add_argument("--config", metavar="FILE",
                      help="the organisation's policy file (default: $SPECMESH_POLICY); a team specmesh.yaml may only tighten it")
    prov.add_argument("--policy-from-repo", action="store_true",
                      help="without an organisation policy, trust the specmesh.yaml found upwards from the specs")
    prov.add_argument("--catalog", action="append", metavar="DIR|catalog.json|URL",
                      help="other repos' specs, for cross-spec lint rules (a checkout or a portal's catalog.json)")
    prov.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS", help="per admin request")
    prov.add_argument("--connect-timeout", type=float, metavar="SECONDS",
                      help="give up connecting after this long (default 10, or $SPECMESH_CONNECT_TIMEOUT)")
    prov.add_argument("--schema-registry", metavar="URL",
                      help="register key and value schemas there (Confluent REST API; default: schema.registry.url in "
                           "--command-config or $SPECMESH_SCHEMA_REGISTRY_URL); credentials from schema.registry.* "
                           "in --command-config or SPECMESH_SCHEMA_REGISTRY_*")
    prov.set_defaults(func=cmd_provision)

    diff = sub.add_parser("diff", help="what a change to the data products breaks, between two git refs or directories",
                          description="what a change to the data products breaks (exit 1 when something breaks, or "
                                      "with --fail-on risky is risky)")
    diff.add_argument("base", metavar="BASE", help="a git ref of this repository (origin/main, a tag, a sha), or a "
                                                   "directory when no ref has that name (or with --dirs)")
    diff.add_argument("head", nargs="?", metavar="HEAD", help="a git ref or a directory (default: the working tree)")
    diff.add_argument("--catalog", action="append", metavar="DIR|catalog.json|URL",
                      help="other repos' specs: who consumes the topics that change")
    diff.add_argument("--config", metavar="FILE", help="the organisation's policy (default: $SPECMESH_POLICY)")
    diff.add_argument("--format", choices=("text", "json", "markdown", "github"), default="text")
    diff.add_argument("--fail-on", choices=("breaking", "risky"), default="breaking")
    diff.add_argument("--dirs", action="store_true",
                      help="BASE and HEAD are directories (without it a git ref comes first, a directory only when "
                           "no ref has the name)")
    diff.set_defaults(func=cmd_diff)

    exp = sub.add_parser("export", help="write one AsyncAPI spec per domain from what a live cluster holds",
                         description="write one AsyncAPI spec per domain from what a live cluster (and registry) holds "
                                     "(exit 1 when a --domain has no topic)")
    exp.add_argument("--out", required=True, metavar="DIR", help="DIR/<domain>/<domain>-api.yaml and its schema/ files")
    exp.add_argument("--domain", action="append", metavar="D", help="export this domain (repeatable)")
    exp.add_argument("--all", action="store_true",
                     help="every domain found: owners of PREFIXED WRITE bindings D., and names D.<access>.<name>")
    exp.add_argument("--format", choices=("asyncapi-2", "asyncapi-3"), default="asyncapi-2")
    exp.add_argument("--bootstrap-server", metavar="HOST:PORT")
    exp.add_argument("--command-config", metavar="FILE", help="client properties (SASL, SSL; Java files are translated)")
    exp.add_argument("--schema-registry", metavar="URL", help="read key and value schemas (<topic>-key, <topic>-value) "
                     "from there (default: schema.registry.url in --command-config or $SPECMESH_SCHEMA_REGISTRY_URL)")
    exp.add_argument("--config", metavar="FILE", help="the organisation's policy: delimiter, access words, principal format")
    exp.add_argument("--report", metavar="FILE", help="also write the report as JSON")
    exp.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS", help="per admin request")
    exp.add_argument("--connect-timeout", type=float, metavar="SECONDS",
                     help="give up connecting after this long (default 10, or $SPECMESH_CONNECT_TIMEOUT)")
    exp.set_defaults(func=cmd_export)

    cat = sub.add_parser("catalog", help="publish the data products to a catalogue: Backstage, DataHub or catalog.json",
                         description="publish the data products to the catalogue an organisation has")
    cat_sub = cat.add_subparsers(dest="catalog_command", required=True, metavar="export")
    cexp = cat_sub.add_parser("export", help="write Backstage entities, DataHub change proposals or catalog.json",
                              description="write Backstage entities (catalog-info.yaml), DataHub metadata change "
                                          "proposals (datahub-mcps.json) or catalog.json into DIR (exit 0 written, 2 bad input)")
    cexp.add_argument("sources", nargs="*", metavar="SOURCE", help="directories or git URLs (URL#ref), as portal build")
    cexp.add_argument("--format", required=True, choices=("backstage", "datahub", "json"))
    cexp.add_argument("--out", required=True, metavar="DIR")
    cexp.add_argument("--config", metavar="FILE", help="portal.yaml: sources")
    cexp.add_argument("--env", default="PROD", metavar="ENV", help="DataHub environment of the datasets (default PROD)")
    cexp.set_defaults(func=cmd_catalog)

    samp = sub.add_parser("sample", help="valid test records for a topic's key and value schemas (JSON lines)",
                          description="valid test records for each owned topic's key and value schemas, one JSON line "
                                      "{topic, key, value} per record (Avro, JSON Schema, Protobuf in its JSON mapping)")
    samp.add_argument("spec", metavar="SPEC")
    samp.add_argument("--topic", metavar="T", help="one topic (full name or channel); default every owned topic")
    samp.add_argument("-n", type=int, default=1, metavar="N", help="records per topic (default 1)")
    samp.add_argument("--seed", type=int, default=0, metavar="S", help="the same seed gives the same records")
    samp.add_argument("--boundary", action="store_true",
                      help="edge values: empty strings, min/max numbers, longest enum symbol, null branches, empty lists")
    samp.add_argument("--root", metavar="DIR", help="where /-refs start (as for show)")
    samp.set_defaults(func=cmd_sample)

    for name, text in (("storage", "bytes on disk and records per owned topic and data product (JSON)"),
                       ("consumption", "consumer groups, committed offsets and lag per owned topic (JSON)")):
        charge = sub.add_parser(name, help=text, description=text)
        charge.add_argument("specs", nargs="+", metavar="SPEC")
        charge.add_argument("--bootstrap-server", metavar="HOST:PORT")
        charge.add_argument("--command-config", metavar="FILE", help="librdkafka client properties (SASL, SSL)")
        charge.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS")
        charge.add_argument("--connect-timeout", type=float, metavar="SECONDS",
                            help="give up connecting after this long (default 10, or $SPECMESH_CONNECT_TIMEOUT)")
        charge.set_defaults(func=cmd_chargeback)

    portal = sub.add_parser("portal", help="build or preview the data-product portal (MkDocs-Material)",
                            description="build or preview the data-product portal (MkDocs-Material)")
    portal.add_argument("action", choices=("build", "serve"))
    portal.add_argument("sources", nargs="*", metavar="SOURCE", help="directories or git URLs (URL#ref)")
    portal.add_argument("--out", default="site", metavar="DIR", help="where the site goes (default: site)")
    portal.add_argument("--config", metavar="FILE", help="portal.yaml: title, sources, metrics, site_url")
    portal.add_argument("--metrics", action="append", metavar="FILE", help="output of specmesh storage / consumption")
    portal.add_argument("--title", metavar="TEXT")
    portal.add_argument("--templates", metavar="DIR",
                        help="page templates that override the packaged ones (e.g. the repo's site_templates/)")
    portal.add_argument("--dev-addr", default="127.0.0.1:8000", metavar="HOST:PORT", help="for serve")
    portal.set_defaults(func=cmd_portal)

    rules = sub.add_parser("rules", help="list the lint rules, or explain one", description="list the lint rules, or explain one")
    rules.add_argument("rule", nargs="?", metavar="RULE-ID")
    rules.set_defaults(func=cmd_rules)
    from .exitcodes import epilog

    for p in (parser, *sub.choices.values()):
        p.epilog, p.formatter_class = epilog(), argparse.RawDescriptionHelpFormatter
    return parser


def main(argv: list[str] | None = None) -> int:
    from .output import SafeStream, remember_environment

    remember_environment(os.environ)
    real = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = SafeStream(sys.stdout), SafeStream(sys.stderr)
    try:
        return _run(argv)
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (BrokenPipeError, ValueError):
                pass
        sys.stdout, sys.stderr = real


def _run(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from .provision.kafka import ClusterError

    try:
        return args.func(args)
    except ClusterError as exc:  # the cluster or registry failed us: retry, fix credentials, or fix the URL
        from .exitcodes import for_cluster_error

        print(f"specmesh: error: {exc.message}", file=sys.stderr)
        return for_cluster_error(exc)
    except SpecError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug, not bad input: say so briefly; SPECMESH_DEBUG=1 shows the traceback
        if os.environ.get("SPECMESH_DEBUG"):
            raise
        print(f"specmesh: internal error: {type(exc).__name__}: {exc} (set SPECMESH_DEBUG=1 for details)", file=sys.stderr)
        return 70


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
