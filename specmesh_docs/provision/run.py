"""`specmesh provision`: load specs, plan against the cluster, print, save or apply the plan."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Position, SpecError
from .plan import DELETABLE, PLAN_VERSION, VERB, Change, Plan, diff, merge, observed_digest, plan_document, render_text
from .state import Scope

from ..exitcodes import FINDINGS as EXIT_FAILED, OK as EXIT_OK, PARTIAL as EXIT_PARTIAL, PENDING as EXIT_PENDING
from ..exitcodes import DENIED as EXIT_DENIED, for_cluster_error


@dataclass
class Options:
    specs: list[str]
    bootstrap: str | None = None
    command_config: str | None = None
    dry_run: bool = False
    plan_out: str | None = None
    plan_in: str | None = None
    fmt: str = "text"
    owner_principal: str | None = None
    factor: float = 1.0
    clean: bool = False
    allow_delete: frozenset = frozenset()
    config: str | None = None
    policy_from_repo: bool = False
    timeout: float = 30.0
    schema_registry: str | None = None
    catalog: list[str] = field(default_factory=list)
    keep_acls: bool = False  # --keep-undeclared-acls: undeclared bindings stay, shown as drift
    detailed_exitcode: bool = False
    wait: float | None = None  # seconds to wait for the cluster to serve every change (None: scaled to the plan)
    connect_timeout: float | None = None
    baseline: str | None = None  # lint findings recorded there (accepted debt) do not block; new ones do


def parse_allow_delete(text: str | None) -> frozenset:
    kinds = frozenset(k.strip() for k in (text or "").split(",") if k.strip())
    unknown = kinds - set(DELETABLE)
    if unknown:
        raise SpecError(f"--allow-delete takes {', '.join(DELETABLE)} (comma-separated), not {', '.join(sorted(unknown))}")
    return kinds


def load_and_lint(opts: Options, specs: list[str]):
    """Each spec read once, for both lint and desired state: (products, policies, findings)."""
    from ..lint.runner import catalog_files, lint_products, load_all, published_products
    from ..policy import ORG_POLICY_ENV, PolicyCache, org_policy_path

    org = org_policy_path(opts.config)
    if org is None and not opts.policy_from_repo:
        raise SpecError(f"provisioning needs the organisation's policy: pass --config FILE or set {ORG_POLICY_ENV} "
                        "(--policy-from-repo trusts the specmesh.yaml in the spec repository instead)")
    policies = PolicyCache(org)
    files = [Path(s) for s in specs]
    errors: list[SpecError] = []
    products = load_all(files, policies, errors)
    if errors:
        raise errors[0]
    default = policies.for_spec(files[0]) if files else None
    catalog = load_all(catalog_files(opts.catalog, files, default), policies, []) if opts.catalog else []
    catalog += published_products(opts.catalog, products)
    known = {p.domain for p in (*products, *catalog)}
    return products, policies, lint_products(products, policies, catalog), known


def desired_states(opts: Options, products, policies):
    """Desired state per spec, and the digest of the specs and policy it comes from."""
    from .desired import check_factor, desired_state
    from .gate import inputs_digest

    check_factor(opts.factor)
    if opts.owner_principal and len(products) > 1:
        raise SpecError("--owner-principal applies to one spec; give one spec per run")
    for product in products:
        if product.problems:  # only when the policy switched SCHEMA-REF off: a schema we cannot read
            raise product.problems[0]
    states = [desired_state(p, policies.for_spec(Path(p.spec_file)), opts.owner_principal, opts.factor)
              for p in products]
    return states, inputs_digest(products, policies)


def validate(opts: Options, specs: list[str], findings: list, out, err) -> tuple[bool, list]:
    """Lint gate: prints warnings and errors; (False, findings) when any is an error (nothing may be planned)."""
    from ..lint.engine import LintResult
    from ..lint.report import summary_line, to_text
    from .gate import blocking

    shown = [f for f in findings if f.severity != "info"]  # warnings show, and do not block
    if opts.fmt == "text" and shown:
        text = to_text(LintResult(findings=shown))
        out.write(text if text.endswith("\n") else text + "\n")
        out.flush()
    if blocking(findings):
        summary = summary_line(LintResult(findings=findings, files=specs))
        print(f"specmesh: {summary}; provisioning applies only valid specs: nothing was planned "
              "or applied (relax a rule in the policy file if the organisation agrees)", file=err)
        return False, shown
    return True, shown


def _scope_dicts(scopes: list[Scope]) -> list[dict]:
    return [{"domain": s.domain, "prefix": s.prefix, "owner": s.owner} for s in scopes]


class Refused(Exception):
    """The run stops before anything is written (exit 1)."""


def provision(opts: Options, out=None, err=None) -> int:
    from .kafka import ClusterError

    out, err = out or sys.stdout, err or sys.stderr
    saved = _read_plan(Path(opts.plan_in)) if opts.plan_in else None
    specs = [s["file"] for s in saved["specs"]] if saved else opts.specs
    products, policies, findings, known_domains = load_and_lint(opts, specs)
    if opts.baseline:  # the lint baseline the repository already reviewed: the same debt, accepted here too
        from ..lint.baseline import apply_baseline

        findings, accepted = apply_baseline(Path(opts.baseline), findings)
        if accepted:
            print(f"specmesh: {accepted} finding(s) recorded in {opts.baseline} accepted; new ones still block",
                  file=err)
    valid, findings = validate(opts, specs, findings, out, err)
    if not valid:
        _finish(opts, out, findings, None, [], applied=False)
        return EXIT_FAILED
    desired, inputs = desired_states(opts, products, policies)
    cluster, registry = _connect(opts)
    try:
        if saved and saved.get("inputs_digest") != inputs:
            raise Refused(f"the specs or the policy changed since {opts.plan_in} was made; plan again")
        plan, document, scopes = _plan(opts, saved, desired, inputs, cluster, registry, known_domains)
    except Refused as exc:
        print(f"specmesh: {exc}", file=err)
        return EXIT_FAILED
    except ClusterError as exc:
        print(f"specmesh: error: {exc.message}", file=err)
        return for_cluster_error(exc)
    if opts.fmt == "text":
        out.write(render_text(plan, {s["domain"]: s["file"] for s in document["specs"]}))
        out.flush()
    if plan.errors:
        _finish(opts, out, findings, document, [], applied=False, requests=cluster.requests)
        print(f"specmesh: plan refused ({len(plan.errors)} problem(s)); nothing was applied", file=err)
        return EXIT_FAILED
    if opts.plan_out:
        Path(opts.plan_out).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    if opts.dry_run or opts.plan_out or not plan.changes:
        _finish(opts, out, findings, document, [], applied=False, requests=cluster.requests)
        return EXIT_PENDING if opts.detailed_exitcode and plan.changes else EXIT_OK
    results = cluster_apply(cluster, plan, opts, out, registry)
    served = _read_back(cluster, scopes, results, err, opts.wait)
    if registry is not None:
        served = _registry_read_back(registry, results, err) and served
    _finish(opts, out, findings, document, results, applied=True, requests=cluster.requests)
    failed = [r for r in results if not r.ok]
    if failed:
        print(f"specmesh: error: {len(failed)} of {len(results)} changes failed, the first: {failed[0].change.action} "
              f"{failed[0].change.kind} {failed[0].change.name}: {failed[0].error}; a re-run plans what is left", file=err)
    if served and not failed:
        return EXIT_OK
    from .kafka import _kind_of

    if failed and len(failed) == len(results) and all(_kind_of(r.error or "") == "auth" for r in failed):
        return EXIT_DENIED  # nothing applied, every change refused for want of a grant
    return EXIT_PARTIAL


def _registry_read_back(registry, results, err) -> bool:
    """Exit 0 means the registry serves every subject version and level the plan applied."""
    from .kafka import ClusterError

    try:
        missing = registry.confirm([r.change for r in results if r.ok and r.change.kind == "schema"])
    except ClusterError as exc:
        print(f"specmesh: error: applied, but could not confirm that the registry serves it: {exc.message}", file=err)
        return False
    if missing:
        print(f"specmesh: error: applied, but the registry at {registry.url} does not serve "
              f"{len(missing)} of them: {', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}", file=err)
        return False
    return True


def _connect(opts: Options):
    from .client import client_settings
    from .kafka import Cluster

    settings = client_settings(opts.bootstrap, opts.command_config)
    cluster = Cluster(settings, opts.timeout, opts.connect_timeout)
    registry = None
    from .registry import Registry, registry_settings

    conf = registry_settings(opts.schema_registry, settings, os.environ)
    if conf is not None:
        registry = Registry(conf)
        registry.check_root()
    return cluster, registry


def _plan(opts: Options, saved: dict | None, desired: list, inputs: str, cluster, registry, known_domains: set[str]):
    """The plan from the desired states against the cluster as it is now.

    A saved plan is never trusted as written: its changes must be exactly the ones derived
    afresh from the specs, the policy, this run's options and the cluster, or the run stops.
    """
    scopes = [d.scope for d in desired]
    subjects = [r.subject for d in desired for r in d.schemas]
    observed = cluster.observe(scopes)
    undeclared = (sorted(set(registry.subjects_under([s.prefix for s in scopes])) - set(subjects))
                  if registry is not None else [])
    digest = observed_digest(observed, registry.digest_state(subjects + undeclared) if registry is not None else {})
    if saved and saved["observed_digest"] != digest:
        raise Refused(f"the cluster changed since {opts.plan_in} was made; plan again")
    plans = [diff(d, observed[d.scope.domain], opts.clean, opts.allow_delete, known_domains, opts.keep_acls)
             for d in desired]
    verdicts: list[dict] = []
    if registry is not None:
        from .verdicts import schema_verdicts

        planned_new: set[str] = set()
        for d, p in zip(desired, plans):
            states = registry.observe(d.schemas, planned_new, d.compatibility)
            add_schema_changes(p, d, states)
            add_subject_clean_up(p, d, undeclared, opts.clean and "schemas" in opts.allow_delete)
            found = schema_verdicts(d.schemas, states, d.compatibility, registry)
            p.warnings += [f"schema {v['subject']}: the registry finds it {v['registry']}, the offline checker "
                           f"(specmesh diff) {v['offline']}" for v in found if v["registry"] != v["offline"]]
            verdicts += found
    plan = merge(plans)
    spec_list = [{"file": d.spec_file, "domain": d.scope.domain} for d in desired]
    document = plan_document(plan, spec_list, digest, cluster.bootstrap,
                             {"scopes": _scope_dicts(scopes), "subjects": subjects, "inputs_digest": inputs,
                              "options": plan_options(opts, registry is not None), "schema_verdicts": verdicts})
    if saved:
        check_saved(saved, document, opts.plan_in)
    return plan, document, scopes


def plan_options(opts: Options, schemas: bool) -> dict:
    return {"clean_unspecified": opts.clean, "allow_delete": sorted(opts.allow_delete), "baseline": _digest(opts.baseline),
            "owner_principal": opts.owner_principal, "partition_count_factor": opts.factor,
            "schema_registry": schemas, "keep_undeclared_acls": opts.keep_acls}


def _digest(path: str | None) -> str | None:
    """A file's content as a plan option: a saved plan made with one baseline applies with that one."""
    if not path:
        return None
    import hashlib

    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]
    except OSError:
        return None


def check_saved(saved: dict, fresh: dict, name: str) -> None:
    """Refuses a saved plan whose content is not what the inputs give now (tampered or stale)."""
    fresh = json.loads(json.dumps(fresh))  # compare as the saved file holds it
    if saved.get("options") != fresh["options"]:
        raise Refused(f"{name} was made with other options ({_options_words(saved.get('options'))}); "
                      f"apply it with the same options ({_options_words(fresh['options'])}) or plan again")
    for key in ("specs", "scopes", "subjects", "errors", "unchanged_schemas", "summary", "changes", "warnings", "drift"):
        if saved.get(key) != fresh[key]:
            where = _first_difference(saved.get(key), fresh[key])
            raise Refused(f"{name} does not match what the specs, the policy and the cluster give now "
                          f"({key}{where} differs): it was edited or is stale; nothing was applied; plan again")


def _options_words(options: object) -> str:
    if not isinstance(options, dict):
        return "unknown"
    return ", ".join(f"{k}={v}" for k, v in sorted(options.items())) or "none"


def _first_difference(saved: object, fresh: list | dict) -> str:
    if isinstance(saved, list) and isinstance(fresh, list):
        for i, (a, b) in enumerate(zip(saved, fresh)):
            if a != b:
                return f"[{i}]"
        return f" (length {len(saved)} vs {len(fresh)})"
    return ""


def _read_back(cluster, scopes, results, err, wait: float | None) -> bool:
    """Exit 0 means the cluster serves the change: wait until clients see every applied change."""
    from collections import Counter

    from .apply import await_visible, wait_seconds
    from .kafka import ClusterError

    seconds = wait_seconds(results) if wait is None else wait
    try:
        pending = await_visible(cluster, scopes, results, seconds)
    except ClusterError as exc:
        print(f"specmesh: error: applied, but could not confirm that the cluster serves it: {exc.message}", file=err)
        return False
    if pending:
        counts = Counter(f"{c.kind} {'deletions' if c.action == 'delete' else 'changes'}" for c in pending)
        print(f"specmesh: error: applied, but after {seconds:.0f} s the cluster does not serve "
              f"{', '.join(f'{n} {what}' for what, n in sorted(counts.items()))} yet; re-run to confirm "
              "(a re-run plans only what is missing), or give --wait SECONDS", file=err)
        return False
    return True


def add_schema_changes(plan: Plan, desired, states) -> None:
    """Schema registrations join the domain's plan; refusals stop the whole plan."""
    from .schemas import diff_schemas

    domain = desired.scope.domain
    changes, unchanged, errors = diff_schemas(domain, desired.schemas, states, desired.compatibility)
    topic_count = sum(1 for c in plan.changes if c.kind == "topic")
    plan.changes[topic_count:topic_count] = [Change(a, "schema", domain, subject, before, after)
                                             for a, subject, before, after in changes]
    plan.unchanged += [(domain, subject, version) for subject, version in unchanged]
    plan.errors += errors


def add_subject_clean_up(plan: Plan, desired, undeclared: list[str], deleting: bool) -> None:
    """Subjects under the domain that no spec of the run declares: drift, soft-deleted when allowed."""
    from .plan import Drift

    if plan.errors:  # refused (e.g. a namespace another domain owns): nothing to clean, nothing applied
        return
    domain = desired.scope.domain
    for subject in undeclared:
        if not subject.startswith(desired.scope.prefix):
            continue
        if deleting:
            plan.changes.append(Change("delete", "schema", domain, subject, {"subject": subject}, None))
        plan.drift.append(Drift(domain, "schema", subject, "soft-deleted by this plan" if deleting else
                                "kept: --clean-unspecified --allow-delete schemas soft-deletes it"))


def cluster_apply(cluster, plan: Plan, opts: Options, out, registry=None):
    from .apply import apply_plan

    def progress(phase: str, done):
        if opts.fmt == "text":
            for r in done:
                c = r.change
                verb = VERB.get((c.action, c.kind), c.action)
                out.write(f"  {'ok' if r.ok else 'FAILED'}  {verb} {c.kind} {c.name}"
                          + (f" ({phase})" if c.action == "update" else "") + ("" if r.ok else f": {r.error}") + "\n")
            out.flush()

    if opts.fmt == "text":
        out.write("Applying:\n")
        out.flush()
    return apply_plan(cluster, plan.changes, progress, registry)


def _finish(opts: Options, out, findings: list, document: dict | None, results: list, applied: bool,
            requests: int = 0) -> None:
    failed = sum(1 for r in results if not r.ok)
    if opts.fmt == "json":
        report = {"version": 1, "lint": [f.to_dict() for f in findings], "plan": document, "applied": applied,
                  "results": [r.to_dict() for r in results],
                  "summary": {"applied": len(results) - failed, "failed": failed}, "admin_requests": requests}
        out.write(json.dumps(report, indent=2) + "\n")
    elif applied:
        out.write(f"Apply: {len(results) - failed} applied, {failed} failed\n")


def _read_plan(path: Path) -> dict:
    """The saved plan's shape only; its content is verified against a fresh plan (check_saved)."""
    from ..jsondoc import read_json

    doc = read_json(path, "plan")
    at = Position(str(path), 1, 1)
    if not (isinstance(doc, dict) and doc.get("kind") == "specmesh-plan" and doc.get("version") == PLAN_VERSION
            and isinstance(doc.get("changes"), list) and isinstance(doc.get("specs"), list)
            and isinstance(doc.get("observed_digest"), str) and isinstance(doc.get("inputs_digest"), str)):
        raise SpecError(f"not a specmesh plan (version {PLAN_VERSION})", at)
    if not doc["specs"] or not all(isinstance(s, dict) and isinstance(s.get("file"), str) and s["file"]
                                   and "\0" not in s["file"] for s in doc["specs"]):
        raise SpecError("the plan's 'specs' must list the spec files it was made from", at)
    return doc
