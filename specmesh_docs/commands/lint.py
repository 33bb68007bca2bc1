"""`specmesh lint [PATH ...]`: the rules and the org policy over specs; the pre-commit hook runs it."""

from __future__ import annotations

import argparse

HELP = "check specs against the rules and the org policy"


def register(sub) -> None:
    p = sub.add_parser("lint", help=HELP, description=HELP)
    p.add_argument("paths", nargs="*", default=["."], metavar="PATH", help="spec files or directories (default: .)")
    p.add_argument("--catalog", action="append", metavar="DIR|catalog.json|URL",
                   help="other repos' specs, for cross-spec rules only: a checkout, or a portal's catalog.json "
                        "(a file or an https:// URL)")
    p.add_argument("--config", metavar="FILE",
                   help="the organisation's policy (default: $SPECMESH_POLICY); a specmesh.yaml found upwards from "
                        "each spec may only tighten it, or is the policy when there is none")
    p.add_argument("--format", action="append", metavar="FMT[:FILE]",
                   help="text (default), json, sarif, github or junit; repeat with :FILE for several outputs")
    p.add_argument("--baseline", metavar="FILE", help="report only findings not recorded in this baseline")
    p.add_argument("--write-baseline", metavar="FILE", help="record today's findings as accepted, exit 0")
    p.add_argument("--jobs", type=int, metavar="N", help="processes for large sets (default: the usable cores)")
    p.add_argument("--fail-on", choices=("error", "warning", "info"), default="error")
    p.add_argument("--root", metavar="DIR", help="where /-refs start and the boundary no $ref may cross "
                                                "(default: each spec's git work tree), as for show")
    p.add_argument("--allow-empty", action="store_true",
                   help="exit 0 when the paths hold no spec (the pre-commit hook; otherwise a mistyped path is exit 2)")
    p.set_defaults(func=run)


def parse_outputs(specs: list[str] | None) -> list[tuple[str, str | None]]:
    """`FMT` writes to stdout, `FMT:FILE` to a file; text is the default."""
    from ..errors import SpecError
    from ..lint.report import FORMATS

    outputs = []
    for spec in specs or ["text"]:
        fmt, _, target = spec.partition(":")
        if fmt not in FORMATS:
            raise SpecError(f"--format {spec!r}: the format is one of {', '.join(FORMATS)} (optionally FMT:FILE)")
        outputs.append((fmt, target or None))
    if sum(1 for _, target in outputs if target is None) > 1:
        raise SpecError("--format: only one output can go to stdout; give the others a file (FMT:FILE)")
    return outputs


def run(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from ..exitcodes import FINDINGS, OK, USAGE
    from ..lint.engine import SEVERITY_RANK
    from ..lint.report import RENDER, summary_line
    from ..lint.runner import lint

    outputs = parse_outputs(args.format)
    result = lint(args.paths, args.catalog or [], args.config, jobs=args.jobs, root=args.root)
    if args.write_baseline:
        from ..lint.baseline import unreadable, write_baseline

        write_baseline(Path(args.write_baseline), result.findings + unreadable(result.errors))
        print(f"{summary_line(result)}; wrote {len(result.findings)} finding(s) and {len(result.errors)} unreadable "
              f"spec(s) to {args.write_baseline}", file=sys.stderr)
        return OK
    if args.baseline:
        from ..lint.baseline import apply_baseline, unreadable

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
        return USAGE
    threshold = SEVERITY_RANK[args.fail_on]
    return FINDINGS if any(SEVERITY_RANK[f.severity] >= threshold for f in result.findings) else OK
