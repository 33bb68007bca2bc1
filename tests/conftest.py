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


TWINS = FIXTURES / "twins"  # the project's own specs for the SpecMesh scenarios (see its README)


def conformance_path() -> Path:
    configured = os.environ.get("SPECMESH_CONFORMANCE")
    return Path(configured) if configured else REPO.parent / "shared" / "conformance" / "specmesh-build"


def conformance_dir() -> Path:
    """SpecMesh OS test specs: `../shared/conformance/specmesh-build` beside the clone (third-party
    data, never copied here). Tests that read it are marked `conformance`; scripts/test runs them
    when the corpus is there and says so when it is not."""
    path = conformance_path()
    if not path.is_dir():
        raise RuntimeError(f"conformance corpus not found at {path}; set SPECMESH_CONFORMANCE "
                           "(or deselect with -m 'not conformance')")
    return path


@pytest.fixture(scope="session")
def conformance() -> Path:
    return conformance_dir()


@pytest.fixture(params=["twins", pytest.param("specmesh", marks=pytest.mark.conformance)])
def corpus(request) -> Path:
    """The SpecMesh scenarios: the project's twins always, SpecMesh's own specs when present."""
    return TWINS if request.param == "twins" else conformance_dir()


PORTAL_CACHE = "SPECMESH_PORTAL_CACHE"


def pytest_configure(config):
    """The portal's page caches go to a folder of this run, not the developer's ~/.cache (nor the
    folder the developer's own SPECMESH_PORTAL_CACHE names)."""
    import tempfile

    os.environ[PORTAL_CACHE] = tempfile.mkdtemp(prefix="specmesh-test-portal-cache-")


def hermetic_env(extra: dict | None = None) -> dict:
    """The environment without the developer's SPECMESH_* settings (this run's portal cache kept)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPECMESH_") or k == PORTAL_CACHE}
    return {**env, **(extra or {})}
