"""Write grants and grants that end, enforced by the real broker: the granted domain produces, an
ungranted one is refused, the owner keeps its rights; a grant past its last day is revoked by the
next release and a re-run plans nothing. The same on the three-node cluster (test_cluster3)."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.e2e.clients import consume_outcomes, produce_outcomes
from tests.e2e.conftest import provision_argv, reset_domains

pytestmark = pytest.mark.kafka

SPEC = """asyncapi: '2.6.0'
id: 'urn:{owner}'
info: {{title: Shop, version: '1.0.0', contact: {{name: Shop, email: shop@acme.example}}}}
channels:
  _protected.commands:
    bindings: {{kafka: {{partitions: 1, replicas: {replicas}}}}}
    publish:
      operationId: publishCommand
      summary: Commands other domains send to the shop.
      tags:
        - name: 'grant-write:{writer}'
        - name: 'grant-access:{reader}'
          x-expires: '2027-03-31'
      message:
        bindings: {{kafka: {{key: {{type: string}}}}}}
        payload: {{type: object, properties: {{id: {{type: string}}}}}}
"""


def provision(kafka, spec: Path, now: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(provision_argv(kafka.admin_config_path, str(spec), *args), capture_output=True, text=True,
                          cwd=REPO, timeout=300, env={**os.environ, "SPECMESH_NOW": now})


def own_groups(kafka, *domains: str) -> None:
    from confluent_kafka.admin import AclBinding, AclOperation, AclPermissionType, ResourcePatternType, ResourceType

    admin = kafka.admin()  # kept alive until the futures resolve
    bindings = [AclBinding(ResourceType.GROUP, f"{d}.", ResourcePatternType.PREFIXED, f"User:{d}", "*",
                           AclOperation.READ, AclPermissionType.ALLOW) for d in domains]
    for future in admin.create_acls(bindings).values():
        future.result(timeout=30)


def write_grants_hold(kafka, folder: Path, replicas: int = 1) -> None:
    """Shared with the three-node cluster: provision, then ask the broker who may do what."""
    tag = uuid.uuid4().hex[:6]
    owner, writer, reader, rogue = (f"grants{tag}.shop", f"grants{tag}.pos", f"grants{tag}.audit", f"grants{tag}.rogue")
    reset_domains(kafka, owner, writer, reader, rogue)
    (folder / ".git").mkdir(parents=True, exist_ok=True)
    spec = folder / "shop-api.yaml"
    spec.write_text(SPEC.format(owner=owner, writer=writer, reader=reader, replicas=replicas))
    run = provision(kafka, spec, "2027-03-31")
    assert run.returncode == 0, run.stderr + run.stdout
    topic = f"{owner}._protected.commands"
    clients = {d: kafka.add_principal(d) for d in (owner, writer, reader, rogue)}
    own_groups(kafka, writer, reader)  # what each domain's own release would provision
    time.sleep(0.5)  # SCRAM credentials reach the broker through the metadata log
    assert produce_outcomes(clients[writer], [topic]) == {topic: True}  # the granted domain produces
    assert produce_outcomes(clients[owner], [topic]) == {topic: True}  # the owner still does
    assert produce_outcomes(clients[rogue], [topic]) == {topic: False}  # nobody else
    assert produce_outcomes(clients[reader], [topic]) == {topic: False}  # a read grant is not a write grant
    assert consume_outcomes(clients[reader], [topic], f"{reader}.g") == {topic: True}  # its last day: still in force
    assert consume_outcomes(clients[writer], [topic], f"{writer}.g") == {topic: False}  # writing is not reading
    # the day after its last day: the next release revokes the read grant, and says why
    plan = provision(kafka, spec, "2027-04-01", "--dry-run")
    assert plan.returncode == 0 and f"the read grant to {reader} ended after 2027-03-31" in plan.stdout, plan.stdout
    run = provision(kafka, spec, "2027-04-01")
    assert run.returncode == 0, run.stderr + run.stdout
    assert consume_outcomes(clients[reader], [topic], f"{reader}.g2") == {topic: False}
    assert produce_outcomes(clients[writer], [topic]) == {topic: True}  # the write grant has no end date
    again = provision(kafka, spec, "2027-04-01", "--dry-run", "--detailed-exitcode")
    assert again.returncode == 0, again.stdout  # nothing left to do
    reset_domains(kafka, owner, writer, reader, rogue)  # the shared broker as it was


def test_write_grants_and_an_ended_grant_on_the_broker(kafka, tmp_path):
    write_grants_hold(kafka, tmp_path)
