"""The layers of the package, enforced: which part may import which (lazy imports inside functions
count too). The same picture is in the documentation (docs/content/layout.md); a new arrow means
changing both, on purpose."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "specmesh_docs"

# top-level part of specmesh_docs -> its layer; a part may import its own layer's parts only where
# ALLOWED says so, and any lower layer freely
LAYERS = {
    "__main__": 7, "cli": 6, "commands": 5,
    "lint": 4, "diff": 4, "provision": 4, "export": 4, "publish": 4, "portal": 4, "testing": 4, "sample": 4, "verify": 4, "access": 4,
    "catalog": 3, "policy": 3, "compat": 3, "published": 3,
    "model": 2,
    "output": 1, "jsondoc": 1, "clock": 1, "writing": 1, "userregex": 1,
    "errors": 0, "exitcodes": 0, "__init__": 0,
}

# arrows within a layer, or upwards, each with its reason
ALLOWED = {
    ("diff", "lint"): "diff finds and loads specs as lint does (runner: discovery, catalogues)",
    ("portal", "lint"): "the portal loads sources and shows findings as lint gives them",
    ("portal", "verify"): "the portal reads the verify report back through the module that writes it",
    ("portal", "diff"): "the portal's history reads earlier commits (sides.Snapshots) and compares them",
    ("provision", "lint"): "provisioning applies only specs the linter passes: the same gate",
    ("provision", "export"): "the plan's registry reads hand back the exporter's schema documents",
    ("export", "provision"): "export reads the cluster and the registry through provisioning's client",
    ("testing", "provision"): "the pytest plugin provisions through the same client",
    ("testing", "verify"): "the pytest plugin's verify(topic) is `specmesh verify` on one topic",
    ("access", "lint"): "a request is linted with the owner's policy before it stands, as lint does",
    ("verify", "provision"): "verify reads the cluster and the registry through provisioning's client",
    ("publish", "portal"): "catalogue export reads the portal's sources and page model",
    ("policy", "lint"): "the policy names rules: it checks them against the rule registry",
    ("catalog", "lint"): "the catalogue marks suspected PII with the lint rule's own test",
}


def part_of(module: str) -> str:
    return module.split(".")[1] if module.count(".") >= 1 else "__init__"


def imports(path: Path) -> set[str]:
    """specmesh_docs parts this file imports, at any depth in the file."""
    package = list(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            if target == "specmesh_docs":  # from . import x: a part, or a name of the package itself
                found |= {a.name if a.name in LAYERS else "__init__" for a in node.names}
            elif target.startswith("specmesh_docs."):
                found.add(part_of(target))
        elif isinstance(node, ast.Import):
            found |= {part_of(a.name) for a in node.names if a.name.startswith("specmesh_docs.")}
    return found


def test_every_import_goes_down_a_layer_or_is_a_named_exception():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        here = part_of(".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts))
        assert here in LAYERS, f"{path}: a new part of the package: give it a layer in LAYERS (and the docs)"
        for there in imports(path) - {here}:
            assert there in LAYERS, f"{path} imports an unknown part {there}"
            if LAYERS[there] >= LAYERS[here] and (here, there) not in ALLOWED:
                wrong.append(f"{path.relative_to(PACKAGE.parent)}: {here} (layer {LAYERS[here]}) imports {there} "
                             f"(layer {LAYERS[there]})")
    assert not wrong, "\n".join(wrong)


def test_nothing_imports_a_command_and_every_exception_is_still_used():
    used = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        here = part_of(".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts))
        for there in imports(path):
            assert there not in ("commands", "cli") or here in ("commands", "cli", "__main__"), path
            used.add((here, there))
    assert set(ALLOWED) <= used, f"exceptions no longer needed: {sorted(set(ALLOWED) - used)}"
