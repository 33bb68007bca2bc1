"""Export speed: a cluster holding the generated estate (N specs x 10 channels: 2,000 topics for
200) read back into specs. Starts its own broker with scripts/kafka-dev and provisions the estate.

python benchmarks/export_bench.py [N]   (targets for 200: <= 10 s wall; admin requests independent of the topic count)
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
from gen_estate import generate  # noqa: E402
from provision_bench import kafka_dev, provision  # noqa: E402
from timing import specmesh as timed_specmesh  # noqa: E402


def export(admin_config: str, out: Path, report: Path) -> tuple[float, dict]:
    took, _ = timed_specmesh("export", "--all", "--out", str(out), "--command-config", admin_config,
                             "--config", str(REPO / "examples" / "organisation-policy.yaml"), "--report", str(report), cwd=REPO)
    return took, json.loads(report.read_text())


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / ".git").mkdir()
        specs = generate(root / "estate", count)
        home = root / "kafka"
        info = kafka_dev("start", home)
        try:
            first = specs[:max(1, count // 10)]  # a tenth of the estate, then all of it: the requests must not grow
            for part in (first, specs):
                provision(part, info["admin.config"])
                took, report = export(info["admin.config"], root / f"out-{len(part)}", root / "report.json")
                topics = sum(d["topics"] for d in report["domains"].values())
                print(f"export --all of {topics} topics in {len(report['domains'])} domains: {took:.2f} s wall, "
                      f"{report['admin_requests']} admin requests, {len(report['written'])} specs written")
        finally:
            kafka_dev("stop", home)


if __name__ == "__main__":
    main()
