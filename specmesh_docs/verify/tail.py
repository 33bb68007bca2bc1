"""The last records of each partition (the edge to the cluster): a consumer assigned partitions
directly, which joins no group, commits nothing and stores no offset; a total deadline; memory
bounded by the fetch and queue limits below, whatever the topic holds."""

from __future__ import annotations

import logging
import time
import uuid

from ..provision.kafka import ClusterError

FETCH_PARTITION_BYTES = 1024 * 1024  # max.partition.fetch.bytes: grown by librdkafka for a larger record
RESPONSE_BYTES = 256 * 1024 * 1024  # receive.message.max.bytes: a record larger than this cannot be read at all
QUEUE_KBYTES = 32 * 1024  # queued.max.messages.kbytes: prefetched records held at most
DENIED = {"TOPIC_AUTHORIZATION_FAILED", "GROUP_AUTHORIZATION_FAILED", "SASL_AUTHENTICATION_FAILED",
          "_AUTHENTICATION"}


def plan(counts: dict[str, int], earliest: dict, latest: dict, per_topic: int) -> dict[tuple[str, int], tuple[int, int]]:
    """(topic, partition) -> [start, end) offsets: the last `per_topic` records of each topic spread
    over its partitions (an emptier partition leaves its share to the others)."""
    out = {}
    for topic, n in counts.items():
        held = sorted((max(0, latest[(topic, p)] - earliest[(topic, p)]), p) for p in range(n))
        left = per_topic
        for i, (available, p) in enumerate(held):
            share = min(available, left // (n - i)) if n - i else 0
            left -= share
            if share:
                out[(topic, p)] = (latest[(topic, p)] - share, latest[(topic, p)])
    return out


def consumer_settings(settings: dict[str, str], max_record_bytes: int, group_prefix: str) -> dict:
    kafka_only = {k: v for k, v in settings.items() if not k.startswith("schema.registry.")}
    fetch = max(FETCH_PARTITION_BYTES, max_record_bytes)
    return {**kafka_only,
            # a group id is required by the client, never used: assign() joins no group, nothing is committed
            "group.id": f"{group_prefix}specmesh-verify-{uuid.uuid4().hex[:12]}",
            "enable.auto.commit": False, "enable.auto.offset.store": False, "enable.partition.eof": True,
            "auto.offset.reset": "earliest", "max.partition.fetch.bytes": FETCH_PARTITION_BYTES,
            # a batch larger than the fetch limits still comes (KIP-74), one at a time: the response
            # limit only has to let the largest record through
            "fetch.max.bytes": fetch, "receive.message.max.bytes": max(fetch + 1024 * 1024, RESPONSE_BYTES),
            "queued.max.messages.kbytes": QUEUE_KBYTES, "isolation.level": "read_committed"}


def read_tails(settings: dict, ranges: dict[tuple[str, int], tuple[int, int]], deadline: float, on_record,
               principal: str = "this client") -> set[tuple[str, int]]:
    """Calls `on_record(message)` for each record in `ranges`; returns the partitions not read to
    their end by the deadline. A partition is let go as soon as its range is read."""
    from confluent_kafka import Consumer, KafkaError, TopicPartition

    if not ranges:
        return set()
    logger = logging.getLogger(f"specmesh.verify.librdkafka.{id(ranges)}")
    logger.propagate, logger.handlers = False, [logging.NullHandler()]
    errors: list = []
    consumer = Consumer({**settings, "logger": logger, "error_cb": errors.append})
    pending = dict(ranges)
    try:
        consumer.assign([TopicPartition(t, p, start) for (t, p), (start, _) in ranges.items()])
        while pending:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            for message in consumer.consume(num_messages=500, timeout=min(0.5, left)):
                tp = (message.topic(), message.partition())
                error = message.error()
                if error is not None:
                    if error.code() == KafkaError._PARTITION_EOF:
                        _done(consumer, pending, tp)
                    elif error.name() in DENIED:
                        raise ClusterError(f"not authorised: {principal} may not read {message.topic() or 'a topic'} "
                                           f"({error.name()})")
                    elif error.fatal():
                        raise ClusterError(f"reading records: {error.str()}")
                    continue
                if tp not in pending:
                    continue
                if message.offset() >= pending[tp][1]:
                    _done(consumer, pending, tp)
                    continue
                on_record(message)
                if message.offset() >= pending[tp][1] - 1:
                    _done(consumer, pending, tp)
            auth = [e for e in errors if e.name() in ("_AUTHENTICATION", "SASL_AUTHENTICATION_FAILED")]
            if auth:
                raise ClusterError(f"authentication failed: {principal}: {auth[0].str()}")
    finally:
        consumer.close()
    return set(pending)


def _done(consumer, pending: dict, tp: tuple[str, int]) -> None:
    from confluent_kafka import TopicPartition

    if pending.pop(tp, None) is not None:
        consumer.incremental_unassign([TopicPartition(*tp)])
