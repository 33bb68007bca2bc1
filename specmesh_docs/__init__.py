"""SpecMesh-style governance for Apache Kafka: lint, portal and provisioning from AsyncAPI specs."""

__version__ = "0.1.0"
