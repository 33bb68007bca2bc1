"""The estate (pure): who may read what, consumers, flows, PII, findings per product."""

from __future__ import annotations

from specmesh_docs.catalog import DENIED, GRANTED, OWNER, PUBLIC, build_estate
from specmesh_docs.errors import Position
from specmesh_docs.lint.engine import Finding
from specmesh_docs.model import load_spec
from tests.conftest import EXAMPLE_SPECS, EXAMPLES


def estate(findings=None):
    specs = EXAMPLE_SPECS
    return build_estate([load_spec(p) for p in specs], findings)


def test_access_verdicts_follow_names_and_grants():
    e = estate()
    workout = e.topics["health.fitness._protected.workout"]
    assert e.access("health.fitness", workout) == OWNER
    assert e.access("health.life_enhancer", workout) == GRANTED
    assert e.access("retail.checkout", workout) == DENIED
    assert e.access("anyone.at.all", e.topics["finance.campaign._public.sale"]) == PUBLIC
    assert e.access("health.fitness", e.topics["retail.checkout._private.payment-attempt"]) == DENIED
    assert workout.readers == ["health.fitness", "health.life_enhancer"]


def test_consumers_flows_and_pii():
    e = estate()
    sale = e.topics["finance.campaign._public.sale"]
    assert sorted(p.domain for p, _ in sale.consumers) == ["health.life_enhancer", "retail.checkout"]
    assert ("finance.campaign", "finance.campaign._public.sale", "retail.checkout") in e.flows()
    retail = e.flows("retail")
    touched = {t for _, t, _ in retail}
    assert touched and all(t.startswith("retail.") or any(p.domain.startswith("retail.") for p, _ in
                                                          e.topics[t].consumers) for t in touched)
    pii = {(f.name, v.name) for f, v in e.pii_rows()}
    assert ("email", "health.fitness._protected.workout") in pii
    assert set(e.by_domain) == {"finance", "health", "platform", "retail"}


def test_findings_in_schema_files_belong_to_the_spec_that_uses_them():
    from specmesh_docs.model.refs import display

    avsc = EXAMPLES / "health-fitness" / "schema" / "health.fitness.Workout.avsc"
    finding = Finding("PII-DOC", "warning", Position(display(avsc), 3, 5), "m")
    e = estate([finding])
    fitness = next(p for p in e.products if p.domain == "health.fitness")
    assert e.product_findings(fitness) == [finding]
