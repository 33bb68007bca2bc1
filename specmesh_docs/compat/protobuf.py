"""Protobuf compatibility with `buf breaking` (the `buf-bin` package ships the CLI), using buf's
WIRE rules: what breaks reading binary-encoded records (a field's type changed incompatibly, a
field or enum value deleted without reserving its number, a number reused, ...). buf checks that
the new file can replace the old one, so it always runs new against old: its WIRE rules are not
symmetric, and swapping the sides reports an added field as a deleted one."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from . import UNCHECKED

CONFIG = "version: v2\nbreaking:\n  use: [WIRE]\n"
_FIELD = re.compile(r'name "([^"]+)" on message "([^"]+)"')


def buf_command() -> str | None:
    """buf beside this Python (a virtualenv with the `diff` extra) or on PATH."""
    beside = Path(sys.executable).with_name("buf")
    return str(beside) if beside.is_file() else shutil.which("buf")


def protobuf_problems(old, new) -> list[tuple[str, str, str]]:
    """(buf's rule, Message.field, buf's message) for each way `new` cannot replace `old` on the wire."""
    buf = buf_command()
    if buf is None:
        return [(UNCHECKED, "", "buf is not installed (pip install 'specmesh_docs[diff]')")]
    with tempfile.TemporaryDirectory(prefix="specmesh-buf-") as tmp:
        sides = {}
        for name, schema in (("new", new), ("old", old)):
            folder = Path(tmp) / name
            folder.mkdir()
            (folder / "buf.yaml").write_text(CONFIG)
            (folder / "schema.proto").write_text(str(schema.document))
            sides[name] = folder
        try:
            out = subprocess.run([buf, "breaking", str(sides["new"]), "--against", str(sides["old"]),
                                  "--error-format", "json"], capture_output=True, text=True, timeout=60, cwd=tmp)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return [(UNCHECKED, "", f"buf breaking did not run: {exc}")]
    found = []
    for line in out.stdout.splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if not isinstance(item, dict):
            continue
        message = str(item.get("message", "")).split(" See https://")[0]
        field = _FIELD.search(message)
        found.append((str(item.get("type", "BREAKING")), f"{field[2]}.{field[1]}" if field else "", message))
    if not found and out.returncode not in (0, 100):
        reason = (out.stderr or out.stdout).strip().splitlines()
        return [(UNCHECKED, "", f"buf could not build the schemas ({reason[0][:160] if reason else 'no reason given'})")]
    return found
