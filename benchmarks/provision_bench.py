"""Provisioning speed: a generated estate of N specs x 10 channels into an empty cluster,
then a no-op re-plan. Starts its own broker with scripts/kafka-dev.

python benchmarks/provision_bench.py [N]   (targets for 200: apply <= 60 s, no-op plan <= 3 s, <= 10 admin requests)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
from gen_estate import generate  # noqa: E402
from timing import specmesh as timed_specmesh  # noqa: E402


def kafka_dev(command: str, home: Path) -> dict[str, str]:
    out = subprocess.run([str(REPO / "scripts" / "kafka-dev"), command], capture_output=True, text=True, check=True,
                         env=dict(os.environ, KAFKA_DEV_HOME=str(home)))
    return dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)


def provision(specs: list[Path], admin_config: str, *args: str) -> tuple[float, dict]:
    took, out = timed_specmesh("provision", *map(str, specs), "--command-config", admin_config, "--format", "json",
                               "--config", str(REPO / "examples" / "organisation-policy.yaml"), *args, cwd=REPO)
    return took, json.loads(out.stdout)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / ".git").mkdir()
        specs = generate(root / "estate", count)
        home = root / "kafka"
        info = kafka_dev("start", home)
        try:
            took, report = provision(specs, info["admin.config"])
            plan = report["plan"]["summary"]
            topics = sum(1 for c in report["plan"]["changes"] if c["kind"] == "topic")
            acls = sum(1 for c in report["plan"]["changes"] if c["kind"] == "acl")
            print(f"apply {count} specs ({topics} topics, {acls} ACL bindings) into an empty cluster: {took:.1f} s wall, "
                  f"{report['summary']['applied']} applied, {report['summary']['failed']} failed, "
                  f"{report['admin_requests']} admin requests (reads, writes and read-back)")
            took, report = provision(specs, info["admin.config"], "--dry-run")
            print(f"no-op re-plan: {took:.2f} s wall, plan {report['plan']['summary']}, "
                  f"{report['admin_requests']} admin requests")
            assert plan["create"] == topics + acls
        finally:
            kafka_dev("stop", home)


if __name__ == "__main__":
    main()
