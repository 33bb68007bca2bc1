"""The test broker really enforces authorization: without ACLs a principal is denied."""

from __future__ import annotations

import time
import uuid

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer
from confluent_kafka.admin import NewTopic

pytestmark = pytest.mark.kafka


def test_admin_creates_and_describes_a_topic(kafka):
    admin = kafka.admin()
    name = f"authz.check._public.{uuid.uuid4().hex[:8]}"
    for future in admin.create_topics([NewTopic(name, num_partitions=2, replication_factor=1)]).values():
        future.result(timeout=30)
    meta = admin.list_topics(topic=name, timeout=10)
    assert len(meta.topics[name].partitions) == 2


def test_principal_without_acls_is_denied(kafka):
    name = f"authz.check._private.{uuid.uuid4().hex[:8]}"
    admin = kafka.admin()
    for future in admin.create_topics([NewTopic(name, 1, 1)]).values():
        future.result(timeout=30)
    client = kafka.add_principal(f"nobody-{uuid.uuid4().hex[:6]}")
    time.sleep(0.5)  # SCRAM credentials reach the broker through the metadata log

    errors = []
    producer = Producer({**client, "message.timeout.ms": 10000})
    producer.produce(name, b"x", on_delivery=lambda err, msg: errors.append(err))
    producer.flush(15)
    assert errors and errors[0].code() == KafkaError.TOPIC_AUTHORIZATION_FAILED

    consumer = Consumer({**client, "group.id": "nobody-group", "auto.offset.reset": "earliest"})
    consumer.subscribe([name])
    denied = None
    deadline = time.time() + 20
    while denied is None and time.time() < deadline:
        msg = consumer.poll(1.0)
        if msg is not None and msg.error():
            denied = msg.error()
    consumer.close()
    assert denied is not None
    assert denied.code() in (KafkaError.TOPIC_AUTHORIZATION_FAILED, KafkaError.GROUP_AUTHORIZATION_FAILED)


def test_wrong_password_is_rejected(kafka):
    client = kafka.add_principal(f"someone-{uuid.uuid4().hex[:6]}")
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({**client, "sasl.password": "wrong"})
    with pytest.raises(KafkaException):
        admin.list_topics(timeout=5)
