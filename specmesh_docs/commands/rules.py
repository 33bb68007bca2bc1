"""`specmesh rules [RULE-ID]`: the rule catalogue, or one rule with a bad and a good example."""

from __future__ import annotations

import argparse

HELP = "list the lint rules, or explain one"


def register(sub) -> None:
    p = sub.add_parser("rules", help=HELP, description=HELP)
    p.add_argument("rule", nargs="?", metavar="RULE-ID")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import sys

    from ..exitcodes import OK, USAGE
    from ..lint.engine import all_rules

    rules = all_rules()
    if not args.rule:
        for r in sorted(rules.values(), key=lambda r: r.id):
            print(f"{r.id:<24} {r.severity:<8} {r.summary}")
        return OK
    r = rules.get(args.rule)
    if r is None:
        print(f"specmesh: no rule {args.rule!r} (see `specmesh rules`)", file=sys.stderr)
        return USAGE
    print(f"{r.id} ({r.severity}, {r.scope})\n\n{r.summary}\n\nFix: {r.hint}")
    if r.bad:
        print(f"\nBad:\n{r.bad}")
    if r.good:
        print(f"\nGood:\n{r.good}")
    return OK
