"""Shared test fixtures: paths to the examples and the SpecMesh conformance corpus."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
FIXTURES = REPO / "tests" / "fixtures"
# the bundled specs, found by the default spec_patterns (examples/ also holds schemas and the org policy)
EXAMPLE_SPECS = sorted(p for p in EXAMPLES.rglob("*.yaml") if p.name.endswith("-api.yaml") or p.name.startswith("asyncapi"))


def conformance_dir() -> Path:
    """SpecMesh OS test specs: `../shared/conformance/specmesh-build` beside the clone."""
    configured = os.environ.get("SPECMESH_CONFORMANCE")
    path = Path(configured) if configured else REPO.parent / "shared" / "conformance" / "specmesh-build"
    if not path.is_dir():
        raise RuntimeError(f"conformance corpus not found at {path}; set SPECMESH_CONFORMANCE")
    return path


@pytest.fixture(scope="session")
def conformance() -> Path:
    return conformance_dir()
