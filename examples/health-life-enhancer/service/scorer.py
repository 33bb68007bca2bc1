"""health.life_enhancer's scorer: reads daily health summaries and publishes a wellbeing score.

health.fitness._public.user-health  ->  health.life_enhancer._public.user-score

A record without a `user_id` or with `steps` that is not a whole number is rejected: it is
reported on stderr and nothing is published for it; the scorer goes on with the next record.

Runs as the domain's own principal: SCORER_CONFIG names a JSON file of Kafka client settings
(bootstrap servers, SASL). SCORER_OUTPUT_TOPIC overrides the output topic (the black-box tests
use it to show that a service writing to the wrong topic fails them).
"""

from __future__ import annotations

import json
import os
import signal
import sys
from datetime import datetime, timezone

INPUT = "health.fitness._public.user-health"
OUTPUT = "health.life_enhancer._public.user-score"
GROUP = "health.life_enhancer.scorer"


def score(summary: dict) -> dict:
    """0-100: steps (up to 60 points at 12,000 a day), sleep (up to 40 at 8 h); a resting heart
    rate above 80 costs 10."""
    user = summary.get("user_id")
    steps = summary.get("steps")
    if not isinstance(user, str) or not user or not isinstance(steps, int) or isinstance(steps, bool):
        raise ValueError("needs a user_id and whole-number steps")
    sleep = summary.get("sleep") if isinstance(summary.get("sleep"), dict) else {}
    minutes = sleep.get("minutes") if isinstance(sleep.get("minutes"), int) else 0
    factors = [{"name": "steps", "weight": round(min(max(steps, 0), 12_000) / 12_000 * 60, 2)},
               {"name": "sleep", "weight": round(min(max(minutes, 0), 480) / 480 * 40, 2)}]
    heart = summary.get("resting_heart_rate")
    if isinstance(heart, int) and heart > 80:
        factors.append({"name": "resting_heart_rate", "weight": -10.0})
    value = max(0.0, min(100.0, sum(f["weight"] for f in factors)))
    return {"user_id": user, "score": round(value, 2), "computed_at": datetime.now(timezone.utc).isoformat(),
            "factors": factors}


def main() -> int:
    from confluent_kafka import Consumer, Producer

    with open(os.environ["SCORER_CONFIG"], encoding="utf-8") as handle:
        settings = json.load(handle)
    output = os.environ.get("SCORER_OUTPUT_TOPIC", OUTPUT)
    consumer = Consumer({**settings, "group.id": GROUP, "auto.offset.reset": "earliest"})
    producer = Producer({**settings, "enable.idempotence": "false", "acks": "all"})
    running = True

    def stop(*_):
        nonlocal running
        running = False

    signal.signal(signal.SIGTERM, stop)
    consumer.subscribe([INPUT])
    print("scorer: ready", file=sys.stderr, flush=True)
    while running:
        message = consumer.poll(0.5)
        if message is None:
            continue
        if message.error():
            print(f"scorer: {message.error()}", file=sys.stderr, flush=True)
            continue
        try:
            result = score(json.loads(message.value()))
        except (ValueError, TypeError, AttributeError) as exc:
            print(f"scorer: rejected offset {message.offset()}: {exc}", file=sys.stderr, flush=True)
            continue
        producer.produce(output, key=result["user_id"].encode(), value=json.dumps(result).encode())
        producer.flush(10)
    consumer.close()
    producer.flush(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
