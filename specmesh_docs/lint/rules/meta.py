"""Rules about suppression comments themselves (raised by lint/suppress.py, not by a check)."""

from ..engine import rule


def _raised_by_suppress_pass(*_):
    return ()


rule("SUPPRESS-REASON", "error", "An inline `specmesh: ignore[RULE-ID]` comment gives a reason.",
     "write why after the bracket: # specmesh: ignore[PII-RETENTION] legal hold, ticket DPO-12",
     scope="meta", bad="# specmesh: ignore[PII-RETENTION]",
     good="# specmesh: ignore[PII-RETENTION] legal hold until 2027, approved in DPO-12")(_raised_by_suppress_pass)
rule("SUPPRESS-UNKNOWN", "warning", "An inline ignore comment names existing rule ids.",
     "use an id from `specmesh rules`", scope="meta", bad="# specmesh: ignore[PII-RETENSION] typo",
     good="# specmesh: ignore[PII-RETENTION] legal hold")(_raised_by_suppress_pass)
