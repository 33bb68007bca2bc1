"""Provisioning: specs -> desired state -> plan (pure diff) -> apply to Kafka (the edge)."""
