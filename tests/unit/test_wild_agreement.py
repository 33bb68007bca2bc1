"""Agreement with the official AsyncAPI parser on 165 public documents (../shared/conformance/wild).

RESULTS.tsv records what `@asyncapi/parser` 3.6.6 decided for each file. Our ASYNCAPI-SCHEMA rule
must never fail a document the official parser accepts, and must flag (with it, a SCHEMA-* error,
SCHEMA-FORMAT's warning, or a positioned load error) the documents it rejects. Disagreements are printed either way.
"""

from __future__ import annotations

import csv
import time

import pytest

from specmesh_docs.lint.runner import lint
from tests.conftest import conformance_path

pytestmark = pytest.mark.conformance
FLAGGED_AT_LEAST = 21  # of the 22 rejected 2.x/3.x documents
# (the one left: SpecMesh's trading spec, whose Avro record names a type from another file, which
# SpecMesh resolves through registry references and the official Avro parser cannot)


def wild():
    path = conformance_path().parent / "wild"
    if not (path / "RESULTS.tsv").is_file():
        raise RuntimeError(f"wild corpus not found at {path}; set SPECMESH_CONFORMANCE beside it")
    return path


def test_lint_agrees_with_the_official_parser_on_the_wild_corpus(capsys):
    root = wild()
    rows = [r for r in csv.DictReader(open(root / "RESULTS.tsv", encoding="utf-8"), delimiter="\t")
            if not r["asyncapi"].startswith("1.")]  # 1.x: refused with its own message, not validated
    assert len(rows) >= 150
    wrongly_failed, missed, flagged = [], [], 0
    start = time.monotonic()
    for row in rows:
        result = lint([str(root / row["file"])], jobs=1, root=str(root))
        schema = [f for f in result.findings if f.rule == "ASYNCAPI-SCHEMA"]
        if row["official_valid"] == "True":
            if schema or result.errors:
                wrongly_failed.append((row["file"], [f.message for f in schema] + [e.message for e in result.errors]))
        elif schema or result.errors or any(f.rule == "SCHEMA-FORMAT" or (f.rule.startswith("SCHEMA-") and f.severity == "error")
                                            for f in result.findings):
            flagged += 1
        else:
            missed.append(row["file"])
    took = time.monotonic() - start
    with capsys.disabled():
        print(f"\nwild corpus: {len(rows)} documents linted one by one in {took:.2f} s; "
              f"{flagged} of {flagged + len(missed)} rejected documents flagged")
        for file in missed:
            print(f"  not flagged (the official parser rejects it): {file}")
    assert wrongly_failed == []
    assert flagged >= FLAGGED_AT_LEAST


def test_every_wild_document_shows_and_lints_within_bounds():
    """show / lint never crash (exit 0/1/2), whatever the document; the whole corpus in one lint run."""
    from specmesh_docs.cli import main

    root = wild()
    start = time.monotonic()
    code = main(["lint", str(root), "--root", str(root), "--format", "json:/dev/null"])
    assert code in (0, 1, 2) and time.monotonic() - start < 30
    for row in csv.DictReader(open(root / "RESULTS.tsv", encoding="utf-8"), delimiter="\t"):
        assert main(["show", "--json", "--root", str(root), str(root / row["file"])]) in (0, 2), row["file"]


def test_a_portal_of_the_whole_wild_corpus_builds_every_product_it_finds(tmp_path):
    """Duplicate domains, unreadable specs and foreign protocols never stop the build."""
    import json

    from specmesh_docs.cli import main

    root = wild()
    start = time.monotonic()
    assert main(["portal", "build", str(root), "--out", str(tmp_path / "site")]) == 0
    assert time.monotonic() - start < 60
    site = tmp_path / "site"
    products = json.loads((site / "catalog.json").read_text())["products"]
    assert len(products) >= 50
    pages = {p.name for p in (site / "products").iterdir() if (p / "index.html").is_file()}
    assert len(pages) == len(products), sorted(pages)
    problems = (site / "problems" / "index.html").read_text()
    assert str(root) not in problems and str(tmp_path) not in problems
