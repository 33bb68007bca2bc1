"""`specmesh storage` and `specmesh consumption` against the real broker."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from confluent_kafka import Consumer, ConsumerGroupTopicPartitions, Producer, TopicPartition

from tests.conftest import REPO
from tests.e2e.test_provision import provision, write_spec

pytestmark = pytest.mark.kafka


def commit(kafka, group: str, offsets: list) -> None:
    """Commits offsets for a group as a consumer that read that far would."""
    admin = kafka.admin()  # keep the handle alive until the futures resolve
    deadline = time.time() + 30
    while True:  # a fresh broker loads its group coordinator on first use
        request = [ConsumerGroupTopicPartitions(group, offsets)]
        result = next(iter(admin.alter_consumer_group_offsets(request).values())).result(timeout=20)
        if not any(tp.error for tp in result.topic_partitions) or time.time() > deadline:
            break
        time.sleep(0.5)
    assert not any(tp.error for tp in result.topic_partitions), result.topic_partitions


def run(kafka, command: str, spec: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "specmesh_docs", command, spec, "--command-config",
                          kafka.admin_config_path], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_storage_and_consumption_per_topic_and_product(kafka, tmp_path):
    domain = "charge.back"
    spec = write_spec(tmp_path, domain, partitions=3)
    assert provision(kafka, spec).returncode == 0
    topic = f"{domain}._public.orders"
    producer = Producer(kafka.admin_config)
    for i in range(30):
        producer.produce(topic, key=str(i).encode(), value=b"x" * 100, partition=i % 3)
    assert producer.flush(20) == 0

    admin = kafka.admin()  # keep the handle alive until the futures resolve
    offsets = [TopicPartition(topic, 0, 5), TopicPartition(topic, 1, 10), TopicPartition(topic, 2, 0)]
    deadline = time.time() + 30
    while True:  # a fresh broker loads its group coordinator on first use
        request = [ConsumerGroupTopicPartitions(f"{domain}.reader-b", offsets)]
        result = next(iter(admin.alter_consumer_group_offsets(request).values())).result(timeout=20)
        if not any(tp.error for tp in result.topic_partitions) or time.time() > deadline:
            break
        time.sleep(0.5)
    assert not any(tp.error for tp in result.topic_partitions), result.topic_partitions

    live = Consumer({**kafka.admin_config, "group.id": f"{domain}.reader-a", "auto.offset.reset": "earliest",
                     "enable.auto.commit": False, "client.id": "reader-a-1"})
    live.subscribe([topic])
    seen, deadline = 0, time.time() + 30
    while seen < 30 and time.time() < deadline:
        msg = live.poll(0.5)
        if msg is not None and not msg.error():
            seen += 1
    assert seen == 30
    live.commit(asynchronous=False)
    try:
        usage = run(kafka, "consumption", spec)
    finally:
        live.close()

    row = usage["products"][0]["topics"][0]
    assert row["name"] == topic and row["end_offset"] == 30
    groups = {g["group"]: g for g in row["consumer_groups"]}
    assert set(groups) == {f"{domain}.reader-a", f"{domain}.reader-b"}
    a, b = groups[f"{domain}.reader-a"], groups[f"{domain}.reader-b"]
    assert a["lag"] == 0 and a["committed"] == 30 and [m["client_id"] for m in a["members"]] == ["reader-a-1"]
    assert b["lag"] == 15 and b["committed"] == 15 and b["members"] == []
    assert [p["lag"] for p in b["partitions"]] == [5, 0, 10]
    assert usage["products"][0]["totals"] == {"consumer_groups": 2, "lag": 15, "uncommitted_records": 0}

    storage = run(kafka, "storage", spec)
    assert storage["bytes_include_replicas"] is True
    row = storage["products"][0]["topics"][0]
    assert row["records"] == 30 and row["partitions"] == 3 and row["bytes"] > 30 * 100
    assert storage["products"][0]["totals"]["bytes"] == row["bytes"] == storage["totals"]["bytes"]


def test_partitions_a_group_never_committed_on_count_as_unconsumed_not_as_nothing(kafka, tmp_path):
    """5,000 records on 4 partitions, 2,000 consumed and committed on three of them: the lag is
    3,000, of which the 1,500 on the partition the group never committed on are flagged."""
    domain = "charge.honest"
    spec = write_spec(tmp_path, domain, partitions=4)
    assert provision(kafka, spec).returncode == 0
    topic = f"{domain}._public.orders"
    per_partition = [1000, 1000, 1500, 1500]
    producer = Producer(kafka.admin_config)
    for partition, count in enumerate(per_partition):
        for i in range(count):
            producer.produce(topic, key=str(i).encode(), value=b"v", partition=partition)
    assert producer.flush(30) == 0
    commit(kafka, f"{domain}.reader", [TopicPartition(topic, 0, 1000), TopicPartition(topic, 1, 900),
                                       TopicPartition(topic, 2, 100)])

    usage = run(kafka, "consumption", spec)
    row = usage["products"][0]["topics"][0]
    assert row["end_offset"] == 5000
    group = {g["group"]: g for g in row["consumer_groups"]}[f"{domain}.reader"]
    assert group["committed"] == 2000
    assert [(p["partition"], p["lag"], p["uncommitted"]) for p in group["partitions"]] == [
        (0, 0, False), (1, 100, False), (2, 1400, False), (3, 1500, True)]
    assert group["lag"] == 3000 and group["uncommitted_partitions"] == 1 and group["uncommitted_records"] == 1500
    assert usage["products"][0]["totals"] == {"consumer_groups": 1, "lag": 3000, "uncommitted_records": 1500}
