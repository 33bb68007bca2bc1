"""Real clients that try an operation as a principal and report whether the broker allowed it."""

from __future__ import annotations

import time
import uuid

from confluent_kafka import Consumer, KafkaError, Producer

DENIED = {KafkaError.TOPIC_AUTHORIZATION_FAILED, KafkaError.GROUP_AUTHORIZATION_FAILED,
          KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, KafkaError.CLUSTER_AUTHORIZATION_FAILED}


def produce_outcomes(client: dict, topics: list[str], timeout: float = 20) -> dict[str, bool]:
    """topic -> whether one record was accepted."""
    outcome: dict[str, bool] = {}
    producer = Producer({**client, "message.timeout.ms": int(timeout * 1000), "enable.idempotence": False,
                         "acks": "all"})

    def report(err, msg, topic):
        outcome[topic] = err is None
        if err is not None and err.code() not in DENIED:
            raise AssertionError(f"produce to {topic} failed for another reason: {err}")

    for topic in topics:
        producer.produce(topic, key=b"k", value=b"v", partition=0,
                         on_delivery=lambda err, msg, t=topic: report(err, msg, t))
    deadline = time.time() + timeout + 5
    while len(outcome) < len(topics) and time.time() < deadline:
        producer.poll(0.2)
    producer.flush(5)
    return outcome


def consume_outcomes(client: dict, topics: list[str], group: str, timeout: float = 30) -> dict[str, bool]:
    """topic -> whether a record could be read (every topic must hold at least one record).

    Subscribing (in the principal's own group) makes the broker's verdict explicit: a record
    arrives, or a TOPIC_AUTHORIZATION_FAILED error names the topic.
    """
    consumer = Consumer({**client, "group.id": group, "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    consumer.subscribe(topics)
    outcome: dict[str, bool] = {}
    deadline = time.time() + timeout
    while len(outcome) < len(topics) and time.time() < deadline:
        msg = consumer.poll(0.5)
        if msg is None:
            continue
        if msg.error():
            if msg.error().code() == KafkaError.TOPIC_AUTHORIZATION_FAILED and msg.topic():
                outcome[msg.topic()] = False
            elif msg.error().code() != KafkaError._PARTITION_EOF:
                raise AssertionError(f"consume failed for another reason: {msg.error()}")
            continue
        outcome[msg.topic()] = True
    consumer.close()
    missing = set(topics) - set(outcome)
    assert not missing, f"no answer for {sorted(missing)}"
    return outcome


def group_allowed(client: dict, group: str, topic: str, timeout: float = 30) -> bool:
    """Join `group` to read `topic` (which the principal may read and which holds a record)."""
    consumer = Consumer({**client, "group.id": group, "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    consumer.subscribe([topic])
    deadline = time.time() + timeout
    try:
        while time.time() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if not msg.error():
                return True
            if msg.error().code() in DENIED:
                return False
        raise AssertionError(f"no verdict for group {group} within {timeout} s")
    finally:
        consumer.close()


def transactional_id_allowed(client: dict, txn_id: str, timeout: float = 20) -> bool:
    producer = Producer({**client, "transactional.id": txn_id, "transaction.timeout.ms": 10000})
    try:
        producer.init_transactions(timeout)
        return True
    except Exception as exc:
        code = exc.args[0].code()
        if code in DENIED:
            return False
        raise


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"
