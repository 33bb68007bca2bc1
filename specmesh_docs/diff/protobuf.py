"""Protobuf compatibility with `buf breaking` (the `buf-bin` package ships the CLI), using buf's
WIRE rules: what breaks reading binary-encoded records (a field's type changed incompatibly, a
field or enum value deleted without reserving its number, ...). Messages name buf's rule:
`FIELD_WIRE_COMPATIBLE_TYPE: Field "2" with name "total" ... changed type ...`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CONFIG = "version: v2\nbreaking:\n  use: [WIRE]\n"
UNCHECKED = "UNCHECKED"  # prefix of a message that says why no verdict could be given


def buf_command() -> str | None:
    """buf beside this Python (a virtualenv with the `diff` extra) or on PATH."""
    beside = Path(sys.executable).with_name("buf")
    return str(beside) if beside.is_file() else shutil.which("buf")


def protobuf_problems(reader, writer) -> list[str]:
    """buf compares a new module against an old one; WIRE rules hold both ways for binary data, so
    the reader is checked as the new side against the writer."""
    buf = buf_command()
    if buf is None:
        return [f"{UNCHECKED}: buf is not installed (pip install 'specmesh_docs[diff]')"]
    with tempfile.TemporaryDirectory(prefix="specmesh-buf-") as tmp:
        sides = []
        for name, schema in (("reader", reader), ("writer", writer)):
            folder = Path(tmp) / name
            folder.mkdir()
            (folder / "buf.yaml").write_text(CONFIG)
            (folder / "schema.proto").write_text(str(schema.document))
            sides.append(folder)
        try:
            out = subprocess.run([buf, "breaking", str(sides[0]), "--against", str(sides[1]), "--error-format", "json"],
                                 capture_output=True, text=True, timeout=60, cwd=tmp)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return [f"{UNCHECKED}: buf breaking did not run: {exc}"]
    found = []
    for line in out.stdout.splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        message = str(item.get("message", "")).split(" See https://")[0]
        found.append(f"{item.get('type', 'BREAKING')}: {message}")
    if not found and out.returncode not in (0, 100):
        reason = (out.stderr or out.stdout).strip().splitlines()
        return [f"{UNCHECKED}: buf could not build the schemas ({reason[0][:160] if reason else 'no reason given'})"]
    return found
