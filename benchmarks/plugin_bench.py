"""The pytest plugin's startup cost: from `pytest` starting to the first record produced by a
black-box test (the plugin's own broker started, the spec provisioned, a SCRAM principal made).

python benchmarks/plugin_bench.py   (prints the seconds; the Kafka jars are cached by then)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TEST = '''
import os, time
def test_first_record(provisioned):
    context = provisioned(os.environ["BENCH_SPEC"])
    context.as_domain("finance.campaign").produce("finance.campaign._protected.campaign-budget",
                                                 {"campaign_id": "c", "remaining": 1.0}, key="c")
    with open(os.environ["BENCH_OUT"], "w") as out:
        out.write(str(time.time()))
'''


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "test_first.py").write_text(TEST)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SPECMESH_")}
        env.update(BENCH_SPEC=str(REPO / "examples" / "finance-campaign" / "finance-campaign-api.yaml"),
                   BENCH_OUT=str(root / "first"))
        start = time.time()
        run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(root / "test_first.py")],
                             cwd=root, env=env, capture_output=True, text=True)
        total = time.time() - start
        if run.returncode != 0:
            sys.exit(run.stdout[-3000:])
        first = float((root / "first").read_text()) - start
        print(f"pytest start -> first produced record: {first:.1f} s (broker start, provisioning, a SCRAM principal); "
              f"whole run with the broker's stop: {total:.1f} s")


if __name__ == "__main__":
    main()
