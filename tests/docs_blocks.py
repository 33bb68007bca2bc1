"""The documentation's command blocks, run as written: every ```console block of the README and of
docs/content, each `$` line a command (`# exit N` at its end: the code it must give, else 0), run
in one bash session per block from a scratch copy of the repository. Blocks after `<!-- needs:
kafka -->` start a local Kafka themselves and run in the e2e suite."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import hermetic_env

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", *sorted((REPO / "docs" / "content").glob("*.md"))]
_BLOCK = re.compile(r"(<!-- needs: (?P<needs>[a-z]+) -->\n)?```console\n(?P<body>.*?)```", re.S)
_EXIT = re.compile(r"#\s*exit (\d+)\s*$")


@dataclass
class Block:
    page: str
    line: int
    needs: str | None
    commands: list[tuple[str, int]]  # (command as written, exit code it must give)

    def __str__(self) -> str:
        return f"{self.page}:{self.line}"


def blocks() -> list[Block]:
    out = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for m in _BLOCK.finditer(text):
            commands = []
            for raw in m.group("body").splitlines():
                if raw.startswith("$ "):
                    code = _EXIT.search(raw)
                    commands.append((raw[2:], int(code.group(1)) if code else 0))
            out.append(Block(page.relative_to(REPO).as_posix(), text[: m.start()].count("\n") + 1, m.group("needs"),
                             commands))
    return out


def scratch_checkout(where: Path) -> Path:
    """What the commands read, copied (they write site/, catalog/ ...); the package and the dev
    scripts linked."""
    where.mkdir(parents=True, exist_ok=True)
    for name in ("examples", "site_templates"):
        shutil.copytree(REPO / name, where / name)
    for name in ("scripts", "specmesh_docs"):
        (where / name).symlink_to(REPO / name)
    return where


def run_block(block: Block, cwd: Path, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    script = ["set -u"]
    for i, (command, code) in enumerate(block.commands):
        script += [command, f"rc=$?; if [ $rc -ne {code} ]; then echo \"{block}: command {i + 1} gave exit $rc, "
                            f"not {code}\" >&2; exit 97; fi"]
    env = hermetic_env()
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(env_extra or {})
    return subprocess.run(["bash", "-c", "\n".join(script)], cwd=cwd, capture_output=True, text=True, env=env,
                          timeout=900)
