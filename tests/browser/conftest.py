"""A built portal served on loopback, and real headless Chromium (Debian's chromium + chromedriver)."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, REPO

OUTPUT = REPO / "test-output" / "browser"

HOSTILE = """asyncapi: '2.6.0'
id: 'urn:evil.corp'
info:
  title: Evil <script>window.__pwned = 1</script> corp
  version: '1.0.0'
  description: |
    Hello <img src=x onerror="window.__pwned = 2"> and [click me](javascript:window.__pwned=3)
    and <a href="javascript:window.__pwned=4">raw link</a> **bold?**
  contact: {name: Evil, email: evil@corp.example}
channels:
  _public.events:
    bindings: {kafka: {partitions: 1}}
    publish:
      operationId: publishEvents
      summary: "<script>window.__pwned = 5</script> events"
      message:
        bindings: {kafka: {key: {type: string}}}
        payload:
          type: object
          properties:
            payload_x: {type: string, description: "<img src=y onerror=\\"window.__pwned=6\\">"}
  health.fitness._protected.workout:
    subscribe:
      operationId: readWorkouts
      summary: Reads workouts it was never granted.
      message: {name: Workout}
"""


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("portal")
    hostile = root / "evil"
    (hostile / ".git").mkdir(parents=True)
    (hostile / "evil-api.yaml").write_text(HOSTILE)
    out = root / "site"
    metrics = root / "storage.json"  # so that the chargeback page is built too
    metrics.write_text(json.dumps({"version": 1, "kind": "specmesh-storage", "bytes_include_replicas": True, "products": [
        {"domain": "finance.campaign", "spec": "", "topics": [{"name": "finance.campaign._public.sale", "exists": True,
                                                               "partitions": 12, "bytes": 3_500_000, "records": 1200}],
         "totals": {"bytes": 3_500_000, "records": 1200, "topics": 1}}], "totals": {"bytes": 3_500_000, "records": 1200,
                                                                                  "topics": 1}}))
    run = subprocess.run([sys.executable, "-m", "specmesh_docs", "portal", "build", str(EXAMPLES), str(hostile),
                          "--out", str(out), "--title", "ACME data products", "--metrics", str(metrics)],
                         capture_output=True, text=True, cwd=REPO, timeout=300)
    assert run.returncode == 0, run.stderr
    return out


# Every value that reaches a page title, a nav label, front matter, the tags plugin, the search
# index or mkdocs.yml carries a payload that sets window.__pwned if it ever runs.
PAYLOAD = "<img src=x onerror=window.__pwned={n}>"
HOSTILE_VALUES = """asyncapi: '2.6.0'
id: 'urn:evil.x{p11}'
info:
  title: "T{p16}"
  version: '1.0.0'
  description: "</script><script>window.__pwned=20</script> <svg onload=window.__pwned=21>"
  contact: {{name: "{p17}", email: "a@b.example", url: "javascript:window.__pwned=18"}}
tags: [{{name: "{p22}"}}]
channels:
  "_public.ev{p12}":
    bindings: {{kafka: {{partitions: 1}}}}
    publish:
      operationId: pub
      summary: 's" onmouseover="window.__pwned=23' 
      tags: [{{name: "{p13}"}}, {{name: "grant-access:<b>x</b>"}}]
      message:
        bindings: {{kafka: {{key: {{type: string}}}}}}
        payload: {{type: object, properties: {{"f{p19}": {{type: string, description: "{p24}"}}}}}}
""".format(**{f"p{n}": PAYLOAD.format(n=n) for n in range(11, 25)})


def build_site(root: Path, *args: str) -> Path:
    out = root / "site"
    run = subprocess.run([sys.executable, "-m", "specmesh_docs", "portal", "build", *args, "--out", str(out)],
                         capture_output=True, text=True, cwd=REPO, timeout=300)
    assert run.returncode == 0, run.stderr
    return out


@pytest.fixture(scope="session")
def hostile_site(tmp_path_factory) -> Path:
    """A portal whose every input path is hostile: spec values, portal.yaml title, the --title flag's twin."""
    root = tmp_path_factory.mktemp("hostile-portal")
    (root / "evil" / ".git").mkdir(parents=True)
    (root / "evil" / "evil-api.yaml").write_text(HOSTILE_VALUES)
    (root / "portal.yaml").write_text(f"title: '{PAYLOAD.format(n=14)} \" onload=\"window.__pwned=25'\n"
                                      "site_url: https://portal.example/data/\nsources: [evil]\n")
    return build_site(root, "--config", str(root / "portal.yaml"))


def serve_dir(folder: Path):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="session")
def base_url(site) -> str:
    server = serve_dir(site)
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="session")
def hostile_url(hostile_site) -> str:
    server = serve_dir(hostile_site)
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    assert chromium and driver_path, "Debian's chromium and chromium-driver are needed (scripts/bootstrap installs them)"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000",
                # the network is cut off: every host but loopback goes to a proxy that does not exist
                "--proxy-server=http://127.0.0.1:9", "--no-first-run", "--disable-background-networking"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    OUTPUT.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()
