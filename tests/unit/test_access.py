"""Access that lives in git: write grants, grants that end, and `specmesh request-access` (its
in-place edit byte-compared, its refusals, hostile arguments). The broker-enforced halves are in
tests/e2e/test_access_grants.py."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from specmesh_docs.access.edit import CannotEdit, Grant, add_grant
from tests.conftest import EXAMPLES, REPO

GRANT = Grant("read", "acme.billing", "2027-03-31")

V2_BLOCK = """asyncapi: '2.6.0'   # the spec's first line
id: 'urn:acme.shop'
info: {title: Shop, version: '1.0.0', contact: {name: Shop, email: shop@acme.example}}
x-note: &note Shared.     # an anchor elsewhere stays as it is
channels:
  _protected.orders:
    description: *note
    publish:
      operationId: publishOrder   # keep this comment
      summary: Orders.
      tags:
        - name: sales
        -   name: "grant-access:acme.audit"
      message:
        payload: {type: object, properties: {id: {type: string}}}
"""
V2_FLOW = """asyncapi: '2.6.0'
id: 'urn:acme.shop'
channels:
  _protected.orders:
    publish: {operationId: publishOrder, tags: [ {name: sales} ], message: {payload: {type: string}}}
"""
V2_NO_TAGS = """asyncapi: '2.6.0'
id: 'urn:acme.shop'
channels:
    _protected.orders:
        publish:
            operationId: publishOrder
            message:
                payload: {type: string}
"""
V3_BLOCK = """asyncapi: 3.0.0
id: 'urn:acme.shop'
channels:
  orders:
    address: acme.shop._protected.orders
    messages: {order: {payload: {type: string}}}
operations:
  sendOrder:
    action: send
    channel: {$ref: '#/channels/orders'}
    # tags follow
    tags:
    - name: sales
"""
V3_FLOW_NO_TAGS = """asyncapi: 3.0.0
id: 'urn:acme.shop'
channels:
  orders: {address: acme.shop._protected.orders, messages: {order: {payload: {type: string}}}}
operations:
  sendOrder: {action: send, channel: {$ref: '#/channels/orders'}}
"""
JSON_SPEC = ('{\r\n  "asyncapi": "2.6.0",\r\n  "id": "urn:acme.shop",\r\n  "channels": {\r\n    "_protected.orders": {\r\n'
             '      "publish": {"operationId": "publishOrder", "message": {"payload": {"type": "string"}}}\r\n    }\r\n  }\r\n}\r\n')
CASES = {
    "v2 block, comments, anchors": (V2_BLOCK, ["channels", "_protected.orders", "publish"], ".yaml"),
    "v2 flow": (V2_FLOW, ["channels", "_protected.orders", "publish"], ".yaml"),
    "v2 no tags, 4-space indent": (V2_NO_TAGS, ["channels", "_protected.orders", "publish"], ".yaml"),
    "v3 block": (V3_BLOCK, ["operations", "sendOrder"], ".yaml"),
    "v3 flow, no tags": (V3_FLOW_NO_TAGS, ["operations", "sendOrder"], ".yaml"),
    "json, CRLF": (JSON_SPEC, ["channels", "_protected.orders", "publish"], ".json"),
}


def inserted(before: str, after: str) -> str:
    """The one contiguous run of text the edit added (everything else must be byte-identical)."""
    start = next((i for i, (a, b) in enumerate(zip(before, after)) if a != b), len(before))
    end = 0
    while end < len(before) - start and before[len(before) - 1 - end] == after[len(after) - 1 - end]:
        end += 1
    assert before[:start] + before[len(before) - end:] == before, "the edit changed more than one place"
    assert after[:start] == before[:start] and after[len(after) - end:] == before[len(before) - end:]
    return after[start:len(after) - end]


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_grant_is_one_insertion_and_the_spec_reads_it(case, tmp_path):
    from specmesh_docs.model import load_spec

    text, path, suffix = CASES[case]
    edited = add_grant(text, path, GRANT, as_json=suffix == ".json")
    added = inserted(text, edited)
    assert "grant-access:acme.billing" in added and "2027-03-31" in added
    assert "sales" not in added and "audit" not in added  # nothing of what was there is re-emitted
    (tmp_path / ".git").mkdir()
    spec = tmp_path / f"shop-api{suffix}"
    spec.write_bytes(edited.encode())
    topic = next(t for t in load_spec(spec).topics if t.name == "acme.shop._protected.orders")
    assert "acme.billing" in topic.grants and topic.expires == {"read:acme.billing": "2027-03-31"}
    if "audit" in text:
        assert "acme.audit" in topic.grants and "sales" in topic.tags


def test_shared_or_referenced_places_are_refused_not_edited():
    anchored = V2_BLOCK.replace("      tags:\n", "      tags: &shared\n")
    with pytest.raises(CannotEdit, match="anchor"):
        add_grant(anchored, ["channels", "_protected.orders", "publish"], GRANT, False)
    referenced = V2_FLOW.replace("publish: {operationId", "publish: {$ref: '#/components/operations/x'}\n    x: {o")
    with pytest.raises(CannotEdit, match=r"\$ref"):
        add_grant(referenced, ["channels", "_protected.orders", "publish"], GRANT, False)
    with pytest.raises(CannotEdit, match="not in the spec"):
        add_grant(V2_FLOW, ["channels", "_protected.nope", "publish"], GRANT, False)


# --- the command -------------------------------------------------------------------------------------

def request(repo: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    policy = next(p / "organisation-policy.yaml" for p in (repo, *repo.parents) if (p / "organisation-policy.yaml").is_file())
    return subprocess.run([sys.executable, "-m", "specmesh_docs", "request-access", *args], cwd=repo,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "SPECMESH_POLICY": str(policy),
                               "SPECMESH_NOW": "2026-12-01", **(env or {})})


@pytest.fixture
def estate(tmp_path) -> Path:
    copy = tmp_path / "estate"
    shutil.copytree(EXAMPLES, copy)
    (copy / ".git").mkdir()
    return copy


BUDGET = "finance.campaign._protected.campaign-budget"


def test_request_access_edits_in_place_and_prints_the_pull_request(estate):
    spec = estate / "finance-campaign" / "finance-campaign-api.yaml"
    before = spec.read_text()
    run = request(estate / "finance-campaign", BUDGET, "--for", "retail.checkout", "--until", "2027-03-31",
                  "--reason", "Baskets are priced\nwith the remaining budget")
    assert run.returncode == 0, run.stderr
    title, _, body = run.stdout.partition("\n\n")
    assert title == f"Grant retail.checkout read access to {BUDGET} until 2027-03-31"
    assert "> Baskets are priced\n> with the remaining budget" in body and "**PII fields this grant exposes**" in body
    added = "        - name: 'grant-access:retail.checkout'\n          x-expires: '2027-03-31'\n"
    assert added in spec.read_text() and spec.read_text().replace(added, "", 1) == before
    again = request(estate, BUDGET, "--for", "retail.checkout", "--reason", "again")
    assert again.returncode == 1 and "already has read access" in again.stderr and "until 2027-03-31" in again.stderr


def test_patch_prints_a_diff_and_writes_nothing(estate):
    spec = estate / "finance-campaign" / "finance-campaign-api.yaml"
    before = spec.read_bytes()
    run = request(estate / "finance-campaign", BUDGET, "--for", "health.fitness", "--write", "--reason", "Corrections",
                  "--patch")
    assert run.returncode == 0, run.stderr
    assert "+        - name: 'grant-write:health.fitness'" in run.stdout and run.stdout.startswith("--- a/")
    assert spec.read_bytes() == before
    assert sorted(p.name for p in spec.parent.iterdir()) == sorted(p.name for p in (EXAMPLES / "finance-campaign").iterdir())


@pytest.mark.parametrize("args, code, words", [
    (["finance.campaign._public.sale", "--for", "retail.checkout"], 1, "every domain may already read it"),
    (["finance.campaign._public.sale", "--for", "retail.checkout", "--write"], 0, "Grant retail.checkout write"),
    (["retail.checkout._private.payment-attempt", "--for", "finance.campaign"], 1, "is _private"),
    (["finance.campaign._protected.nope", "--for", "retail.checkout"], 2, "owns finance.campaign._protected.nope"),
    ([BUDGET, "--for", "finance.campaign"], 1, "owns"),
    ([BUDGET, "--for", "retail.checkout\n- name: 'grant-access:evil'"], 2, "is not a domain id"),
    ([BUDGET, "--for", "Retail Checkout"], 2, "is not a domain id"),
    ([BUDGET, "--for", "retail.checkout", "--until", "2026-11-30"], 2, "in the past"),
    ([BUDGET, "--for", "retail.checkout", "--until", "soon"], 2, "is not a date"),
])
def test_refusals_say_why_and_change_nothing(estate, args, code, words):
    before = {p: p.read_bytes() for p in estate.rglob("*") if p.is_file()}
    run = request(estate, *args, "--reason", "because")
    assert run.returncode == code, run.stdout + run.stderr
    assert words in run.stdout + run.stderr and "Traceback" not in run.stderr
    if code:
        assert {p: p.read_bytes() for p in estate.rglob("*") if p.is_file()} == before


def test_markdown_and_yaml_in_the_reason_stay_text(estate):
    reason = "ok\n## Approved by the CISO\n<script>x</script> | [click](javascript:alert(1))\n```\nkey: value"
    run = request(estate, BUDGET, "--for", "retail.checkout", "--reason", reason)
    assert run.returncode == 0, run.stderr
    assert "\n## Approved" not in run.stdout and "<script>" not in run.stdout and "](javascript" not in run.stdout
    assert "\n```" not in run.stdout
    spec = (estate / "finance-campaign" / "finance-campaign-api.yaml").read_text()
    assert "CISO" not in spec and "<script>" not in spec  # the reason goes to the pull request, not the spec


def test_a_change_the_owners_policy_rejects_is_undone(estate):
    policy = estate / "organisation-policy.yaml"
    policy.write_text(policy.read_text() + "severities: {GRANT-EXPIRING: error}\n")
    spec = estate / "finance-campaign" / "finance-campaign-api.yaml"
    before = spec.read_bytes()
    run = request(estate, BUDGET, "--for", "retail.checkout", "--until", "2026-12-05", "--reason", "a short test")
    assert run.returncode == 1 and "GRANT-EXPIRING" in run.stderr, run.stderr
    assert spec.read_bytes() == before


# --- grants that end, write grants ---------------------------------------------------------------------

SHOP = """asyncapi: '2.6.0'
id: 'urn:acme.shop'
info: {title: Shop, version: '1.0.0', contact: {name: Shop, email: shop@acme.example}}
channels:
  _protected.orders:
    bindings: {kafka: {partitions: 1}}
    publish:
      operationId: publishOrder
      summary: Orders.
      tags:
        - {name: 'grant-access:acme.audit', x-expires: 2027-03-31}
        - {name: 'grant-write:acme.pos', x-expires: '2027-03-31'}
        - {name: 'grant-access:acme.billing'}
      message:
        bindings: {kafka: {key: {type: string}}}
        payload: {type: object, properties: {id: {type: string}}}
  _private.ledger:
    bindings: {kafka: {partitions: 1}}
    publish:
      operationId: publishLedger
      summary: Ledger.
      tags: [{name: 'grant-write:acme.pos'}]
      message:
        bindings: {kafka: {key: {type: string}}}
        payload: {type: object, properties: {id: {type: string}}}
  _public.prices:
    bindings: {kafka: {partitions: 1}}
    publish:
      operationId: publishPrices
      summary: Prices.
      tags: [{name: 'grant-write:acme.pos'}, {name: 'grant-write:_public'}]
      message:
        bindings: {kafka: {key: {type: string}}}
        payload: {type: object, properties: {id: {type: string}}}
"""


def lint_on(tmp_path: Path, today: str) -> tuple[list, object]:
    from specmesh_docs.lint.runner import lint_products
    from specmesh_docs.model import load_spec
    from specmesh_docs.policy import PolicyCache

    (tmp_path / ".git").mkdir(exist_ok=True)
    (tmp_path / "shop-api.yaml").write_text(SHOP)
    old = os.environ.get("SPECMESH_NOW")
    os.environ["SPECMESH_NOW"] = today
    try:
        product = load_spec(tmp_path / "shop-api.yaml")
        return lint_products([product], PolicyCache()), product
    finally:
        os.environ.pop("SPECMESH_NOW") if old is None else os.environ.update(SPECMESH_NOW=old)


@pytest.mark.parametrize("today, expiring, expired", [
    ("2027-03-01", [], []),
    ("2027-03-30", ["ends tomorrow"], []),
    ("2027-03-31", ["ends today"], []),
    ("2027-04-01", [], ["ended after 2027-03-31"]),
])
def test_grants_end_after_their_last_day(tmp_path, today, expiring, expired):
    from specmesh_docs.policy import Policy
    from specmesh_docs.provision.desired import grant_acls

    findings, product = lint_on(tmp_path, today)
    got = {f.rule: f.message for f in findings if f.rule.startswith("GRANT-EXPIR")}
    for words in expiring:
        assert words in got.get("GRANT-EXPIRING", ""), got
    for words in expired:
        assert words in got.get("GRANT-EXPIRED", ""), got
    assert ("GRANT-EXPIRING" in got) == bool(expiring) and ("GRANT-EXPIRED" in got) == bool(expired)
    acls = {(a.name, a.principal, a.operation) for a in grant_acls(product, Policy())}
    live = not expired
    assert (("acme.shop._protected.orders", "User:acme.audit", "READ") in acls) == live
    assert (("acme.shop._protected.orders", "User:acme.pos", "WRITE") in acls) == live
    assert ("acme.shop._protected.orders", "User:acme.billing", "READ") in acls  # no end date


def test_write_grants_are_checked_and_provisioned_as_write_and_describe(tmp_path):
    from specmesh_docs.catalog import build_estate
    from specmesh_docs.policy import Policy
    from specmesh_docs.provision.desired import grant_acls

    findings, product = lint_on(tmp_path, "2026-12-01")
    by_rule = {}
    for f in findings:
        by_rule.setdefault(f.rule, []).append(f.message)
    assert any("_private" in m for m in by_rule["GRANT-WRITE-PRIVATE"])
    assert any("acme.pos may write to acme.shop._public.prices" in m for m in by_rule["GRANT-WRITE-PUBLIC"])
    assert any("'_public'" in m for m in by_rule["GRANT-SYNTAX"])  # everyone may never write
    acls = {(a.name, a.principal, a.operation) for a in grant_acls(product, Policy())}
    assert {("acme.shop._protected.orders", "User:acme.pos", op) for op in ("WRITE", "DESCRIBE")} <= acls
    assert not any(name == "acme.shop._private.ledger" for name, _, _ in acls)
    view = build_estate([product]).topics["acme.shop._protected.orders"]
    assert view.writers == ["acme.shop", "acme.pos"]
    assert build_estate([product]).topics["acme.shop._private.ledger"].writers == ["acme.shop"]


def test_removing_a_write_grant_breaks_its_producer(tmp_path):
    from specmesh_docs.diff.compare import compare
    from specmesh_docs.model import load_spec

    (tmp_path / ".git").mkdir()
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    (tmp_path / "old" / "shop-api.yaml").write_text(SHOP)
    (tmp_path / "new" / "shop-api.yaml").write_text(SHOP.replace("        - {name: 'grant-write:acme.pos', x-expires: '2027-03-31'}\n", ""))
    os.environ["SPECMESH_NOW"] = "2026-12-01"
    try:
        old, new = load_spec(tmp_path / "old" / "shop-api.yaml"), load_spec(tmp_path / "new" / "shop-api.yaml")
    finally:
        del os.environ["SPECMESH_NOW"]
    from specmesh_docs.policy import Policy

    changes = compare([old], [new], {}, lambda product: Policy())
    found = [(c.severity, c.rule) for c in changes]
    assert ("breaking", "GRANT-WRITE-REMOVED") in found, found


def test_the_portal_shows_write_grants_end_dates_and_the_request_box(tmp_path):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "shop-api.yaml").write_text(SHOP)
    config = tmp_path / "portal.yaml"
    config.write_text(f"sources:\n  - path: {repo}\n    request_url: 'https://git.example/acme/shop/issues/new?"
                      "title={title}&body={body}&labels=access&topic={topic}'\n")
    env = {**os.environ, "SPECMESH_NOW": "2026-12-01", "SPECMESH_PORTAL_CACHE": str(tmp_path / "cache")}
    run = subprocess.run([sys.executable, "-m", "specmesh_docs", "portal", "build", "--config", str(config), "--out",
                          str(tmp_path / "site")], cwd=REPO, capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == 0, run.stderr
    page = (tmp_path / "site" / "topics" / "acme.shop._protected.orders" / "index.html").read_text()
    assert "acme.audit</a> (until 2027-03-31)" in page or "acme.audit (until 2027-03-31)" in page
    assert "Who may write:" in page and "acme.pos" in page
    assert "specmesh request-access acme.shop._protected.orders --for DOMAIN" in page
    assert 'href="https://git.example/acme/shop/issues/new?title=Access%20to%20acme.shop._protected.orders' in page
    assert "topic=acme.shop._protected.orders" in page
    matrix = (tmp_path / "site" / "access" / "acme" / "index.html").read_text()
    assert "may write" in matrix
    config.write_text(f"sources:\n  - path: {repo}\n    request_url: 'javascript:alert(1)'\n")
    bad = subprocess.run([sys.executable, "-m", "specmesh_docs", "portal", "build", "--config", str(config), "--out",
                          str(tmp_path / "bad")], cwd=REPO, capture_output=True, text=True, timeout=300, env=env)
    assert bad.returncode == 2 and "request_url" in bad.stderr and "Traceback" not in bad.stderr


def test_a_grant_with_an_end_date_is_renewed_by_moving_its_date_only(estate):
    spec = estate / "finance-campaign" / "finance-campaign-api.yaml"
    assert request(estate, BUDGET, "--for", "retail.checkout", "--until", "2027-03-31", "--reason", "a").returncode == 0
    granted = spec.read_text()
    same = request(estate, BUDGET, "--for", "retail.checkout", "--until", "2027-03-31", "--reason", "again")
    assert same.returncode == 1 and "until 2027-03-31: to renew, ask with a later --until" in same.stderr
    run = request(estate, BUDGET, "--for", "retail.checkout", "--until", "2027-12-31", "--reason", "Another season")
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(f"Renew retail.checkout read access to {BUDGET} until 2027-12-31 (was until 2027-03-31)")
    assert spec.read_text() == granted.replace("x-expires: '2027-03-31'", "x-expires: '2027-12-31'")
    ended = request(estate, BUDGET, "--for", "retail.checkout", "--until", "2028-06-30", "--reason", "Back again",
                    env={"SPECMESH_NOW": "2028-01-15"})  # the grant ended after 2027-12-31
    assert ended.returncode == 0, ended.stderr
    assert spec.read_text() == granted.replace("x-expires: '2027-03-31'", "x-expires: '2028-06-30'")
    forever = request(estate, BUDGET, "--for", "platform.control_plane", "--until", "2099-01-01", "--reason", "x")
    assert forever.returncode == 1 and "with no end date" in forever.stderr
