"""`specmesh flatten SPEC`: the spec with canonical (full) topic names, as SpecMesh's flatten."""

from __future__ import annotations

import argparse

from ._common import spec_argument

HELP = "print the spec with canonical (full) topic names, as SpecMesh's flatten"


def register(sub) -> None:
    p = sub.add_parser("flatten", help=HELP, description=HELP)
    spec_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import sys

    import yaml

    from ..exitcodes import OK, USAGE
    from ..model.flatten import flatten
    from ._common import print_problems, spec_with_policy

    product = spec_with_policy(args)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    sys.stdout.write(yaml.dump(flatten(product), Dumper=dumper, sort_keys=False, allow_unicode=True))
    print_problems(product)
    return USAGE if product.problems else OK
