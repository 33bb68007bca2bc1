"""`specmesh diff BASE [HEAD]`: what a change to the data products breaks (the pull-request gate)."""

from __future__ import annotations

import argparse

HELP = "what a change to the data products breaks, between two git refs or directories"


def register(sub) -> None:
    p = sub.add_parser("diff", help=HELP, description="what a change to the data products breaks (exit 1 when "
                       "something breaks, or with --fail-on risky is risky)")
    p.add_argument("base", metavar="BASE", help="a git ref of this repository (origin/main, a tag, a sha), or a "
                                                "directory when no ref has that name (or with --dirs)")
    p.add_argument("head", nargs="?", metavar="HEAD", help="a git ref or a directory (default: the working tree)")
    p.add_argument("--catalog", action="append", metavar="DIR|catalog.json|URL",
                   help="other repos' specs: who consumes the topics that change")
    p.add_argument("--config", metavar="FILE", help="the organisation's policy (default: $SPECMESH_POLICY)")
    p.add_argument("--format", choices=("text", "json", "markdown", "github"), default="text")
    p.add_argument("--fail-on", choices=("breaking", "risky"), default="breaking")
    p.add_argument("--dirs", action="store_true",
                   help="BASE and HEAD are directories (without it a git ref comes first, a directory only when "
                        "no ref has the name)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import sys

    from ..diff.report import RENDER, summary
    from ..diff.run import run_diff
    from ..exitcodes import FINDINGS, OK

    result = run_diff(args.base, args.head, args.catalog or [], args.config, args.dirs)
    sys.stdout.write(RENDER[args.format](result))
    if args.format != "text":
        print(summary(result), file=sys.stderr)
    failing = ("breaking", "risky") if args.fail_on == "risky" else ("breaking",)
    return FINDINGS if any(c.severity in failing for c in result.changes) else OK
