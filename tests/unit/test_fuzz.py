"""Mutation fuzzing of the bundled examples: whatever the bytes, `lint` and `show` end with exit 0, 1 or 2,
never an internal error or a traceback, within bounded time and memory.

Deterministic (a fixed seed per case) and bounded: FUZZ_CASES mutations (2,000 in CI; set
SPECMESH_FUZZ_CASES for a longer run), each of a spec or of one schema file it references.
"""

from __future__ import annotations

import os
import random
import resource
import shutil
from pathlib import Path

import pytest

from tests.inprocess import run_main
from tests.conftest import EXAMPLES

FUZZ_CASES = int(os.environ.get("SPECMESH_FUZZ_CASES", "2000"))
PER_RUN_SECONDS = 20
MAX_RSS_MB = 1500
TOKENS = ["{", "}", "[", "]", ": ", "- ", "*a", "&a ", "<<: *a", "!!binary ", "!!python/object/apply:os.system ", "~",
          "$ref: '#/components/schemas/X'", "$ref: '../../../../etc/passwd'", "$ref: '#'", "{$ref: '#'}", "\x00", "\t",
          "null", "true", "1e400", "-1", "2147483648", "0x" + "f" * 90, "9" * 5000, "'", '"', "#", "\u202e", "\x1b[2J",
          "---\n", "...\n", "%YAML 1.1\n", "? ", "|\n", ">-\n", "a" * 300, "grant-access:", "_public.", "_private.",
          "x-pii: true", "type: [string, 7]", "oneOf: [{$ref: '#'}]", "items: {$ref: '#'}", "\ufeff", "\r\n", "\\", "%"]


def mutate(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    op = rng.randrange(9)
    if op == 0 and lines:
        del lines[rng.randrange(len(lines))]
    elif op == 1 and lines:
        i = rng.randrange(len(lines))
        lines.insert(i, lines[i])
    elif op == 2 and len(lines) > 1:
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    elif op == 3 and lines:
        i = rng.randrange(len(lines))
        lines[i] = (" " * rng.choice((1, 2, 4)) + lines[i]) if rng.random() < 0.5 else lines[i].lstrip()
    elif op == 4:
        return text[: rng.randrange(len(text) + 1)]
    elif op == 5 and lines:
        i = rng.randrange(len(lines))
        head, sep, _ = lines[i].partition(": ")
        lines[i] = head + (sep or ": ") + rng.choice(TOKENS)
    else:
        pos = rng.randrange(len(text) + 1)
        cut = rng.randrange(3) if op == 6 else 0
        return text[:pos] + rng.choice(TOKENS) + text[pos + cut:]
    return "\n".join(lines)


def seeds() -> list[tuple[Path, list[Path]]]:
    """(spec, files a mutation may hit: the spec and the schema files beside it) per example."""
    out = []
    for spec in sorted(EXAMPLES.glob("*/*-api.yaml")) + sorted(EXAMPLES.glob("*/asyncapi*.yaml")):
        schemas = sorted(p for p in (spec.parent / "schema").glob("*") if p.is_file()) if (spec.parent / "schema").is_dir() else []
        out.append((spec, [spec, *schemas]))
    return out


@pytest.mark.timeout(1800)
def test_mutated_examples_never_crash(tmp_path: Path, capsys):
    base = seeds()
    assert base, "no example specs to mutate"
    copies = []
    for i, (spec, files) in enumerate(base):
        folder = tmp_path / f"seed{i}"
        shutil.copytree(spec.parent, folder)
        (folder / ".git").mkdir(exist_ok=True)
        copies.append((folder / spec.name, [folder / f.relative_to(spec.parent) for f in files]))
    crashes = []
    for case in range(FUZZ_CASES):
        rng = random.Random(case)
        spec, files = copies[case % len(copies)]
        target = files[0] if rng.random() < 0.7 or len(files) == 1 else rng.choice(files[1:])
        original = target.read_bytes()
        text = original.decode("utf-8")
        for _ in range(rng.randrange(1, 4)):
            text = mutate(text, rng)
        target.write_bytes(text.encode("utf-8", "surrogatepass"))
        args = ["lint", str(spec)] if case % 2 == 0 else ["show", "--json", str(spec)]
        capsys.readouterr()
        code = run_main(args, PER_RUN_SECONDS)
        out = capsys.readouterr()
        if code not in (0, 1, 2) or "internal error" in out.err or "Traceback" in out.err:
            crashes.append((case, target.name, args[0], code, out.err.strip().splitlines()[-1:] if out.err else ""))
        target.write_bytes(original)
    assert crashes == [], f"{len(crashes)} crash(es), first: {crashes[:5]} (reproduce with random.Random(case))"
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 < MAX_RSS_MB
