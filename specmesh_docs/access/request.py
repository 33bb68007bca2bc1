"""`specmesh request-access`: access asked for as a change to the owner's spec. The request is the
change, the owner's review is the approval, the history is the audit trail.

In a checkout of the owner's repository: find the spec that owns the topic, refuse what the
access rules forbid (with the reason), add the grant tag in place (`edit.add_grant`), lint the
result with the owner's policy (a change that adds an error is undone), and print a pull request
title and body, or with `--patch` the change as a unified diff and nothing written."""

from __future__ import annotations

import difflib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import SpecError
from ..output import markdown_text, one_line
from .edit import CannotEdit, Grant, add_grant, operation_path, renew_grant, valid_domain

MAX_REASON = 2000


@dataclass
class Request:
    topic: str
    domain: str
    reason: str
    write: bool = False
    until: str | None = None
    repo: str = "."
    patch: bool = False
    config: str | None = None


class Refused(Exception):
    """The access rules or the owner's policy forbid the request: exit 1, with the reason."""


def owner_spec(req: Request):
    """(product, topic, policy) of the spec in the repository that owns the topic (the longest domain)."""
    from ..lint.runner import discover, load_all
    from ..policy import PolicyCache, org_policy_path

    repo = Path(req.repo)
    if not repo.is_dir():
        raise SpecError(f"--repo {req.repo}: not a directory")
    policies = PolicyCache(org_policy_path(req.config))
    files = discover([str(repo)], policies.for_spec(repo / "x").spec_patterns)
    errors: list[SpecError] = []
    products = load_all(files, policies, errors)
    owners = [(p, t) for p in products for t in p.topics if t.name == req.topic]
    if not owners:
        raise SpecError(f"no spec in {repo} owns {one_line(req.topic)} ({len(files)} specs read"
                        f"{', ' + str(len(errors)) + ' unreadable' if errors else ''}): run it in a checkout of the "
                        "owner's repository, or give --repo")
    product, topic = max(owners, key=lambda pt: len(pt[0].domain))
    return product, topic, policies.for_spec(Path(product.spec_file)), policies


def check(req: Request, product, topic, policy) -> Grant:
    """The grant asked for, or Refused / SpecError saying why not."""
    from datetime import date

    from ..clock import now

    if not valid_domain(req.domain) or not _matches(policy.domain_pattern, req.domain):
        raise SpecError(f"--for {one_line(req.domain)[:80]!r} is not a domain id (the policy's domain pattern: "
                        f"{policy.domain_pattern})")
    reason = req.reason.strip()
    if not reason or len(reason) > MAX_REASON:
        raise SpecError(f"--reason says why the access is needed (1 to {MAX_REASON} characters)")
    until = None
    if req.until is not None:
        try:
            last = date.fromisoformat(req.until.strip())
        except ValueError:
            raise SpecError(f"--until {one_line(req.until)[:40]!r} is not a date (2027-03-31)") from None
        if last < now().date():
            raise SpecError(f"--until {last.isoformat()} is in the past")
        until = last.isoformat()
    kind = "write" if req.write else "read"
    if req.domain == product.domain:
        raise Refused(f"{req.domain} owns {topic.name}: it needs no grant")
    if topic.access == policy.private:
        raise Refused(f"{topic.name} is _private: only {product.domain} may use it (ask for a _protected topic)")
    if kind == "read" and topic.access == policy.public:
        raise Refused(f"{topic.name} is _public: every domain may already read it")
    granted = topic.grants if kind == "read" else topic.write_grants
    ended = next((last for k, g, last, _ in topic.expired if k == kind and g == req.domain), None)
    last = topic.expires.get(f"{kind}:{req.domain}") if req.domain in granted else ended
    if req.domain in granted or ended:
        if last is None:
            raise Refused(f"{req.domain} already has {kind} access to {topic.name}, with no end date")
        if until is None or until <= last:
            raise Refused(f"{req.domain} already has {kind} access to {topic.name} until {last}"
                          + (" (ended)" if ended else "") + ": to renew, ask with a later --until")
        return Grant(kind, req.domain, until, renews=last)
    return Grant(kind, req.domain, until)


def _matches(pattern: str, text: str) -> bool:
    from ..userregex import fullmatch

    return bool(fullmatch(pattern, text))


def request_access(req: Request, out=None) -> int:
    from ..exitcodes import FINDINGS, OK

    out = out or sys.stdout
    product, topic, policy, policies = owner_spec(req)
    try:
        grant = check(req, product, topic, policy)
    except Refused as exc:
        print(f"specmesh: request-access: refused: {exc}", file=sys.stderr)
        return FINDINGS
    target = Path(product.spec_file)  # an operation defined elsewhere is a $ref: add_grant refuses it
    path = operation_path(product, topic, policy.v2_operations)
    before = target.read_bytes()
    try:
        text = before.decode("utf-8")
        edited = (renew_grant(text, path, grant) if grant.renews else
                  add_grant(text, path, grant, as_json=target.suffix.lower() == ".json"))
    except UnicodeDecodeError:
        raise SpecError("the spec is not UTF-8 text", _at(target)) from None
    except CannotEdit as exc:
        print(f"specmesh: request-access: refused: {target}: {exc}; add the tag by hand", file=sys.stderr)
        return FINDINGS
    new_errors = _lint_with(target, edited, product, policies, grant, topic.name, keep=not req.patch)
    if new_errors:
        print("specmesh: request-access: refused: the change breaks the owner's policy:", file=sys.stderr)
        for finding in new_errors:
            print(f"  {finding}", file=sys.stderr)
        return FINDINGS
    if req.patch:
        shown = os.path.relpath(target, req.repo)
        out.write("".join(difflib.unified_diff(text.splitlines(keepends=True), edited.splitlines(keepends=True),
                                               f"a/{shown}", f"b/{shown}")))
    else:
        out.write(pull_request(grant, product, topic, req.reason, os.path.relpath(target, req.repo)))
    return OK


def _at(path: Path):
    from ..errors import Position

    return Position(str(path))


def _lint_with(target: Path, edited: str, product, policies, grant: Grant, topic_name: str, keep: bool) -> list:
    """The owner's errors the edit adds (none: the change stands). The edited spec is written in place,
    or for `--patch` beside it (so its $refs resolve) and removed afterwards; an edit that adds an
    error, or that does not give the grant, is undone: the file ends as it began."""
    from ..lint.runner import lint_products
    from ..model import load_spec
    from ..writing import write_whole

    original = target.read_text(encoding="utf-8")
    trial = target if keep else target.with_name(f".{target.stem}.specmesh-request{target.suffix}")
    before = _errors(lint_products([product], policies))
    write_whole(trial, edited)
    try:
        policy = policies.for_spec(target)
        after_product = load_spec(trial, principal_format=policy.principal_format, domain_from=policy.domain_from,
                                  v2_operations=policy.v2_operations)
        topic = next((t for t in after_product.topics if t.name == topic_name), None)
        names = (topic.grants if grant.kind == "read" else topic.write_grants) if topic else []
        if grant.domain not in names:
            raise SpecError(f"the edited spec does not grant {grant.domain}: nothing was changed")
        added = [f for key, f in _errors(lint_products([after_product], policies)).items() if key not in before]
    except BaseException:
        _undo(trial, target, original, keep)
        raise
    if added or not keep:
        _undo(trial, target, original, keep)
    return added


def _undo(trial: Path, target: Path, original: str, keep: bool) -> None:
    from ..writing import write_whole

    if keep:
        write_whole(target, original)
    else:
        trial.unlink(missing_ok=True)


def _errors(findings) -> dict:
    return {(f.rule, f.message.replace(".specmesh-request", "")): f for f in findings if f.severity == "error"}


def pull_request(grant: Grant, product, topic, reason: str, shown: str) -> str:
    """The pull request, ready to paste: a title line, a blank line, a Markdown body. Every value
    from the command line is shown as text (no markup, no line breaks it did not ask for)."""
    what = "read" if grant.kind == "read" else "write (produce)"
    until = f" until {grant.until}" if grant.until else ""
    title = (f"Renew {grant.domain} {grant.kind} access to {topic.name}{until} (was until {grant.renews})"
             if grant.renews else f"Grant {grant.domain} {grant.kind} access to {topic.name}{until}")
    pii = [f.name for f in topic.pii_fields]
    exposed = ("the whole topic is tagged PII" if topic.pii_tag and not pii else
               ", ".join(f"`{markdown_text(n)}`" for n in pii) if pii else "none")
    reason_lines = "\n".join(f"> {markdown_text(line)}" if line.strip() else ">" for line in reason.strip().splitlines())
    body = [
        f"**Who**: `{grant.domain}` asks for **{what}** access to `{topic.name}`, owned by `{product.domain}`.",
        f"**Until**: {grant.until + ' (the grant ends after this day; provisioning then revokes it)' if grant.until else 'no end date'}.",
        "",
        "**Why**:",
        "",
        reason_lines,
        "",
        f"**PII fields this grant exposes**: {exposed}." if grant.kind == "read" else
        "**What changes**: the domain's principal may produce records to the topic (WRITE, DESCRIBE).",
        "",
        f"**The change**: {'the end date of' if grant.renews else 'one'} `{grant.tag}` tag on the topic's operation "
        f"in `{markdown_text(shown)}`, "
        "linted with the owner's policy. Approving this pull request is the approval; the owner's next "
        "release provisions the ACLs (`specmesh provision`).",
    ]
    return f"{title}\n\n" + "\n".join(body) + "\n"
