"""Chargeback: storage and consumption per owned topic and per data product (JSON documents).

storage: bytes on disk from DescribeLogDirs (every replica counted: what the cluster
stores and bills), records as end minus start offsets (exact for `delete` topics, an upper
bound for compacted ones). consumption: every consumer group with committed offsets on,
or partitions assigned from, an owned topic; committed offsets, lag and members. A partition
of such a topic on which the group has committed nothing is not left out: it is marked
`uncommitted` and all its retained records (end minus start offset) count as the group's lag.
"""

from __future__ import annotations

from ..errors import SpecError

# librdkafka setting -> kafka-python argument (kafka-python only serves DescribeLogDirs,
# which confluent-kafka's AdminClient does not offer)
KAFKA_PYTHON = {"bootstrap.servers": "bootstrap_servers", "security.protocol": "security_protocol",
                "sasl.mechanism": "sasl_mechanism", "sasl.username": "sasl_plain_username",
                "sasl.password": "sasl_plain_password", "ssl.ca.location": "ssl_cafile",
                "ssl.certificate.location": "ssl_certfile", "ssl.key.location": "ssl_keyfile",
                "ssl.key.password": "ssl_password", "client.id": "client_id"}


def offsets(cluster, partitions: dict[str, int]) -> tuple[dict, dict]:
    """(earliest, latest) offsets per (topic, partition), two batched requests."""
    from confluent_kafka import TopicPartition
    from confluent_kafka.admin import OffsetSpec

    out = []
    for spec in (OffsetSpec.earliest(), OffsetSpec.latest()):
        request = {TopicPartition(t, p): spec for t, n in partitions.items() for p in range(n)}
        if not request:
            out.append({})
            continue
        futures = cluster.request(lambda: cluster.admin.list_offsets(request, request_timeout=cluster.timeout), "list offsets")
        out.append({(tp.topic, tp.partition): cluster.wait(f, f"offsets of {tp.topic}").offset for tp, f in futures.items()})
    return out[0], out[1]


def partition_counts(cluster, names: list[str]) -> dict[str, int]:
    metadata = cluster.request(lambda: cluster.admin.list_topics(timeout=cluster.timeout), "list topics")
    return {n: len(metadata.topics[n].partitions) for n in names if n in metadata.topics}


def log_dir_bytes(settings: dict[str, str], topics: list[str]) -> dict[str, int]:
    """Bytes per topic summed over every broker, log dir and replica."""
    from kafka.admin import KafkaAdminClient

    args = {KAFKA_PYTHON[k]: v for k, v in settings.items() if k in KAFKA_PYTHON}
    try:
        admin = KafkaAdminClient(**args, request_timeout_ms=30000)
    except Exception as exc:
        raise SpecError(f"describe log dirs: {exc}") from None
    try:
        sizes = {t: 0 for t in topics}
        for broker in admin.describe_log_dirs(topics) if topics else []:
            for log_dir in broker.get("log_dirs", []):
                for topic in log_dir.get("topics", []):
                    if topic["name"] in sizes:
                        sizes[topic["name"]] += sum(p["partition_size"] for p in topic["partitions"])
        return sizes
    finally:
        admin.close()


def storage_report(products, cluster, settings: dict[str, str]) -> dict:
    names = [t.name for p in products for t in p.topics]
    counts = partition_counts(cluster, names)
    earliest, latest = offsets(cluster, counts)
    sizes = log_dir_bytes(settings, list(counts))
    report = {"version": 1, "kind": "specmesh-storage", "bytes_include_replicas": True, "products": []}
    grand = {"bytes": 0, "records": 0, "topics": 0}
    for p in products:
        rows = []
        for t in p.topics:
            n = counts.get(t.name)
            records = sum(latest[(t.name, i)] - earliest[(t.name, i)] for i in range(n)) if n is not None else 0
            rows.append({"name": t.name, "exists": n is not None, "partitions": n, "bytes": sizes.get(t.name, 0),
                         "records": records})
        totals = {"bytes": sum(r["bytes"] for r in rows), "records": sum(r["records"] for r in rows), "topics": len(rows)}
        report["products"].append({"domain": p.domain, "spec": p.spec_file, "topics": rows, "totals": totals})
        grand = {k: grand[k] + totals[k] for k in grand}
    report["totals"] = grand
    return report


def group_offsets(cluster, names: set[str]) -> tuple[list[str], dict, dict[str, dict[tuple[str, int], int]]]:
    """Every consumer group this principal may describe: (ids, descriptions, committed offsets on the
    topics `names`). The offset requests go out together (the API takes one group per request)."""
    from confluent_kafka import ConsumerGroupTopicPartitions

    listing = cluster.wait(cluster.request(lambda: cluster.admin.list_consumer_groups(request_timeout=cluster.timeout),
                                            "list consumer groups"), "list consumer groups")
    group_ids = sorted(g.group_id for g in listing.valid)
    described = {}
    if group_ids:
        futures = cluster.request(lambda: cluster.admin.describe_consumer_groups(group_ids, request_timeout=cluster.timeout),
                                  "describe consumer groups")
        described = {g: cluster.wait(f, f"describe group {g}") for g, f in futures.items()}
    pending = {g: next(iter(cluster.request(lambda g=g: cluster.admin.list_consumer_group_offsets(
        [ConsumerGroupTopicPartitions(g)], request_timeout=cluster.timeout), f"offsets of group {g}").values()))
        for g in group_ids}
    committed: dict[str, dict[tuple[str, int], int]] = {}
    for g, future in pending.items():
        result = cluster.wait(future, f"offsets of group {g}")
        committed[g] = {(tp.topic, tp.partition): tp.offset for tp in result.topic_partitions
                        if tp.topic in names and tp.offset >= 0}
    return group_ids, described, committed


def readers_of(topic: str, described: dict, committed: dict) -> list[str]:
    """Groups with committed offsets on `topic`, or members assigned its partitions."""
    return [g for g, offsets in committed.items()
            if any(t == topic for t, _ in offsets) or members_on(described.get(g), topic)]


def members_on(desc, topic: str) -> list:
    """The members of a described group assigned partitions of `topic`."""
    return [m for m in (desc.members if desc else [])
            if any(tp.topic == topic for tp in (m.assignment.topic_partitions if m.assignment else []))]


def consumption_report(products, cluster) -> dict:
    names = {t.name for p in products for t in p.topics}
    counts = partition_counts(cluster, sorted(names))
    earliest, latest = offsets(cluster, counts)
    group_ids, described, committed = group_offsets(cluster, names)
    report = {"version": 1, "kind": "specmesh-consumption", "products": []}
    grand = {"consumer_groups": 0, "lag": 0, "uncommitted_records": 0}
    for p in products:
        rows = []
        for t in p.topics:
            n = counts.get(t.name) or 0
            end = sum(latest.get((t.name, i), 0) for i in range(n))
            groups = []
            for g in group_ids:
                desc = described.get(g)
                members = members_on(desc, t.name)
                mine = {k: v for k, v in committed[g].items() if k[0] == t.name}
                if not mine and not members:
                    continue
                parts = [_partition_row(t.name, i, mine.get((t.name, i)), earliest, latest) for i in range(n)]
                uncommitted = [x for x in parts if x["uncommitted"]]
                groups.append({"group": g, "state": desc.state.name if desc else "UNKNOWN",
                               "members": [{"client_id": m.client_id, "host": m.host, "member_id": m.member_id}
                                           for m in members],
                               "committed": sum(x["committed"] for x in parts if x["committed"] is not None),
                               "lag": sum(x["lag"] for x in parts),
                               "uncommitted_partitions": len(uncommitted),
                               "uncommitted_records": sum(x["lag"] for x in uncommitted), "partitions": parts})
            rows.append({"name": t.name, "exists": t.name in counts, "end_offset": end, "consumer_groups": groups,
                         "lag": sum(g["lag"] for g in groups),
                         "uncommitted_records": sum(g["uncommitted_records"] for g in groups)})
        totals = {"consumer_groups": len({g["group"] for r in rows for g in r["consumer_groups"]}),
                  "lag": sum(r["lag"] for r in rows), "uncommitted_records": sum(r["uncommitted_records"] for r in rows)}
        report["products"].append({"domain": p.domain, "spec": p.spec_file, "topics": rows, "totals": totals})
        grand = {k: grand[k] + totals[k] for k in grand}
    report["totals"] = grand
    return report


def _partition_row(topic: str, partition: int, committed: int | None, earliest: dict, latest: dict) -> dict:
    """A partition the group has committed nothing on still holds records it has not read: all of them
    count as lag (flagged `uncommitted`), so totals never leave them out."""
    end = latest.get((topic, partition), 0)
    if committed is None:
        return {"partition": partition, "committed": None, "end": end, "uncommitted": True,
                "lag": max(0, end - earliest.get((topic, partition), 0))}
    return {"partition": partition, "committed": committed, "end": end, "uncommitted": False,
            "lag": max(0, end - committed)}
