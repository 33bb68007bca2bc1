"""Deterministic generator of a SpecMesh estate: N specs x 10 channels, in one directory tree.

python benchmarks/gen_estate.py OUT_DIR [N]
"""

from __future__ import annotations

import sys
from pathlib import Path

CHANNEL = """  _{access}.entity-{i}:
    bindings:
      kafka:
        partitions: {partitions}
        replicas: 1
        configs:
          cleanup.policy: delete
          retention.ms: {retention}
    publish:
      operationId: publishEntity{i}
      summary: Entity {i} of {domain}.
{tags}      message:
        name: Entity{i}
        bindings:
          kafka:
            key:
              type: string
              description: Entity id.
        payload:
          type: object
          required: [id]
          properties:
            id: {{type: string, description: Entity id.}}
            amount: {{type: number, description: Amount in EUR.}}
            note: {{type: string, description: Free text.}}
"""

CONSUME = """  {other}._public.entity-0:
    subscribe:
      operationId: consume{n}
      summary: Reads a neighbour's entities.
{reads}      message: {{name: Neighbour}}
"""
READS = "      x-specmesh-reads: [id, amount]\n"


def spec(n: int, total: int, channels_per_spec: int = 10, reads: bool = False) -> tuple[str, str]:
    domain = f"org{n % 20}.product{n}"
    other = f"org{(n + 1) % total % 20}.product{(n + 1) % total}"
    channels = []
    for i in range(channels_per_spec):
        access = ("public", "protected", "private")[i % 3]
        tags = f"      tags:\n        - name: grant-access:{other}\n" if access == "protected" else ""
        channels.append(CHANNEL.format(access=access, i=i, partitions=1 + i % 6, retention=86_400_000 * (1 + i % 7),
                                       domain=domain, tags=tags))
    head = (f"asyncapi: '2.6.0'\nid: 'urn:{domain}'\ninfo:\n  title: Product {n}\n  version: '1.0.{n}'\n"
            f"  description: Generated data product {n}.\n  contact: {{name: Team {n}, email: team{n}@acme.example}}\n"
            "channels:\n")
    return domain, head + "".join(channels) + CONSUME.format(other=other, n=n, reads=READS if reads else "")


def generate(out: Path, count: int, channels_per_spec: int = 10, reads: bool = False) -> list[Path]:
    """`reads`: every consumer declares the fields it reads (x-specmesh-reads)."""
    paths = []
    for n in range(count):
        domain, text = spec(n, count, channels_per_spec, reads)
        repo = out / f"repo-{n:04d}"
        repo.mkdir(parents=True, exist_ok=True)
        path = repo / f"{domain}-api.yaml"
        path.write_text(text)
        paths.append(path)
    return paths


if __name__ == "__main__":
    target = Path(sys.argv[1])
    made = generate(target, int(sys.argv[2]) if len(sys.argv) > 2 else 200)
    print(f"wrote {len(made)} specs under {target}")
