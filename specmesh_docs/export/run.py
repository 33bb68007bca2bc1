"""The edge of `specmesh export`: read the cluster (and registry), write specs, print the report."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SpecError
from ..writing import safe_path, write_whole
from .document import RegistrySchema, document
from .domains import Sorting, sort_topics

FORMATS = ("asyncapi-2", "asyncapi-3")


@dataclass
class ExportOptions:
    bootstrap: str | None
    command_config: str | None
    out: str
    domains: list[str] | None  # None: --all
    fmt: str = "asyncapi-2"
    schema_registry: str | None = None
    config: str | None = None  # the organisation's policy (delimiter, access words, principal format)
    report: str | None = None  # the report as JSON to this file
    timeout: float = 30.0
    connect_timeout: float = 10.0


@dataclass
class Report:
    written: list[str] = field(default_factory=list)
    domains: dict[str, dict] = field(default_factory=dict)  # domain -> {topics, owner, notes}
    unfit: list[dict] = field(default_factory=list)
    internal: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # names from the cluster or registry that are no safe file name
    admin_requests: int = 0
    registry_requests: int = 0

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def export(opts: ExportOptions) -> int:
    from ..policy import PolicyCache, org_policy_path
    from ..provision.client import client_settings
    from ..provision.kafka import Cluster

    if opts.fmt not in FORMATS:
        raise SpecError(f"--format is one of {', '.join(FORMATS)}, not {opts.fmt!r}")
    policy = PolicyCache(org_policy_path(opts.config)).for_spec(Path(opts.out) / "x")
    for d in opts.domains or []:
        if not d or d.startswith("_") or d.endswith(policy.delimiter) or any(c not in _KAFKA_CHARS for c in d):
            raise SpecError(f"--domain {d!r} is not a domain id (letters, digits, '.', '_', '-'; not starting with '_')")
    settings = client_settings(opts.bootstrap, opts.command_config)
    cluster = Cluster(settings, opts.timeout, opts.connect_timeout)
    cluster.connect()
    reading = cluster.read(lambda name: True)
    sorting = sort_topics(reading, policy, opts.domains)
    schemas, registry_requests = _schemas(sorting, settings, opts.schema_registry)
    report = Report(unfit=[u.__dict__ for u in sorting.unfit], internal=sorting.internal, missing=sorting.missing,
                    admin_requests=cluster.requests, registry_requests=registry_requests)
    out = Path(opts.out)
    source = opts.bootstrap or settings.get("bootstrap.servers", "the cluster")
    for domain, found in sorted(sorting.domains.items()):
        written = document(found, schemas, opts.fmt, source, policy.delimiter)
        folder = safe_path(out, domain)
        if folder is None:
            report.skipped.append(f"domain {domain!r}: not a safe folder name; nothing written for it")
            continue
        files = {f"{domain}-api.yaml": _yaml(written.spec), **written.files}
        for rel, text in files.items():
            target = safe_path(folder, *rel.split("/"))
            if target is None:
                report.skipped.append(f"{domain}: {rel!r} is not a safe file name (from a topic or registry name); "
                                      "not written")
                continue
            write_whole(target, text)
        report.written.append(str(folder / f"{domain}-api.yaml"))
        default_owner = policy.principal_format.format(domain=domain)
        owner_note = ([f"the owner on the cluster is {found.owner}, the policy gives {default_owner}: provision with "
                       f"--owner-principal {found.owner}"] if found.owner != default_owner else [])
        report.domains[domain] = {"topics": len(found.topics), "owner": found.owner,
                                  "notes": owner_note + found.notes + written.notes}
    _print(report, out)
    if opts.report:
        write_whole(Path(opts.report), json.dumps(report.to_dict(), indent=2) + "\n")
    if sorting.missing:
        return 1  # asked for, not written: not done
    return 0


_KAFKA_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")


def _schemas(sorting: Sorting, settings, url: str | None) -> tuple[dict[str, RegistrySchema], int]:
    """The latest schema of each exported topic's `-key`/`-value` subject: one listing, then one
    request per subject found (and per reference)."""
    from ..provision.registry import Registry, registry_settings

    conf = registry_settings(url, settings, os.environ)
    if conf is None:
        return {}, 0
    registry = Registry(conf)
    registry.check_root()
    wanted = {f"{t.name}-{role}" for found in sorting.domains.values() for t in found.topics for role in ("key", "value")}
    subjects = [s for s in registry.subjects_under([""]) if s in wanted]
    out = {}
    for subject in subjects:
        found = registry.latest_schema(subject)
        if found is not None:
            out[subject] = found
    return out, registry.requests


def _yaml(doc: dict) -> str:
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(doc, Dumper=dumper, sort_keys=False, allow_unicode=True, width=110)


def _print(report: Report, out: Path) -> None:
    err = sys.stderr
    for domain, entry in report.domains.items():
        print(f"specmesh: export: {domain}: {entry['topics']} topic(s), owner {entry['owner']} -> "
              f"{out / domain / (domain + '-api.yaml')}", file=err)
        for note in entry["notes"]:
            print(f"  note: {note}", file=err)
    for domain in report.missing:
        print(f"specmesh: export: {domain}: no topic on the cluster under {domain}: nothing written", file=err)
    for unfit in report.unfit:
        print(f"specmesh: export: {unfit['topic']}: not exported: {unfit['reason']}", file=err)
    for skipped in report.skipped:
        print(f"specmesh: export: skipped: {skipped}", file=err)
    if report.internal:
        print(f"specmesh: export: {len(report.internal)} internal topic(s) skipped: {', '.join(report.internal[:5])}"
              f"{' ...' if len(report.internal) > 5 else ''}", file=err)
    print(f"specmesh: export: {len(report.written)} spec(s) written, {len(report.unfit)} topic(s) fit no data product; "
          f"{report.admin_requests} admin request(s), {report.registry_requests} registry request(s)", file=err)


__all__ = ["export", "ExportOptions"]
