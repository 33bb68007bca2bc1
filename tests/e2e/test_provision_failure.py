"""The broker stops in the middle of an apply: exit 1, a report of what was and was not
applied, and after a restart a re-run converges with zero drift."""

from __future__ import annotations

import fcntl
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO
from tests.e2e.conftest import kafka_dev, provision_argv

sys.path.insert(0, str(REPO / "benchmarks"))
from gen_estate import generate  # noqa: E402

pytestmark = pytest.mark.kafka


def provision(kafka, spec, *args, **kw):
    return provision_argv(kafka.admin_config_path, str(spec), *args)


def test_broker_stopped_mid_apply_reports_and_a_rerun_converges(own_kafka, tmp_path):
    kafka, home = own_kafka
    (tmp_path / ".git").mkdir()
    spec = generate(tmp_path / "estate", 1, channels_per_spec=120)[0]
    # The child's stdout is a pipe of one page. Its plan is read until "Applying:"; then the
    # pipe is left full, so the child blocks while printing the topic results: after the
    # topics are created, before any ACL request. That is where the broker is stopped.
    child = subprocess.Popen(provision(kafka, spec, "--timeout", "5"), cwd=REPO, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    fcntl.fcntl(child.stdout.fileno(), fcntl.F_SETPIPE_SZ, 4096)
    before = []
    for line in child.stdout:
        before.append(line)
        if line.startswith("Applying:"):
            break
    planned = int(before[-2].split("Plan: ")[1].split()[0])
    deadline = time.time() + 60
    admin = kafka.admin()
    while len([t for t in admin.list_topics(timeout=10).topics if t.startswith("org0.product0.")]) < 120:
        assert time.time() < deadline, "topics were not created"
        time.sleep(0.2)
    time.sleep(1)
    kafka_dev("halt", home)
    rest, errors = child.communicate(timeout=180)
    report = "".join(before) + rest
    assert child.returncode == 6, report + errors  # applied in part: re-run
    assert report.count("  ok  create topic ") == 120
    assert "  FAILED  create acl " in report
    applied = int(report.split("Apply: ")[1].split()[0])
    failed = int(report.split(" applied, ")[1].split()[0])
    assert applied == 120 and applied + failed == planned

    kafka_dev("resume", home)
    rerun = subprocess.run(provision(kafka, spec), cwd=REPO, capture_output=True, text=True, timeout=180)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"Plan: {failed} to create, 0 to update, 0 to delete" in rerun.stdout  # only what was missing
    final = subprocess.run(provision(kafka, spec), cwd=REPO, capture_output=True, text=True, timeout=180)
    assert final.stdout.strip().endswith("Plan: 0 to create, 0 to update, 0 to delete"), final.stdout
