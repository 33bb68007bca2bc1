"""Operations and Kafka bindings: what provisioning will apply."""

from ...model.yamlload import YMap
from ..engine import rule
from ._util import config_pos, kafka_binding, locate
from .kafka_configs import check_config


@rule("OPERATION-ID", "error", "AsyncAPI 2 operations have an operationId, unique in the spec.",
      "add operationId: <verbNoun>, e.g. publishSale",
      bad="publish: {summary: Sales}", good="publish: {operationId: publishSale, summary: Sales}")
def operation_id(product, policy):
    if product.major_version != 2:
        return
    seen: dict[str, object] = {}
    for item in [*product.topics, *product.consumed]:
        op = item.op
        if not isinstance(op, YMap):
            continue
        op_id = op.get("operationId")
        if not isinstance(op_id, str) or not op_id.strip():
            yield op.pos(), f"operation on {item.name} has no operationId"
        elif op_id in seen:
            yield op.pos("operationId"), f"operationId {op_id!r} is used twice (first at line {seen[op_id]})"
        else:
            seen[op_id] = op.pos("operationId").line


@rule("BINDINGS-MISSING", "error", "Owned channels have Kafka bindings (partitions, replicas, configs).",
      "add bindings: {kafka: {partitions: N, replicas: N, configs: {...}}} to the channel", kafka_only=True,
      bad='_public.sale: {publish: {...}}', good='_public.sale: {bindings: {kafka: {partitions: 3, replicas: 3}}, publish: {...}}')
def bindings_missing(product, policy):
    for t in product.topics:
        if not t.has_bindings:
            yield t.pos, f"owned topic {t.name} has no bindings.kafka"


def _out_of_bounds(product, policy, attr: str):
    """Partitions or replicas outside the policy's bounds for that attribute."""
    bounds = getattr(policy, attr)
    for t in product.topics:
        value = getattr(t, attr)
        if value is not None and (value < 1 or not policy.within(bounds, value)):
            yield locate(kafka_binding(t), attr, default=t.pos), f"{attr} {value} outside the policy bounds {bounds}"


@rule("BINDINGS-PARTITIONS", "error", "Partitions are at least 1 and within the policy's bounds.",
      "set bindings.kafka.partitions within the policy's bounds", kafka_only=True,
      bad='bindings: {kafka: {partitions: 0}}', good='bindings: {kafka: {partitions: 3}}')
def partitions(product, policy):
    return _out_of_bounds(product, policy, "partitions")


@rule("BINDINGS-REPLICAS", "error", "Replicas are within the policy's bounds.",
      "set bindings.kafka.replicas within the policy's bounds", kafka_only=True,
      bad='bindings: {kafka: {replicas: 0}}  # policy replicas: {gte: 1}', good='bindings: {kafka: {replicas: 3}}')
def replicas(product, policy):
    return _out_of_bounds(product, policy, "replicas")


@rule("CONFIG-VALID", "error", "Topic config keys are real Kafka topic configs with well-typed values.",
      "fix the key or value; see Kafka's topic configuration reference",
      bad="configs: {retention.ms: forever}", good="configs: {retention.ms: 604800000}", kafka_only=True)
def config_valid(product, policy):
    for t in product.topics:
        for key, value in t.configs.items():
            problem = check_config(key, value, t.replicas)
            if problem:
                yield config_pos(t, key), f"{t.name}: {problem}"
