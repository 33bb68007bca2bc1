"""What several commands share: one spec read as lint reads it, and the connect timeout."""

from __future__ import annotations

import argparse
import sys

from ..errors import SpecError


def spec_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("spec", metavar="SPEC", help="AsyncAPI spec file (YAML or JSON)")
    p.add_argument("--root", metavar="DIR",
                   help="where '/'-refs start and the boundary no $ref may cross "
                        "(default: '/'-refs from the spec's directory, boundary at its git work tree)")


def spec_with_policy(args: argparse.Namespace):
    """One spec read as lint reads it: with the policy found for it (principal, domain_from, v2 reading)."""
    from pathlib import Path

    from ..model import load_spec
    from ..policy import PolicyCache, org_policy_path

    policy = PolicyCache(org_policy_path(None)).for_spec(Path(args.spec))
    return load_spec(args.spec, root=args.root, principal_format=policy.principal_format,
                     domain_from=policy.domain_from, v2_operations=policy.v2_operations)


def print_problems(product) -> None:
    for problem in product.problems:
        print(problem, file=sys.stderr)
    for note in product.notes:
        print(str(note).replace(": error: ", ": warning: ", 1), file=sys.stderr)


def connection_arguments(p: argparse.ArgumentParser, java_files: bool = False) -> None:
    p.add_argument("--bootstrap-server", metavar="HOST:PORT")
    p.add_argument("--command-config", metavar="FILE", help="client properties (SASL, SSL; Java files are translated)"
                   if java_files else "librdkafka client properties (SASL, SSL)")


def connect_timeout_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--connect-timeout", type=float, metavar="SECONDS",
                   help="give up connecting after this long (default 10, or $SPECMESH_CONNECT_TIMEOUT)")


def connect_timeout(args: argparse.Namespace) -> float:
    from ..errors import seconds_from_env

    if args.connect_timeout is not None:
        if not 0 < args.connect_timeout <= 600:
            raise SpecError(f"--connect-timeout is a number of seconds in (0, 600], not {args.connect_timeout:g}")
        return args.connect_timeout
    return seconds_from_env("SPECMESH_CONNECT_TIMEOUT", 10.0, 600.0)
