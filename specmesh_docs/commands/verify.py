"""`specmesh verify`: the live estate against its specs (records against schemas, readers against grants)."""

from __future__ import annotations

import argparse

from ._common import connect_timeout_argument, connection_arguments

HELP = "check the last records of owned topics against the specs' schemas, and their readers against the grants"


def _size(text: str) -> int:
    units = {"": 1, "b": 1, "kib": 1024, "kb": 1024, "mib": 1024 ** 2, "mb": 1024 ** 2}
    number = text.strip().lower().rstrip()
    digits = number.rstrip("kmib")
    try:
        value = int(digits) * units[number[len(digits):]]
    except (ValueError, KeyError):
        raise argparse.ArgumentTypeError(f"{text!r} is a size: 1048576, 512KiB, 8MiB") from None
    if not 1024 <= value <= 256 * 1024 ** 2:
        raise argparse.ArgumentTypeError("between 1KiB and 256MiB")
    return value


def _records(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= 100000:
        raise argparse.ArgumentTypeError("between 1 and 100000 records per topic")
    return value


def register(sub) -> None:
    p = sub.add_parser("verify", help=HELP, description=HELP + ". Read-only: the consumer is assigned partitions, "
                       "joins no group and commits nothing; findings name topic, partition, offset, schema id, rule "
                       "and field, never a value.")
    p.add_argument("specs", nargs="+", metavar="SPEC")
    connection_arguments(p, java_files=True)
    p.add_argument("--schema-registry", metavar="URL", help="where the records' schema ids are looked up (default: "
                   "schema.registry.url in --command-config or $SPECMESH_SCHEMA_REGISTRY_URL)")
    p.add_argument("--records", type=_records, default=100, metavar="N",
                   help="records per topic, the last ones, spread over its partitions (default 100)")
    p.add_argument("--topic", action="append", default=[], metavar="T", help="only this topic (repeatable)")
    p.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    p.add_argument("--output", metavar="FILE", help="write the report there (JSON for the portal: --format json)")
    p.add_argument("--fail-on", default=None, metavar="WHAT",
                   help="comma-separated: invalid (any invalid record), invalid>N%% (more than N %% of a topic's), "
                        "undeclared (a reader without a grant), missing (a topic not there), unknown (a group of no "
                        "known domain), idle (a grant nobody uses), incomplete, none (default: "
                        "invalid,undeclared,missing)")
    p.add_argument("--max-record-bytes", type=_size, default=8 * 1024 * 1024, metavar="SIZE",
                   help="larger records are counted, not decoded (default 8MiB)")
    p.add_argument("--config", metavar="FILE", help="the organisation's policy (the delimiter of group ids)")
    p.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS", help="for the whole run (default 60)")
    connect_timeout_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json
    import sys
    from pathlib import Path

    from ..clock import iso, now
    from ..errors import SpecError
    from ..exitcodes import FINDINGS, OK, PARTIAL
    from ..verify.report import FAIL_ON_DEFAULT, failures, parse_fail_on, to_markdown, to_text
    from ..verify.run import Options, verify
    from ..writing import write_whole
    from ._common import connect_timeout

    if not 0 < args.timeout <= 3600:
        raise SpecError(f"--timeout is a number of seconds in (0, 3600], not {args.timeout:g}")
    fail_on = parse_fail_on(args.fail_on or FAIL_ON_DEFAULT)
    doc = verify(Options(args.specs, args.bootstrap_server, args.command_config, args.schema_registry, args.records,
                         args.topic, args.timeout, connect_timeout(args), args.max_record_bytes, args.config),
                 iso(now()))
    text = (json.dumps(doc, indent=2) + "\n" if args.format == "json" else
            to_markdown(doc, fail_on) if args.format == "markdown" else to_text(doc, fail_on))
    if args.output:
        write_whole(Path(args.output), text)
        print(f"verify report written to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    failed = failures(doc, fail_on)
    if args.format != "text":
        for line in failed:
            print(f"specmesh: verify: {line}", file=sys.stderr)
    if failed:
        return FINDINGS
    return PARTIAL if doc["totals"]["incomplete_topics"] else OK
