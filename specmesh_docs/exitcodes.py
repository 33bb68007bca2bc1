"""The one exit-code table of every `specmesh` command: what a pipeline does next depends on it
(fix the spec, retry, page someone). `--help` and the README print it from here."""

from __future__ import annotations

OK = 0  # done: the file is written, the page renders, the cluster and the registry serve the change
FINDINGS = 1  # findings or a refusal: lint errors, breaking changes, a plan refused; fix the spec
USAGE = 2  # bad input or usage: an unreadable spec, a bad option, a wrong URL or setting
PENDING = 3  # changes pending (provision --dry-run / --plan-out with --detailed-exitcode)
UNREACHABLE = 4  # the broker or the registry cannot be reached or did not answer: retry
DENIED = 5  # authentication or authorisation refused: fix the credentials or the grants
PARTIAL = 6  # applied or checked (verify) in part, or applied but not confirmed served: re-run
INTERRUPTED = 130

TABLE = [
    (OK, "done: written, rendered, or applied and served"),
    (FINDINGS, "findings or refusal: lint errors, breaking changes, a refused plan (fix the spec)"),
    (USAGE, "bad input or usage: unreadable spec, bad option, wrong URL or setting"),
    (PENDING, "changes pending (--detailed-exitcode with --dry-run or --plan-out)"),
    (UNREACHABLE, "broker or registry unreachable or not answering (retry)"),
    (DENIED, "authentication or authorisation refused (credentials, ACLs)"),
    (PARTIAL, "applied or checked in part, or applied but not confirmed served (re-run)"),
]


def epilog() -> str:
    return "exit codes:\n" + "\n".join(f"  {code}  {meaning}" for code, meaning in TABLE)


def for_cluster_error(exc) -> int:
    """A failure of the cluster or the registry, by its kind."""
    return {"auth": DENIED, "usage": USAGE}.get(getattr(exc, "kind", ""), UNREACHABLE)
