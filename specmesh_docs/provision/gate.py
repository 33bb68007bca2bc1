"""Provisioning applies only validated specs: every lint rule runs first, with the same
policy lint uses, and there is no switch to skip it (relax a rule in the policy file,
where the change is reviewed). A saved plan is pinned to the specs and policy it was made
from."""

from __future__ import annotations

import hashlib
from pathlib import Path


def blocking(findings) -> list:
    return [f for f in findings if f.severity == "error"]


def inputs_digest(products, policies) -> str:
    """Specs, the schema files they read, and the policy files that govern them."""
    files: set[str] = set()
    for p in products:
        files.add(p.spec_file)
        for t in p.topics:
            for s in (t.key, t.value):
                if s is not None and s.file:
                    files.add(s.file)
                    files.update(f for _, f in s.references)
        files.add(f"policy:{policies.for_spec(Path(p.spec_file)).source}")
    digest = hashlib.sha256()
    for name in sorted(files):
        path = name.removeprefix("policy:")
        digest.update(name.encode() + b"\0")
        if path != "(defaults)":
            try:
                digest.update(Path(path).read_bytes())
            except OSError:
                digest.update(b"(unreadable)")
        digest.update(b"\0")
    return digest.hexdigest()
