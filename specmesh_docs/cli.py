"""`specmesh`: one subcommand per capability, each in `commands/`; this only wires them."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from . import __version__
from .errors import SpecError


def build_parser() -> argparse.ArgumentParser:
    from .commands import MODULES
    from .exitcodes import epilog

    parser = argparse.ArgumentParser(prog="specmesh", description="SpecMesh-style governance for Apache Kafka: "
                                     "lint, diff, portal, provision and export from AsyncAPI specs")
    parser.add_argument("--version", action="version", version=f"specmesh {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in MODULES:
        importlib.import_module(f".commands.{name}", __package__).register(sub)
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
    from . import exitcodes
    from .provision.kafka import ClusterError

    args = build_parser().parse_args(argv)
    try:
        if os.environ.get("SPECMESH_NOW"):  # checked once, before it is read for every spec
            from .clock import now

            now()
        return args.func(args)
    except ClusterError as exc:  # the cluster or registry failed us: retry, fix credentials, or fix the URL
        print(f"specmesh: error: {exc.message}", file=sys.stderr)
        return exitcodes.for_cluster_error(exc)
    except SpecError as exc:
        print(exc, file=sys.stderr)
        return exitcodes.USAGE
    except KeyboardInterrupt:
        return exitcodes.INTERRUPTED
    except BrokenPipeError:
        return exitcodes.OK
    except Exception as exc:  # a bug, not bad input: say so briefly; SPECMESH_DEBUG=1 shows the traceback
        if os.environ.get("SPECMESH_DEBUG"):
            raise
        print(f"specmesh: internal error: {type(exc).__name__}: {exc} (set SPECMESH_DEBUG=1 for details)", file=sys.stderr)
        return 70


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
