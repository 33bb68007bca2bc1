"""`specmesh portal build|serve`: the data-product portal (MkDocs-Material)."""

from __future__ import annotations

import argparse

HELP = "build or preview the data-product portal (MkDocs-Material)"


def register(sub) -> None:
    p = sub.add_parser("portal", help=HELP, description=HELP)
    p.add_argument("action", choices=("build", "serve"))
    p.add_argument("sources", nargs="*", metavar="SOURCE", help="directories or git URLs (URL#ref)")
    p.add_argument("--out", default="site", metavar="DIR", help="where the site goes (default: site)")
    p.add_argument("--config", metavar="FILE", help="portal.yaml: title, sources, metrics, site_url")
    p.add_argument("--metrics", action="append", metavar="FILE", help="output of specmesh storage / consumption")
    p.add_argument("--verify", metavar="FILE", help="the JSON report of `specmesh verify`: each topic shows what it found")
    p.add_argument("--verify-max-age", type=float, metavar="DAYS",
                   help="an older report is shown as stale, not as conforming (default 7)")
    p.add_argument("--title", metavar="TEXT")
    p.add_argument("--templates", metavar="DIR",
                   help="page templates that override the packaged ones (e.g. the repo's site_templates/)")
    p.add_argument("--cache", metavar="DIR",
                   help="the page cache: unchanged pages are copied, not rendered again (default: one folder per "
                        "estate under $XDG_CACHE_HOME or ~/.cache, specmesh_docs/portal; safe to delete)")
    p.add_argument("--no-cache", action="store_true", help="render every page (and leave the cache alone)")
    p.add_argument("--dev-addr", default="127.0.0.1:8000", metavar="HOST:PORT", help="for serve")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from ..exitcodes import OK
    from ..portal.build import build, portal_settings, serve

    from ..errors import SpecError

    if args.verify_max_age is not None and not 0 < args.verify_max_age <= 3650:
        raise SpecError("--verify-max-age is a number of days from 1 to 3650")
    settings = portal_settings(args.sources, args.config, args.metrics or [], args.title, args.templates, args.verify,
                               args.verify_max_age)
    if args.no_cache:
        settings["cache"] = False
    elif args.cache:
        settings["cache"] = str(Path(args.cache).resolve())
    if args.action == "serve":
        serve(settings, args.dev_addr)
        return OK
    build(settings, Path(args.out))
    print(f"portal written to {args.out}", file=sys.stderr)
    return OK
