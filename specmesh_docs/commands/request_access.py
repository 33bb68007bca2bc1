"""`specmesh request-access`: ask for access with a change to the owner's spec (a pull request)."""

from __future__ import annotations

import argparse

HELP = "add a grant for your domain to the owner's spec, checked with their policy, and print the pull request"


def register(sub) -> None:
    p = sub.add_parser("request-access", help=HELP, description=HELP + ". Run in a checkout of the owner's "
                       "repository (or --repo DIR). Refused (exit 1, with the reason): a _private topic, read access "
                       "to a _public one, a domain already granted, a change the owner's policy rejects.")
    p.add_argument("topic", metavar="TOPIC", help="the full topic name, e.g. finance.campaign._protected.budget")
    p.add_argument("--for", dest="domain", required=True, metavar="DOMAIN", help="the domain id that needs the access")
    p.add_argument("--reason", required=True, metavar="TEXT", help="why: goes into the pull request, for the owner")
    p.add_argument("--write", action="store_true", help="ask to produce to the topic (grant-write), not to read it")
    p.add_argument("--until", metavar="DATE", help="the last day of the access (x-expires: YYYY-MM-DD)")
    p.add_argument("--repo", default=".", metavar="DIR", help="the owner's repository checkout (default: here)")
    p.add_argument("--patch", action="store_true", help="print the change as a unified diff; write nothing")
    p.add_argument("--config", metavar="FILE", help="the organisation's policy (default: $SPECMESH_POLICY)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..access.request import Request, request_access

    return request_access(Request(args.topic, args.domain, args.reason, args.write, args.until, args.repo, args.patch,
                                  args.config))
