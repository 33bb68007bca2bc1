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
from functools import lru_cache
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


@lru_cache(maxsize=256)
def compiled(text: str) -> bytes:
    """A .proto as a serialized FileDescriptorSet, compiled by buf in a private folder with a
    configuration of its own (buf looks for a buf.yaml upwards, and a shared temp dir's parent is
    anyone's to write). Raises ValueError with buf's first line when it does not compile."""
    buf = buf_command()
    if buf is None:
        raise ValueError("buf is not installed (pip install 'specmesh_docs[verify]')")
    with tempfile.TemporaryDirectory(prefix="specmesh-proto-") as tmp:
        (Path(tmp) / "buf.yaml").write_text("version: v2\nmodules:\n  - path: src\n", encoding="utf-8")
        (Path(tmp) / "src").mkdir()
        (Path(tmp) / "src" / "schema.proto").write_text(text, encoding="utf-8")
        try:
            built = subprocess.run([buf, "build", ".", "-o", "image.binpb"], cwd=tmp, capture_output=True,
                                   text=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ValueError(f"buf build did not run: {exc}") from None
        if built.returncode != 0:
            reason = (built.stderr or built.stdout).strip().splitlines()
            raise ValueError(f"buf cannot compile the schema: {reason[0][:200] if reason else 'no reason given'}")
        return (Path(tmp) / "image.binpb").read_bytes()


def message_class(text: str, full_name: str):
    """The message class of `full_name` (package.Message; the first message when it names none) in
    the .proto `text`, built at run time: no generated code. Returns (class, its index among the
    file's top-level messages)."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    files = descriptor_pb2.FileDescriptorSet.FromString(compiled(text))
    pool = descriptor_pool.DescriptorPool()
    for f in files.file:
        pool.Add(f)
    last = files.file[-1]
    names = [m.name for m in last.message_type]
    if not names:
        raise ValueError("the schema declares no message")
    short = full_name.rpartition(".")[2]
    index = names.index(short) if short in names else 0
    qualified = f"{last.package}.{names[index]}" if last.package else names[index]
    return message_factory.GetMessageClass(pool.FindMessageTypeByName(qualified)), index
