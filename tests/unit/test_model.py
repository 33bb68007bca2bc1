"""The model: v2/v3 equivalence, naming, schema fields and PII marking, flatten."""

from __future__ import annotations

import pytest
import yaml

from specmesh_docs.model import load_spec
from specmesh_docs.model.flatten import flatten
from specmesh_docs.model.naming import TopicName, access_of, canonical_topic, domain_from_id, grantee_of, owner_of
from tests.conftest import EXAMPLE_SPECS, EXAMPLES, FIXTURES


def comparable(product) -> dict:
    doc = product.to_dict()
    for key in ("spec", "asyncapi"):
        doc.pop(key)
    for item in doc["topics"] + doc["consumed"]:
        item.pop("position")
        item.pop("channel")
    return doc


def test_v2_and_its_v3_translation_give_the_same_model():
    v2 = load_spec(FIXTURES / "v2v3/orders-v2-api.yaml")
    v3 = load_spec(FIXTURES / "v2v3/orders-v3-api.yaml")
    assert comparable(v2) == comparable(v3)
    topic = v3.topics[0]
    assert topic.name == "retail.orders._protected.order" and topic.grants == ["finance.billing"]
    assert topic.pii and [f.name for f in topic.pii_fields] == ["email"]
    assert v3.consumed[0].group_id == "retail.orders.invoices"


def test_naming_rules():
    assert domain_from_id("urn:a.b:c") == "a.b.c" and domain_from_id("a.b") is None and domain_from_id("urn:") is None
    assert canonical_topic("/a/b/_public/c", "x", owned=True) == "a.b._public.c"
    assert canonical_topic("x.y._public.c", "x.y", owned=True) == "x.y._public.c"
    assert canonical_topic("_public.c", "x.y", owned=True) == "x.y._public.c"
    assert canonical_topic("other._public.c", "x.y", owned=False) == "other._public.c"
    assert canonical_topic(".other._public.c", "x.y", owned=False) == "other._public.c"
    assert access_of("a.b._protected.c") == "_protected" and access_of("a.b.c") is None
    assert grantee_of("grant-access:a.b") == "a.b" and grantee_of("grant-access:") == "" and grantee_of("pii") is None
    name = TopicName.parse("finance.campaign._public.sale")
    assert (name.domain, name.service, name.access, name.type) == ("finance", "campaign", "_public", "sale")
    assert owner_of("acme.userprops._public.x", {"acme.user", "acme.userprops"}) == "acme.userprops"
    assert owner_of("acme.user._public.x", {"acme.user", "acme.userprops"}) == "acme.user"


def test_example_estate_shape():
    specs = EXAMPLE_SPECS
    products = [load_spec(p) for p in specs]
    assert len(products) >= 5
    assert len({p.domain.split(".")[0] for p in products}) >= 4
    formats = {s.format for p in products for t in p.topics for s in (t.key, t.value) if s}
    assert {"avro", "json", "protobuf"} <= formats
    assert any(p.major_version == 3 for p in products)
    assert all(not p.problems and not p.notes for p in products)
    by_topic = {t.name: t for p in products for t in p.topics}
    assert by_topic["health.fitness._public.user-health"].value.format == "avro"
    assert by_topic["finance.campaign._public.sale"].examples


def test_pii_marking_in_every_format():
    fitness = load_spec(EXAMPLES / "health-fitness/health-fitness-api.yaml")
    workout = fitness.topics[1]
    assert {f.name for f in workout.pii_fields} == {"email", "route[].lat", "route[].lon"}  # Avro "pii": true
    retail = load_spec(EXAMPLES / "retail-checkout/retail-checkout-api.yaml")
    assert {f.name for f in retail.topics[1].pii_fields} == {"card_holder", "card_last4"}  # Protobuf debug_redact
    assert retail.topics[0].value.fields[0].doc == "Order id."  # Protobuf comments are docs
    assert "lines.sku" in {f.name for f in retail.topics[0].value.fields}


def test_nested_json_schema_refs_inside_schema_files():
    campaign = load_spec(EXAMPLES / "finance-campaign/finance-campaign-api.yaml")
    fields = {f.name: f for f in campaign.topics[0].value.fields}
    assert fields["amount.currency"].required and fields["amount.currency"].type == "string"
    assert fields["sold_at"].type == "string (date-time)"


def test_flatten_uses_canonical_names():
    product = load_spec(EXAMPLES / "health-fitness/health-fitness-api.yaml")
    flat = flatten(product)
    assert list(flat["channels"])[:3] == [t.name for t in product.topics]
    assert "platform.control_plane._protected.users" in flat["channels"]
    yaml.safe_dump(flat)  # plain data, dumpable


def test_v2_operations_reading_is_a_policy_choice(tmp_path):
    """SpecMesh reads `publish` as "this application produces"; AsyncAPI 2 itself means the opposite."""
    import json
    import subprocess
    import sys

    from tests.conftest import REPO

    (tmp_path / ".git").mkdir()
    (tmp_path / "lights-api.yaml").write_text("""asyncapi: '2.6.0'
id: 'urn:acme.lights'
info: {title: Lights, version: '1'}
channels:
  _public.measured:
    publish: {operationId: measured, message: {payload: {type: string}}}
  _public.turn_on:
    subscribe: {operationId: turnOn, message: {payload: {type: string}}}
""")

    def owned_and_consumed(policy: str | None) -> tuple[list, list]:
        if policy:
            (tmp_path / "specmesh.yaml").write_text(policy)
        out = subprocess.run([sys.executable, "-m", "specmesh_docs", "show", "--json", str(tmp_path / "lights-api.yaml")],
                             capture_output=True, text=True, cwd=REPO, timeout=60)
        doc = json.loads(out.stdout)
        return [t["name"] for t in doc["topics"]], [c["name"] for c in doc["consumed"]]

    assert owned_and_consumed(None) == (["acme.lights._public.measured"], ["_public.turn_on"])
    assert owned_and_consumed("v2_operations: asyncapi\n") == (["acme.lights._public.turn_on"], ["_public.measured"])


def test_channels_no_operation_uses_are_listed_not_dropped(tmp_path):
    from specmesh_docs.model import load_spec

    (tmp_path / ".git").mkdir()
    (tmp_path / "v2-api.yaml").write_text("""asyncapi: '2.6.0'
id: 'urn:acme.idle'
info: {title: Idle, version: '1'}
channels:
  _public.used:
    publish: {operationId: used, message: {payload: {type: string}}}
  _public.unused: {description: Nobody uses this yet.}
""")
    (tmp_path / "v3-api.yaml").write_text("""asyncapi: '3.0.0'
id: 'urn:acme.idle3'
info: {title: Idle, version: '1'}
channels:
  used: {address: _public.used}
  unused: {address: _public.unused}
operations:
  send: {action: send, channel: {$ref: '#/channels/used'}}
""")
    assert load_spec(tmp_path / "v2-api.yaml").idle_channels == ["_public.unused"]
    assert load_spec(tmp_path / "v3-api.yaml").idle_channels == ["_public.unused"]


@pytest.mark.parametrize("action, owns, consumes", [
    ("receive", "acme.pricing._public.quotes", "acme.quotes._public.requests"),  # a server: it answers
    ("send", None, "acme.quotes._public.requests"),  # a client sends requests (not its own topic) and reads replies
])
def test_v3_replies_are_modelled(tmp_path, action, owns, consumes):
    from specmesh_docs.model import load_spec

    (tmp_path / ".git").mkdir()
    (tmp_path / "rr-api.yaml").write_text(f"""asyncapi: '3.0.0'
id: 'urn:acme.pricing'
info: {{title: Pricing, version: '1'}}
channels:
  requests: {{address: acme.quotes._public.requests, messages: {{q: {{payload: {{type: string}}}}}}}}
  replies: {{address: _public.quotes, messages: {{a: {{payload: {{type: number}}}}}}}}
operations:
  quote:
    action: {action}
    channel: {{$ref: '#/channels/requests'}}
    reply:
      channel: {{$ref: '#/channels/replies'}}
      messages: [{{$ref: '#/channels/replies/messages/a'}}]
""")
    product = load_spec(tmp_path / "rr-api.yaml")
    owned = [t.name for t in product.topics]
    read = [c.name for c in product.consumed]
    if owns:
        assert owned == [owns] and read == [consumes]
    else:  # the client reads the replies; the reply channel is not its own
        assert any(n.endswith("_public.quotes") for n in read) and not any(n.endswith("_public.quotes") for n in owned)


def _spec_with_refs(folder, name: str, refs: int) -> None:
    channels = "".join(f"  _public.t{i}:\n    publish:\n      message:\n        payload: {{$ref: '{name}-{i}.json'}}\n"
                       for i in range(refs))
    (folder / f"{name}-api.yaml").write_text(f"asyncapi: '2.6.0'\nid: 'urn:acme.{name}'\ninfo: {{title: x, version: '1'}}\n"
                                             f"channels:\n{channels}")
    for i in range(refs):
        (folder / f"{name}-{i}.json").write_text('{"type": "object"}')


def test_the_referenced_file_limit_holds_per_spec_also_when_specs_share_a_cache(tmp_path):
    """Limits.max_ref_files is what one spec may pull in; a portal source shares one file cache
    between thousands of specs, which must not add up to one spec's limit."""
    from specmesh_docs.errors import SpecError
    from specmesh_docs.model import Files, Limits

    for n in range(4):
        _spec_with_refs(tmp_path, f"p{n}", 2)  # 3 files each (the spec and two schemas), 12 in all
    files = Files(tmp_path, Limits(max_ref_files=3))
    for n in range(4):
        product = load_spec(tmp_path / f"p{n}-api.yaml", root=tmp_path, files=files)
        assert product.problems == [] and all(t.value is not None for t in product.topics)
    _spec_with_refs(tmp_path, "big", 3)  # 4 files: over the limit of one spec
    product = load_spec(tmp_path / "big-api.yaml", root=tmp_path, files=files)
    assert [str(p.message) for p in product.problems] == ["more than 3 referenced files"]
    assert all(isinstance(p, SpecError) and p.pos and p.pos.line > 0 for p in product.problems)
